// Forgiving lookup of names people type: a normal form that ignores case, accents, punctuation and British
// or American spelling, and the nearest known names to a mistyped one (for "did you mean ...").

import { foldSpelling } from './spelling.js';

/** Lowercase words without accents or punctuation, in American spelling, "&" read as "and". */
export function normalName(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0)
    .map(foldSpelling)
    .join(' ');
}

/** Levenshtein distance (insertions, deletions and substitutions cost 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, (prev[j] as number) + 1, (cur[j - 1] as number) + 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** 0 for the same string, 1 for nothing in common. */
function distance(a: string, b: string): number {
  return editDistance(a, b) / Math.max(a.length, b.length, 1);
}

/** How far a typed name is from a known form: whole strings, or word by word (order and extra words forgiven). */
export function nameDistance(typed: string, form: string): number {
  const a = normalName(typed);
  const b = normalName(form);
  if (a.length === 0 || b.length === 0) return 1;
  const whole = distance(a.replace(/ /g, ''), b.replace(/ /g, ''));
  const aw = a.split(' ');
  const bw = b.split(' ');
  // Each typed word against its best word of the form (a prefix of three letters or more counts as found),
  // and a little for the form's words left unmatched, so that a closer form wins a tie.
  let sum = 0;
  const used = new Set<number>();
  for (const w of aw) {
    let best = 1;
    let at = -1;
    bw.forEach((x, i) => {
      const d = w.length >= 3 && x.startsWith(w) ? 0.1 : distance(w, x);
      if (d < best) {
        best = d;
        at = i;
      }
    });
    sum += best;
    if (at >= 0 && best < 0.5) used.add(at);
  }
  const words = 0.8 * (sum / aw.length) + 0.2 * (1 - used.size / bw.length);
  return Math.min(whole, words);
}

/**
 * The keys whose forms are nearest to `typed`, best first: at most `max`, and only those about as near as
 * the best (within `spread`), so that one close suggestion is not followed by unrelated ones.
 */
export function nearest<K>(
  typed: string,
  forms: readonly { key: K; forms: readonly string[] }[],
  max = 3,
  spread = 0.15,
): K[] {
  const scored = forms
    .map((f) => ({ key: f.key, d: Math.min(...f.forms.map((x) => nameDistance(typed, x))) }))
    .sort((x, y) => x.d - y.d);
  const best = scored[0]?.d ?? 1;
  return scored
    .filter((s) => s.d <= best + spread)
    .slice(0, max)
    .map((s) => s.key);
}
