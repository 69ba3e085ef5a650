// English stemmer: the Snowball "Porter2" algorithm (https://snowballstem.org/algorithms/english/stemmer.html),
// written out here to avoid a dependency, plus one domain tweak at the end (see `unifyGreekSuffix`).
// Input is one lowercase word of [a-z] (callers fold spelling and accents first).

const EXCEPTIONS: Record<string, string> = {
  skis: 'ski',
  skies: 'sky',
  dying: 'die',
  lying: 'lie',
  tying: 'tie',
  idly: 'idl',
  gently: 'gentl',
  ugly: 'ugli',
  early: 'earli',
  only: 'onli',
  singly: 'singl',
  sky: 'sky',
  news: 'news',
  howe: 'howe',
  atlas: 'atlas',
  cosmos: 'cosmos',
  bias: 'bias',
  andes: 'andes',
};

const AFTER_1A_EXCEPTIONS = new Set([
  'inning',
  'outing',
  'canning',
  'herring',
  'earring',
  'proceed',
  'exceed',
  'succeed',
]);

const isVowel = (c: string | undefined): boolean =>
  c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u' || c === 'y';

const DOUBLES = new Set(['bb', 'dd', 'ff', 'gg', 'mm', 'nn', 'pp', 'rr', 'tt']);
const LI_ENDING = new Set(['c', 'd', 'e', 'g', 'h', 'k', 'm', 'n', 'r', 't']);

/** Start of the region after the first non-vowel that follows a vowel, from `from`. */
function regionStart(w: string, from: number): number {
  for (let i = from + 1; i < w.length; i++) {
    if (!isVowel(w[i]) && isVowel(w[i - 1])) return i + 1;
  }
  return w.length;
}

/** Does w[0..end) end in a short syllable? */
function endsShortSyllable(w: string, end: number): boolean {
  if (end === 2) return isVowel(w[0]) && !isVowel(w[1]);
  if (end < 3) return false;
  const a = w[end - 3];
  const b = w[end - 2];
  const c = w[end - 1];
  return !isVowel(a) && isVowel(b) && !isVowel(c) && c !== 'w' && c !== 'x' && c !== 'Y';
}

function containsVowel(s: string): boolean {
  for (const c of s) if (isVowel(c)) return true;
  return false;
}

export function porter2(word: string): string {
  if (word.length <= 2) return word;
  const exc = EXCEPTIONS[word];
  if (exc !== undefined) return exc;

  // Mark consonant y as Y (initial y, or y after a vowel).
  let w = word;
  if (w[0] === 'y') w = 'Y' + w.slice(1);
  for (let i = 1; i < w.length; i++) {
    if (w[i] === 'y' && isVowel(w[i - 1])) w = w.slice(0, i) + 'Y' + w.slice(i + 1);
  }

  let r1: number;
  if (w.startsWith('gener') || w.startsWith('arsen')) r1 = 5;
  else if (w.startsWith('commun')) r1 = 6;
  else r1 = regionStart(w, 0);
  const r2 = regionStart(w, r1);

  // Step 0: apostrophes never reach here (the tokenizer drops them).

  // Step 1a
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ied') || w.endsWith('ies')) w = w.length > 4 ? w.slice(0, -2) : w.slice(0, -1);
  else if (w.endsWith('us') || w.endsWith('ss')) {
    /* unchanged */
  } else if (w.endsWith('s')) {
    if (containsVowel(w.slice(0, -2))) w = w.slice(0, -1);
  }
  if (AFTER_1A_EXCEPTIONS.has(w)) return w;

  // Step 1b
  const eed = w.endsWith('eedly') ? 5 : w.endsWith('eed') ? 3 : 0;
  if (eed > 0) {
    if (w.length - eed >= r1) w = w.slice(0, -eed) + 'ee';
  } else {
    let cut = 0;
    for (const suf of ['ingly', 'edly', 'ing', 'ed']) {
      if (w.endsWith(suf)) {
        cut = suf.length;
        break;
      }
    }
    if (cut > 0 && containsVowel(w.slice(0, -cut))) {
      w = w.slice(0, -cut);
      if (w.endsWith('at') || w.endsWith('bl') || w.endsWith('iz')) w += 'e';
      else if (DOUBLES.has(w.slice(-2))) w = w.slice(0, -1);
      else if (r1 >= w.length && endsShortSyllable(w, w.length)) w += 'e';
    }
  }

  // Step 1c
  if (w.length > 2 && (w.endsWith('y') || w.endsWith('Y')) && !isVowel(w[w.length - 2])) {
    w = w.slice(0, -1) + 'i';
  }

  // Step 2
  w = step2(w, r1);
  // Step 3
  w = step3(w, r1, r2);
  // Step 4
  w = step4(w, r2);

  // Step 5
  if (w.endsWith('e')) {
    const at = w.length - 1;
    if (at >= r2 || (at >= r1 && !endsShortSyllable(w, at))) w = w.slice(0, -1);
  } else if (w.endsWith('ll') && w.length - 1 >= r2) {
    w = w.slice(0, -1);
  }

  return w.replace(/Y/g, 'y');
}

