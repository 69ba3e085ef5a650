import { describe, expect, it } from 'vitest';
import { buildCorpusStats, isDomainTerm, CAPABILITY_TERMS } from '../../core/matching/index.js';
import {
  analyzeText,
  editDistance,
  isGenericTerm,
  nearest,
  normalName,
  parseSearch,
  searchParts,
} from '../../core/text/index.js';

const termOf = (word: string): string => analyzeText(word)[0] as string;

describe('generic words', () => {
  it('knows the words the issue names, in every inflection', () => {
    for (const w of ['test', 'tested', 'testing', 'data', 'point', 'units', 'studies', 'development', 'developing'])
      expect(isGenericTerm(termOf(w)), w).toBe(true);
    for (const w of ['product', 'process', 'cell', 'cells', 'multi']) expect(isGenericTerm(termOf(w)), w).toBe(true);
    expect(isGenericTerm('xpredict')).toBe(true);
    expect(isGenericTerm('xgmp')).toBe(true);
  });

  it('leaves technology words alone', () => {
    for (const w of ['Raman', 'perfusion', 'chromatography', 'endotoxin', 'lyophilisation', 'glucose', 'resin'])
      expect(isGenericTerm(termOf(w)), w).toBe(false);
    expect(isGenericTerm('xpat')).toBe(false);
  });
});

describe('domain terms', () => {
  // Twenty posts: "glucose" in one, "bioreactor" (a capability word) and "vessel" in all of them.
  const posts = Array.from({ length: 20 }, (_, i) => ({
    terms: new Map(analyzeText(`bioreactor vessel ${i === 0 ? 'glucose' : 'other'} word${i}`).map((t) => [t, 1])),
    length: 4,
    surface: new Map<string, string>(),
    request: new Map<string, number>(),
    wanted: new Map<string, number>(),
  }));
  const stats = { needs: buildCorpusStats(posts), offerings: buildCorpusStats(posts) };

  it('takes concepts, capability words and rare words, never generic or common words', () => {
    expect(isDomainTerm('xpat', stats)).toBe(true);
    expect(CAPABILITY_TERMS.has(termOf('bioreactor'))).toBe(true);
    expect(isDomainTerm(termOf('bioreactor'), stats)).toBe(true);
    expect(isDomainTerm(termOf('glucose'), stats)).toBe(true);
    expect(isDomainTerm(termOf('vessel'), stats)).toBe(false);
    expect(isDomainTerm(termOf('testing'), stats)).toBe(false);
    expect(isDomainTerm('xgmp', stats)).toBe(false);
  });

  it('never counts a generic word of the taxonomy as a capability word', () => {
    for (const w of ['development', 'data', 'units', 'multi', 'cell', 'testing', 'process'])
      expect(CAPABILITY_TERMS.has(termOf(w)), w).toBe(false);
  });
});

describe('search parsing', () => {
  it('reads an acronym and its phrase as the same one part', () => {
    expect(searchParts('PAT')).toEqual([['xpat']]);
    expect(searchParts('process analytical technology')).toEqual([['xpat']]);
    expect(searchParts('Process Analytical Technologies')).toEqual([['xpat']]);
  });

  it('folds spelling for plain words', () => {
    expect(searchParts('characterisation')).toEqual(searchParts('characterization'));
    expect(searchParts('characterisation')[0]).toHaveLength(1);
  });

  it('keeps a member word of a broad group as itself, and a naming word as its group', () => {
    expect(searchParts('Raman')).toEqual([[termOf('Raman')]]);
    expect(searchParts('spectroscopy')).toEqual([['xspectroscopy']]);
    // lentiviral is in two groups; the more specific one is searched.
    expect(searchParts('lentiviral')).toEqual([['xlentivirus']]);
    expect(searchParts('near-infrared')).toEqual([['xnir']]);
  });

  it('makes one part per concept or word, in order, stop words dropped', () => {
    expect(searchParts('PAT for the Raman of perfusion')).toEqual([['xpat'], [termOf('Raman')], ['xperfusion']]);
  });

  it('parses OR, exclusions and quotes', () => {
    expect(parseSearch('PAT OR perfusion')).toEqual([
      { all: [['xpat']], none: [] },
      { all: [['xperfusion']], none: [] },
    ]);
    expect(parseSearch('PAT -Raman -"cell retention"')).toEqual([
      { all: [['xpat']], none: [[termOf('Raman')], ['xcellretention']] },
    ]);
    // A minus before a number is a temperature, not an exclusion.
    expect(parseSearch('storage at -70 °C')).toEqual([{ all: [[termOf('storage')], ['xultracold']], none: [] }]);
    expect(parseSearch('the of and')).toEqual([]);
  });
});

describe('forgiving names', () => {
  it('normalises case, accents, punctuation and spelling', () => {
    expect(normalName('Process Modelling & Digital-Twins')).toBe('process modeling and digital twins');
    expect(normalName('Raman Spectroscopie')).toBe('raman spectroscopie');
  });

  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('finds the nearest names to a typo, a partial name or words out of order', () => {
    const forms = [
      { key: 'a', forms: ['imrr.spectroscopic-pat', 'Spectroscopic process analytical technology'] },
      { key: 'b', forms: ['pt.upstream-intensification', 'Upstream intensification'] },
      { key: 'c', forms: ['imrr.rapid-microbiology', 'Rapid microbiological methods'] },
    ];
    expect(nearest('imrr.spectroscopic-pta', forms)[0]).toBe('a');
    expect(nearest('upstream intensificaton', forms)[0]).toBe('b');
    expect(nearest('microbiology rapid', forms)[0]).toBe('c');
    expect(nearest('spectroscopy', forms)[0]).toBe('a');
  });
});
