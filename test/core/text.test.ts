import { describe, expect, it } from 'vitest';
import {
  analyzeText,
  findConcepts,
  foldSpelling,
  lightStem,
  normalizeText,
  porter2,
  stem,
  THESAURUS,
  tokenize,
} from '../../core/text/index.js';

const terms = (s: string): Set<string> => new Set(analyzeText(s));
const shared = (a: string, b: string): string[] => {
  const tb = terms(b);
  return [...terms(a)].filter((t) => tb.has(t));
};

describe('normalisation and tokenisation', () => {
  it('folds accents, dashes and thousands separators', () => {
    expect(normalizeText('Réacteur – 2,000 L')).toBe('Reacteur - 2000 L');
    expect(normalizeText('12\u00a0000 L')).toBe('12000 L');
  });

  it('splits on hyphens and slashes but keeps & inside a word', () => {
    const surfaces = tokenize('fed-batch UF/DF and E&L data').tokens.map((t) => t.surface);
    expect(surfaces).toEqual(['fed', 'batch', 'UF', 'DF', 'and', 'E&L', 'data']);
  });

  it('joins a number and a volume unit into one scale token', () => {
    expect(tokenize('a 2,000 L bioreactor').tokens.map((t) => t.key)).toEqual(['a', '2000l', 'bioreactor']);
    expect(terms('2000 L')).toEqual(terms('2,000 litres'));
  });

  it('marks clause boundaries so that phrases do not span them', () => {
    const { tokens } = tokenize('single. Use bioreactor');
    expect(tokens[1]?.boundary).toBe(true);
    expect(terms('the cell. Retention time')).not.toContain('xcellretention');
    expect(terms('cell retention')).toContain('xcellretention');
  });

  it('reads storage temperatures whole', () => {
    const { tokens } = tokenize('kept at −70 °C or at 2-8 °C');
    expect(tokens.map((t) => t.surface)).toContain('-70 °C');
    expect(terms('kept at -80°C')).toContain('xultracold');
    expect(terms('room temperature 25 °C')).not.toContain('xultracold');
  });

  it('drops English stop words and generic filler of posts', () => {
    const t = analyzeText('We are looking for a partner who can provide our solution');
    expect(t).not.toContain('we');
    expect(t).not.toContain('partner');
    expect(t).not.toContain('look');
    expect(t).toContain('solut');
  });
});

describe('spelling folding', () => {
  it('folds British spellings to American', () => {
    expect(foldSpelling('characterisation')).toBe('characterization');
    expect(foldSpelling('lyophilised')).toBe('lyophilized');
    expect(foldSpelling('optimisation')).toBe('optimization');
    expect(foldSpelling('modelling')).toBe('modeling');
    expect(foldSpelling('titre')).toBe('titer');
    expect(foldSpelling('centred')).toBe('centered');
    expect(foldSpelling('analyse')).toBe('analyze');
    expect(foldSpelling('colour')).toBe('color');
    expect(foldSpelling('ageing')).toBe('aging');
    expect(foldSpelling('catalogue')).toBe('catalog');
  });

  it('leaves words that only look British alone', () => {
    for (const w of ['advise', 'expertise', 'promise', 'otherwise', 'premises', 'crises', 'noise', 'raised', 'four']) {
      expect(foldSpelling(w)).toBe(w);
    }
    expect(foldSpelling('controlled')).toBe('controlled');
    expect(foldSpelling('analyses')).toBe('analyses');
  });

  it('makes British and American posts share their terms', () => {
    expect(terms('characterisation of lyophilised product')).toEqual(terms('characterization of lyophilized product'));
    expect(terms('hybrid modelling of titre')).toEqual(terms('hybrid modeling of titer'));
  });
});

describe('stemming', () => {
  it('implements Porter2', () => {
    const cases: Record<string, string> = {
      consignment: 'consign',
      generously: 'generous',
      abilities: 'abil',
      running: 'run',
      hopping: 'hop',
      hoped: 'hope',
      agreed: 'agre',
      dying: 'die',
      cries: 'cri',
      caresses: 'caress',
      relational: 'relat',
      knightly: 'knight',
      gaps: 'gap',
      gas: 'gas',
      generation: 'generat',
    };
    for (const [w, s] of Object.entries(cases)) expect(porter2(w)).toBe(s);
  });

  it('conflates inflections of domain words', () => {
    expect(stem('bioreactors')).toBe(stem('bioreactor'));
    expect(stem('perfused')).toBe(stem('perfusion'));
    expect(stem('chromatography')).toBe(stem('chromatographic'));
    expect(stem('spectroscopy')).toBe(stem('spectroscopic'));
    expect(stem('validated')).toBe(stem('validation'));
  });

  it('leaves codes with digits alone', () => {
    expect(stem('igg1')).toBe('igg1');
  });

  it('strips plurals for phrase keys', () => {
    expect(lightStem('assays')).toBe('assay');
    expect(lightStem('therapies')).toBe('therapy');
    expect(lightStem('processes')).toBe('process');
    expect(lightStem('virus')).toBe('virus');
  });
});