const STEP2: [string, string][] = [
  ['ization', 'ize'],
  ['ational', 'ate'],
  ['fulness', 'ful'],
  ['ousness', 'ous'],
  ['iveness', 'ive'],
  ['tional', 'tion'],
  ['biliti', 'ble'],
  ['lessli', 'less'],
  ['entli', 'ent'],
  ['ation', 'ate'],
  ['alism', 'al'],
  ['aliti', 'al'],
  ['ousli', 'ous'],
  ['iviti', 'ive'],
  ['fulli', 'ful'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['abli', 'able'],
  ['izer', 'ize'],
  ['ator', 'ate'],
  ['alli', 'al'],
  ['bli', 'ble'],
  ['ogi', 'og'],
  ['li', ''],
];

function step2(w: string, r1: number): string {
  for (const [suf, rep] of STEP2) {
    if (!w.endsWith(suf)) continue;
    const at = w.length - suf.length;
    if (at < r1) return w;
    if (suf === 'ogi') return w[at - 1] === 'l' ? w.slice(0, at) + rep : w;
    if (suf === 'li') return LI_ENDING.has(w[at - 1] ?? '') ? w.slice(0, at) : w;
    return w.slice(0, at) + rep;
  }
  return w;
}

const STEP3: [string, string][] = [
  ['ational', 'ate'],
  ['tional', 'tion'],
  ['alize', 'al'],
  ['icate', 'ic'],
  ['iciti', 'ic'],
  ['ative', ''],
  ['ical', 'ic'],
  ['ness', ''],
  ['ful', ''],
];

function step3(w: string, r1: number, r2: number): string {
  for (const [suf, rep] of STEP3) {
    if (!w.endsWith(suf)) continue;
    const at = w.length - suf.length;
    if (at < r1) return w;
    if (suf === 'ative' && at < r2) return w;
    return w.slice(0, at) + rep;
  }
  return w;
}

const STEP4 = [
  'ement',
  'ance',
  'ence',
  'able',
  'ible',
  'ment',
  'ant',
  'ent',
  'ism',
  'ate',
  'iti',
  'ous',
  'ive',
  'ize',
  'ion',
  'al',
  'er',
  'ic',
];

function step4(w: string, r2: number): string {
  for (const suf of STEP4) {
    if (!w.endsWith(suf)) continue;
    const at = w.length - suf.length;
    if (at < r2) return w;
    if (suf === 'ion') return w[at - 1] === 's' || w[at - 1] === 't' ? w.slice(0, at) : w;
    return w.slice(0, at);
  }
  return w;
}

// Porter2 leaves "chromatography" as "chromatographi" but "chromatographic" as "chromatograph"
// (likewise spectroscopy/spectroscopic, microbiology is already fine). Technical vocabulary is full of
// these pairs, so drop the trailing i after these Greek roots.
const GREEK_I = /(graph|scop|metr|nom|path|troph)i$/;

function unifyGreekSuffix(stem: string): string {
  return GREEK_I.test(stem) ? stem.slice(0, -1) : stem;
}

const NOT_LETTERS = /[^a-z]/;
// Vocabulary is small compared with text volume: remember stems (bounded, for long-running workers).
const cache = new Map<string, string>();
const CACHE_LIMIT = 100_000;

/** Stem one lowercase word. Words with digits are returned unchanged. */
export function stem(word: string): string {
  if (word.length <= 2 || NOT_LETTERS.test(word)) return word;
  let s = cache.get(word);
  if (s === undefined) {
    s = unifyGreekSuffix(porter2(word));
    if (cache.size < CACHE_LIMIT) cache.set(word, s);
  }
  return s;
}
