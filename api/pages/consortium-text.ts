import { CHARTER } from '../../core/charter.js';

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

export { ANONYMOUS_OWNER } from '../../core/policy.js';
export { membersByKind as membersLine } from '../../core/taxonomy.js';
