// Roadmap coverage as a heatmap: one row per area, one cell per capability, coloured by how far open needs
// outrun offerings. Pure layout; the page draws it as SVG.

import { AREAS, CAPABILITIES } from './taxonomy.js';

export interface CoverageCount {
  slug: string;
  needs: number;
  offerings: number;
  introductions: number;
}

export interface CoverageCell extends CoverageCount {
  name: string;
  x: number;
  y: number;
  /** Fill colour: neutral when supply meets demand, deepening red as needs outrun offerings. */
  fill: string;
  /** Text colour readable on the fill. */
  ink: string;
  /** Open needs per offering, or needs + 1 when nothing is offered. */
  gap: number;
}

export const CELL = { width: 150, height: 64, gap: 6, header: 48 };

/** Needs per offering, smoothed so that no offering and no need is not a division by zero. */
export const gapOf = (c: Pick<CoverageCount, 'needs' | 'offerings'>) => (c.needs + 1) / (c.offerings + 1);

function colour(c: CoverageCount): { fill: string; ink: string } {
  if (c.needs === 0 && c.offerings === 0) return { fill: '#f1f3f5', ink: '#4a5866' };
  const gap = gapOf(c);
  if (gap <= 1) return { fill: '#dbeafe', ink: '#1d2733' }; // offerings meet or exceed needs
  // 1..4+ needs per offering, light to dark red
  // The two darker shades carry white text at 4.5:1 or more.
  const shades = ['#fde2e1', '#f9b4b0', '#dc2626', '#991b1b'];
  const i = Math.min(shades.length - 1, Math.floor(gap - 1));
  return { fill: shades[i]!, ink: i >= 2 ? '#ffffff' : '#1d2733' };
}

/** Words wrapped into lines of at most `width` characters. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/)) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** One column per area (its name on top), one cell per capability down the column. */
export function coverageLayout(counts: readonly CoverageCount[]) {
  const bySlug = new Map(counts.map((c) => [c.slug, c]));
  const columns = AREAS.map((area, column) => {
    const x = column * (CELL.width + CELL.gap);
    const cells: CoverageCell[] = CAPABILITIES.filter((c) => c.area === area.slug).map((cap, row) => {
      const count = bySlug.get(cap.slug) ?? { slug: cap.slug, needs: 0, offerings: 0, introductions: 0 };
      return {
        ...count,
        name: cap.name,
        x,
        y: CELL.header + row * (CELL.height + CELL.gap),
        gap: gapOf(count),
        ...colour(count),
      };
    });
    return { area: area.name, lines: wrap(area.name, 19), slug: area.slug, x, cells };
  });
  const rows = Math.max(...columns.map((c) => c.cells.length));
  return {
    columns,
    width: columns.length * (CELL.width + CELL.gap),
    height: CELL.header + rows * (CELL.height + CELL.gap),
  };
}
