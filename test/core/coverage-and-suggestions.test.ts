import { describe, expect, it } from 'vitest';
import { coverageLayout, gapOf, wrap } from '../../core/coverage.js';
import { suggestCapabilities } from '../../core/suggest.js';
import { AREAS, CAPABILITIES } from '../../core/taxonomy.js';

describe('capability suggestions', () => {
  it('suggests the capabilities a post is about, best first, from its words and their synonyms', () => {
    expect(suggestCapabilities('In-line Raman monitoring of glucose in fed-batch culture')[0]).toBe(
      'imrr.spectroscopic-pat',
    );
    expect(suggestCapabilities('rapid sterility testing to release CAR-T sooner')[0]).toBe('imrr.rapid-microbiology');
    expect(suggestCapabilities('cryogenic shipping: cold chain for cell therapy')[0]).toBe('spm.cold-chain-logistics');
    expect(suggestCapabilities('continuous capture chromatography with protein A')[0]).toBe('pt.continuous-downstream');
  });

  it('suggests nothing for text that is about no capability, and at most three', () => {
    expect(suggestCapabilities('')).toEqual([]);
    expect(suggestCapabilities('hello, we are a friendly team')).toEqual([]);
    expect(
      suggestCapabilities('Raman NIR probes glucose MES batch records robots cleanrooms').length,
    ).toBeLessThanOrEqual(3);
  });
});

describe('coverage heatmap', () => {
  it('lays out one column per area and one cell per capability', () => {
    const layout = coverageLayout([]);
    expect(layout.columns.map((c) => c.slug)).toEqual(AREAS.map((a) => a.slug));
    expect(layout.columns.flatMap((c) => c.cells)).toHaveLength(CAPABILITIES.length);
    const xs = layout.columns.map((c) => c.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
  });

  it('colours by how far open needs outrun offerings', () => {
    const cell = (needs: number, offerings: number) =>
      coverageLayout([{ slug: 'imrr.spectroscopic-pat', needs, offerings, introductions: 0 }]).columns[0]!.cells[0]!;
    expect(cell(0, 0).fill).toBe('#f1f3f5'); // nothing yet
    expect(cell(1, 3).fill).toBe('#dbeafe'); // supply meets demand
    expect(cell(2, 1).fill).toBe('#fde2e1');
    expect(cell(9, 0).fill).toBe('#991b1b');
    expect(cell(9, 0).ink).toBe('#ffffff');
    expect(gapOf({ needs: 3, offerings: 0 })).toBe(4);
  });

  it('wraps area names to the width of a column', () => {
    expect(wrap('In-line monitoring and real-time release', 19)).toEqual([
      'In-line monitoring',
      'and real-time',
      'release',
    ]);
  });
});
