import { CHARTER } from '../../core/charter.js';
import { ORG_KIND_NAMES, ORG_KINDS, type OrgKind } from '../../core/taxonomy.js';

export type CharterBlock = { kind: 'paragraph'; text: string } | { kind: 'list'; items: string[] };

/** The charter's plain text as paragraphs and lists ("- " items), for a page to show in full. */
export function charterBlocks(text: string): CharterBlock[] {
  const blocks: CharterBlock[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ kind: 'paragraph', text: paragraph.join(' ') });
    paragraph = [];
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
    } else if (line.startsWith('- ')) {
      flush();
      const last = blocks.at(-1);
      if (last?.kind === 'list') last.items.push(line.slice(2));
      else blocks.push({ kind: 'list', items: [line.slice(2)] });
    } else {
      paragraph.push(line);
    }
  }
  flush();
  return blocks;
}

/** The current charter as the pages show it. */
export const charterForPage = () => ({ version: CHARTER.version, blocks: charterBlocks(CHARTER.text) });

/** The sentence every join page shows before the button. */
export const REVEAL_SENTENCE = 'Joining reveals your organisation to the members of this consortium, and only to them.';

const PLURAL: Record<OrgKind, string> = {
  biomanufacturer: 'biomanufacturers',
  supplier: 'suppliers',
  academic: 'academic groups',
  hub: 'regional innovation hubs',
  regulator: 'regulators',
  agency: 'government agencies or funders',
};

/** "2 biomanufacturers, 1 supplier": who has joined, by kind only. */
export function membersLine(counts: Partial<Record<OrgKind, number>>): string {
  const parts = ORG_KINDS.filter((k) => (counts[k] ?? 0) > 0).map((kind) => {
    const n = counts[kind]!;
    return `${n} ${n === 1 ? ORG_KIND_NAMES[kind] : PLURAL[kind]}`;
  });
  return parts.length > 0 ? parts.join(', ') : 'no members yet';
}

/** What a need's owner is called where the viewer may not know it. */
export const ANONYMOUS_OWNER = 'an anonymous biomanufacturer';
