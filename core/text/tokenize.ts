// Unicode normalisation and tokenisation. Tokens keep their surface form (case matters for acronyms such
// as MES or SIP), a lowercase American-spelling form, and a plural-free "key" used by the thesaurus.

import { foldSpelling } from './spelling.js';

export interface Token {
  /** As written, after unicode folding ("LC", "Raman", "2,000 L" becomes "2000 L"). */
  surface: string;
  /** Lowercase, British spelling folded to American. */
  folded: string;
  /** `folded` without a plural ending: what thesaurus phrases are matched on. */
  key: string;
  /** Offsets of the token in the normalised text, to quote matched phrases as written. */
  start: number;
  end: number;
  /** A clause boundary (full stop, comma, bracket...) precedes the token: phrases never span one. */
  boundary: boolean;
  /** Set for tokens the tokenizer read whole (temperatures, volumes such as "2000 L"): their canonical term. */
  fixed?: string;
}

const SPECIAL_CHARS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  þ: 'th',
  µ: 'u',
  μ: 'u',
  º: '°',
  '’': "'",
  '‘': "'",
  '“': '"',
  '”': '"',
};
const SPECIAL_RE = new RegExp(`[${Object.keys(SPECIAL_CHARS).join('')}]`, 'g');
const DASHES = /[\u2010-\u2015\u2212\u2043\uFE58\uFE63\uFF0D]/g;
const COMBINING = /\p{M}/gu;
// 2,000 / 12 000 (non-breaking or thin space) -> 2000 / 12000
const THOUSANDS = /(\d)[,\u00a0\u202f\u2009](?=\d{3}(?!\d))/g;
const APOSTROPHE_S = /(\w)'s\b/g;
const APOSTROPHE = /'/g;

export function normalizeText(input: string): string {
  return input
    .replace(THOUSANDS, '$1') // before NFKD turns a non-breaking space into a plain one
    .normalize('NFKD')
    .replace(COMBINING, '')
    .replace(SPECIAL_RE, (c) => SPECIAL_CHARS[c] ?? c)
    .replace(DASHES, '-')
    .replace(APOSTROPHE_S, '$1')
    .replace(APOSTROPHE, '');
}

// Storage temperatures are read whole and named, so the thesaurus can relate "-70 °C" to ultra-cold:
// "-70 °C", "-80°C", "minus 70 degrees C" ... and the refrigerated range "2-8 °C".
const TEMPERATURE = String.raw`(?:-\s?|minus\s)\d{2,3}\s?(?:°\s?C|deg(?:rees)?\s?C)\b|\b2\s?(?:-|to)\s?8\s?(?:°\s?C|deg(?:rees)?\s?C)\b`;

function temperatureTerm(s: string): string {
  if (!s.startsWith('-') && !s.startsWith('minus')) return 'refrigeratedtemp';
  const deg = Number(/\d+/.exec(s)?.[0] ?? '0');
  return deg >= 60 ? 'ultracoldtemp' : deg >= 15 ? 'frozentemp' : 'subzerotemp';
}

// Words (letters/digits, joined by & as in E&L or R&D), or clause punctuation.
const TOKEN_RE = new RegExp(String.raw`${TEMPERATURE}|[A-Za-z0-9]+(?:&[A-Za-z0-9]+)*|[,;:!?()[\]{}"]|\.(?=\s|$)`, 'gi');
const TEMPERATURE_START = /^(?:-|minus\s|2\s?(?:-|to)\s?8)/i;
const WORD_START = /[A-Za-z0-9]/;
const DIGITS = /^\d+$/;
// Volumes that describe scale ("2,000 L", "50 mL") become one token: "2000l".
const VOLUME_UNITS = new Set(['l', 'ml', 'ul', 'kl', 'hl', 'm3', 'litre', 'litres', 'liter', 'liters']);

/** Strip an English plural ending (assays -> assay, therapies -> therapy, processes -> process). */
export function lightStem(w: string): string {
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) return w.slice(0, -3) + 'y';
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('xes') || w.endsWith('ches') || w.endsWith('shes')) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

export function tokenize(input: string): { text: string; tokens: Token[] } {
  const text = normalizeText(input);
  const tokens: Token[] = [];
  let boundary = true;
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(text); m !== null; m = TOKEN_RE.exec(text)) {
    const s = m[0];
    if (TEMPERATURE_START.test(s) && /C$/i.test(s)) {
      const term = temperatureTerm(s.toLowerCase());
      const end = m.index + s.length;
      tokens.push({ surface: s, folded: term, key: term, start: m.index, end, boundary, fixed: term });
      boundary = false;
      continue;
    }
    if (!WORD_START.test(s[0] ?? '')) {
      boundary = true;
      continue;
    }
    const lower = s.toLowerCase();
    const prev = tokens[tokens.length - 1];
    // Join a number and a volume unit: "2000 L" -> "2000l".
    if (prev && !boundary && DIGITS.test(prev.surface) && VOLUME_UNITS.has(lower) && m.index - prev.end <= 1) {
      const unit = lower.startsWith('lit') ? 'l' : lower;
      prev.surface = text.slice(prev.start, m.index + s.length);
      prev.folded = prev.key = prev.fixed = prev.folded + unit;
      prev.end = m.index + s.length;
      continue;
    }
    const folded = foldSpelling(lower);
    tokens.push({ surface: s, folded, key: lightStem(folded), start: m.index, end: m.index + s.length, boundary });
    boundary = false;
  }
  return { text, tokens };
}