describe('thesaurus', () => {
  it('has well-formed concept ids', () => {
    for (const g of THESAURUS) expect(g.id).toMatch(/^[a-z0-9]+$/);
    expect(new Set(THESAURUS.map((g) => g.id)).size).toBe(THESAURUS.length);
  });

  it('expands acronyms to the concept of their long form', () => {
    expect(shared('PAT', 'process analytical technology')).toContain('xpat');
    expect(shared('MAM', 'multi-attribute method')).toContain('xmam');
    expect(shared('LC-MS', 'liquid chromatography-mass spectrometry')).toContain('xlcms');
    expect(shared('E&L data', 'extractables and leachables')).toContain('xel');
    expect(shared('eBR', 'electronic batch records')).toContain('xebr');
    expect(shared('mAbs', 'monoclonal antibodies')).toContain('xmab');
    expect(shared('CoAs', 'certificates of analysis')).toContain('xcoa');
    expect(shared('OPC UA and MTP', 'module type package over OPC unified architecture')).toEqual(
      expect.arrayContaining(['xopcua', 'xmtp']),
    );
    expect(shared('SIP-rated probes', 'survives steam-in-place')).toContain('xsip');
    expect(shared('UF/DF', 'ultrafiltration and diafiltration')).toContain('xufdf');
  });

  it('matches acronyms by case, so ordinary words do not fire them', () => {
    expect(terms('a sip of water')).not.toContain('xsip');
    expect(terms('give it a pat')).not.toContain('xpat');
    expect(terms('les mes amis')).not.toContain('xmes');
    expect(terms('we do this')).not.toContain('xdissolvedoxygen');
    expect(terms('50 mL samples')).not.toContain('xml');
    expect(terms('MES integration')).toContain('xmes');
    expect(terms('the LV titre')).toContain('xlentivirus');
  });

  it('relates paraphrases of the same technology', () => {
    expect(shared('perfusion', 'continuous culture with cell retention')).toContain('xperfusion');
    expect(shared('multi-column chromatography', 'continuous chromatography')).toContain('xmcc');
    expect(shared('single-use bioreactor', 'disposable bioreactor')).toContain('xsub');
    expect(shared('digital twin', 'process model')).toContain('xprocessmodel');
    expect(shared('freeze drying', 'lyophilisation')).toContain('xlyo');
    expect(shared('chemometrics', 'multivariate data analysis')).toContain('xmvda');
    expect(shared('electronic batch record', 'eBR')).toContain('xebr');
    expect(shared('prefabricated cleanroom units', 'factory-built cleanroom pods')).toContain('xmodularcleanroom');
  });

  it('lets a longer phrase hide a misleading shorter one', () => {
    expect(terms('aseptic process simulation')).not.toContain('xprocessmodel');
    expect(terms('aseptic process simulation')).toContain('xmediafill');
    expect(terms('mobile phase composition')).not.toContain('xmobile');
    expect(terms('distributed control system')).not.toContain('xdistributed');
  });

  it('counts a concept once for overlapping forms', () => {
    const found = findConcepts(tokenize('multi-column chromatography').tokens).concepts;
    expect(found.filter((c) => c.concept === 'xmcc')).toHaveLength(1);
  });

  it('yields only index-safe terms', () => {
    const t = analyzeText('E&L, LC-MS/MS, ISA-88, CAR-T, N-1 at −80 °C, 21 CFR Part 11, pH 7.0, IgG1 mAbs (HEK293T)');
    // Terms come out of every part of that text, not none.
    expect(t).toEqual(expect.arrayContaining(['xlcms', 'xcart', 'xpart11', 'xhek']));
    for (const term of t) expect(term).toMatch(/^[a-z0-9]+$/);
  });
});
