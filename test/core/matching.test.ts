import { describe, expect, it } from 'vitest';
import {
  analyzedFromJson,
  analyzedToJson,
  analyzePost,
  ANALYSIS_VERSION,
  buildCorpusStats,
  candidateTerms,
  capabilityCoverage,
  coverage,
  exclusionReason,
  idf,
  indexTerms,
  MATCH_RULE,
  MATCH_THRESHOLD,
  matchedTerms,
  modalityFactor,
  pairEvidence,
  partnershipFactor,
  partnershipFit,
  partnershipPhrase,
  scoreComponents,
  scorePair,
  SAME_AREA_CREDIT,
  trlFit,
  type AnalyzedText,
  type MatchableNeed,
  type MatchableOffering,
} from '../../core/matching/index.js';

type Post = { title: string; description: string; keywords: string[] };
type Need = MatchableNeed & Post & { analyzed: AnalyzedText };
type Offering = MatchableOffering & Post & { analyzed: AnalyzedText };

let seq = 0;
function need(p: Partial<MatchableNeed & Post> & { title: string; description: string }): Need {
  const n: MatchableNeed & Post = {
    id: `n${++seq}`,
    orgId: 'org-maker',
    capabilities: [],
    keywords: [],
    trlMin: 5,
    trlMax: 8,
    partnershipTypes: ['supply', 'pilot'],
    openTo: ['supplier', 'academic'],
    status: 'open',
    expiresAt: new Date('2099-12-31T00:00:00Z'), // live whatever the clock
    ...p,
  };
  return { ...n, analyzed: analyzePost(n) };
}

function offering(p: Partial<MatchableOffering & Post> & { title: string; description: string }): Offering {
  const o: MatchableOffering & Post = {
    id: `o${++seq}`,
    orgId: `org-vendor-${seq}`,
    orgKind: 'supplier',
    capabilities: [],
    keywords: [],
    trl: 7,
    partnershipTypes: ['supply'],
    status: 'open',
    ...p,
  };
  return { ...o, analyzed: analyzePost(o) };
}

// A small marketplace, written for these tests.
const perfusionNeed = need({
  title: 'Perfusion for our 500 L N-1 seed bioreactors',
  description:
    'Our CHO fed-batch platform starts production from a conventional seed train. We want to intensify the N-1 step ' +
    'with perfusion to reach high cell density and shorten the production phase. The device must be single-use.',
  capabilities: ['pt.upstream-intensification'],
  keywords: ['perfusion'],
});
const retentionOffer = offering({
  title: 'Hollow-fibre device for continuous culture with cell retention',
  description:
    'Our single-use alternating tangential flow module keeps cells in the bioreactor while spent medium is removed, ' +
    'so seed bioreactors reach very high cell density before inoculating the production vessel.',
  capabilities: ['pt.upstream-intensification'],
  trl: 8,
});
const ramanNeed = need({
  title: 'In-line Raman monitoring of glucose in mammalian cell culture',
  description:
    'We run antibody fed-batch processes and measure glucose off-line. We need an in-line Raman probe with ' +
    'chemometric models that predict glucose and lactate in real time and survive steam-in-place.',
  capabilities: ['imrr.spectroscopic-pat'],
  keywords: ['Raman', 'PAT'],
});
const ramanOffer = offering({
  title: 'SIP-rated immersion Raman analyser for bioreactors',
  description:
    'Process analytical technology for cell culture: an immersion Raman probe rated for steam sterilisation, with ' +
    'multivariate models for glucose, lactate and viable cell density delivered as real-time signals to the DCS.',
  capabilities: ['imrr.spectroscopic-pat'],
  keywords: ['Raman'],
  trl: 8,
  partnershipTypes: ['supply', 'pilot'],
});
const tabletRamanOffer = offering({
  title: 'In-line Raman for continuous tablet manufacturing',
  description:
    'Raman probes and chemometric models for blend uniformity and assay of small-molecule tablets in continuous ' +
    'direct compression lines, with real-time release of oral solid dose products.',
  capabilities: ['imrr.spectroscopic-pat'],
  keywords: ['Raman'],
  trl: 8,
});
const ebrOffer = offering({
  title: 'Electronic batch records with review by exception',
  description:
    'A manufacturing execution system for paperless biologics plants: electronic batch records, exception-based ' +
    'review and integration with the historian and LIMS.',
  capabilities: ['af.mes-ebr'],
  trl: 9,
});
const shipperOffer = offering({
  title: 'Dry-ice shippers with data loggers',
  description:
    'Reusable shippers hold -70 °C for five days; each carries a cellular logger for temperature and position.',
  capabilities: ['spm.cold-chain-logistics'],
  trl: 9,
  partnershipTypes: ['service'],
});
const waterNeed = need({
  title: 'Membrane-based water for injection generation',
  description:
    'We want to replace multiple-effect stills with reverse osmosis and electrodeionisation for our WFI loop.',
});

const needs = [perfusionNeed, ramanNeed, waterNeed];
const offerings = [retentionOffer, ramanOffer, tabletRamanOffer, ebrOffer, shipperOffer];
const stats = {
  needs: buildCorpusStats(needs.map((n) => n.analyzed)),
  offerings: buildCorpusStats(offerings.map((o) => o.analyzed)),
};
const now = new Date('2025-06-01T00:00:00Z');

describe('post analysis', () => {
  it('weights title and keywords above the description', () => {
    const a = analyzePost({ title: 'Raman probe', description: 'A probe for chromatography.', keywords: [] });
    expect(a.terms.get('raman')).toBeGreaterThan(a.terms.get('chromatograph') ?? 0);
    expect(a.length).toBeGreaterThan(0);
  });

  it('records what a need asks for separately from background', () => {
    const a = analyzePost({
      title: 'Better capture',
      description: 'Our plant runs fed-batch CHO processes. We are looking for a continuous capture step.',
      keywords: [],
    });
    expect(a.request.has('xmcc')).toBe(true);
    expect(a.request.has('xcho')).toBe(false);
    expect(a.terms.has('xcho')).toBe(true);
  });

  it('keeps the surface form of matched words for explanations', () => {
    expect(perfusionNeed.analyzed.surface.get('xperfusion')).toBe('Perfusion');
    expect(retentionOffer.analyzed.surface.get('xperfusion')).toBe('continuous culture with cell retention');
  });

  it('round-trips through JSON for storage, refusing another analyser version', () => {
    const json = JSON.parse(JSON.stringify(analyzedToJson(ramanNeed.analyzed)));
    const back = analyzedFromJson(json);
    expect(back).toEqual(ramanNeed.analyzed);
    expect(analyzedFromJson({ ...json, version: ANALYSIS_VERSION + 1 })).toBeNull();
  });

  it('reads what a request moves away from as its setting, not as what is wanted', () => {
    const a = analyzePost({
      title: 'One LC-MS method for release',
      description:
        'We want a multi-attribute method to replace cation-exchange chromatography and glycan profiling. ' +
        'We need search by meaning rather than keywords, and we want to replace the virus filter with a parvovirus-retentive membrane.',
      keywords: [],
    });
    // The whole request still holds them (two statements of one need share their starting point)...
    expect(a.request.has('glycan')).toBe(true);
    expect(a.request.has('keyword')).toBe(true);
    // ...an offering must provide the rest: "replace X with Y" asks for Y.
    expect(a.wanted.has('glycan')).toBe(false);
    expect(a.wanted.has('keyword')).toBe(false);
    expect(a.wanted.has('search')).toBe(true);
    expect(a.wanted.has('parvovirus')).toBe(true);
    const back = analyzedFromJson(JSON.parse(JSON.stringify(analyzedToJson(a))));
    expect(back).toEqual(a);
    // Without a status quo the two are one map, stored once.
    expect(ramanNeed.analyzed.wanted).toBe(ramanNeed.analyzed.request);
    expect(analyzedToJson(ramanNeed.analyzed)).not.toHaveProperty('wanted');
  });

  it('gives PostgreSQL index terms of letters and digits only', () => {
    const t = indexTerms(ramanNeed.analyzed);
    expect(t.length).toBe(new Set(t).size);
    for (const term of t) expect(term).toMatch(/^[a-z0-9]+$/);
    expect(t).toContain('raman');
    expect(t).toContain('xpat');
  });
});

describe('BM25 weighting', () => {
  it('weights a term by its rarity in the corpus', () => {
    expect(idf(stats.offerings, 'xmes')).toBeGreaterThan(idf(stats.offerings, 'raman'));
    // A term nobody uses yet is capped as if one document had it.
    expect(idf(stats.offerings, 'neverseen')).toBe(idf(stats.offerings, 'xmes'));
  });

  it('normalises coverage against the query post itself', () => {
    expect(coverage(ramanOffer.analyzed.terms, ramanOffer.analyzed, stats.offerings)).toBeCloseTo(1, 1);
    const good = coverage(ramanNeed.analyzed.terms, ramanOffer.analyzed, stats.offerings);
    const poor = coverage(ramanNeed.analyzed.terms, ebrOffer.analyzed, stats.offerings);
    expect(good).toBeGreaterThan(0.2);
    expect(good).toBeLessThanOrEqual(1);
    expect(poor).toBeLessThan(good / 3);
  });

  it('credits a rare shared term more than a common one', () => {
    // Five posts cannot show that a word is common (the prior keeps weights even): thirty Raman offerings can.
    const ramanHeavy = [...offerings, ...Array.from({ length: 30 }, () => tabletRamanOffer)];
    const crowded = buildCorpusStats(ramanHeavy.map((o) => o.analyzed));
    const q = analyzePost({ title: 'Raman and MES', description: '', keywords: [] });
    const viaRare = coverage(q.terms, ebrOffer.analyzed, crowded); // shares MES only
    const viaCommon = coverage(q.terms, tabletRamanOffer.analyzed, crowded); // shares Raman only
    expect(viaRare).toBeGreaterThan(viaCommon);
  });

  it('starts a young corpus with even weights that move as evidence comes in (the prior)', () => {
    const young = buildCorpusStats([ramanOffer.analyzed, tabletRamanOffer.analyzed, ebrOffer.analyzed]);
    const gap = (s: typeof young) => idf(s, 'xmes') - idf(s, 'raman');
    const grown = buildCorpusStats(
      [...offerings, ...Array.from({ length: 30 }, () => tabletRamanOffer)].map((o) => o.analyzed),
    );
    expect(gap(young)).toBeGreaterThan(0);
    expect(gap(grown)).toBeGreaterThan(2 * gap(young));
  });

  it('picks the most discriminating terms for the candidate query', () => {
    const top = candidateTerms(ramanNeed.analyzed, stats.offerings, 5);
    expect(top).toHaveLength(5);
    expect(top).not.toContain('raman'); // in most offerings of this corpus
    expect(candidateTerms(ramanNeed.analyzed, stats.offerings, 0)).toEqual([]);
  });
});

describe('capabilities, TRL and partnership types', () => {
  it('credits the same capability fully and the same area partly', () => {
    expect(capabilityCoverage(['pt.media-feeds'], ['pt.media-feeds'])).toBe(1);
    expect(capabilityCoverage(['pt.media-feeds'], ['pt.drug-product'])).toBe(SAME_AREA_CREDIT);
    expect(capabilityCoverage(['pt.media-feeds'], ['af.robotics'])).toBe(0);
    expect(capabilityCoverage(['pt.media-feeds', 'af.robotics'], ['af.robotics'])).toBe(0.5);
  });

  it('has no opinion when a side carries no tags', () => {
    expect(capabilityCoverage([], ['af.robotics'])).toBeNull();
    expect(capabilityCoverage(['af.robotics'], ['not.a-capability'])).toBeNull();
  });

  it('grades the TRL fit', () => {
    expect(trlFit(6, 5, 8)).toEqual({ fit: 'within', factor: 1 });
    const near = trlFit(4, 5, 8);
    const twoAway = trlFit(3, 5, 8);
    const far = trlFit(1, 5, 8);
    expect(near.fit).toBe('near');
    expect(trlFit(9, 5, 8).fit).toBe('near');
    expect(twoAway.fit).toBe('outside');
    expect(far.fit).toBe('outside');
    expect(near.factor).toBeLessThan(1);
    expect(twoAway.factor).toBeLessThan(near.factor);
    expect(far.factor).toBeLessThan(twoAway.factor);
    expect(far.factor).toBeGreaterThan(0);
  });

  it('measures how many of the ways of working a need accepts the offering offers', () => {
    expect(partnershipFit(['supply', 'pilot'], ['pilot', 'licensing'])).toBe(0.5);
    expect(partnershipFit(['supply', 'pilot'], ['pilot', 'supply', 'service'])).toBe(1);
    expect(partnershipFit(['supply'], ['licensing'])).toBe(0);
    expect(partnershipFit([], ['licensing'])).toBe(1); // the need accepts any
    // An offering that states none is neither fit nor misfit: leaving them out ranks it no higher.
    expect(partnershipFit(['supply', 'pilot'], [])).toBe(0.5);
    // Common needs keep the all-or-nothing factor between two needs' types.
    expect(partnershipFactor(['supply', 'pilot'], ['pilot'])).toBe(1);
    expect(partnershipFactor(['supply'], ['licensing'])).toBeLessThan(1);
  });

  it('moves the need view with TRL', () => {
    const base = scoreComponents(ramanNeed, ramanOffer, stats);
    const farTrl = scoreComponents(ramanNeed, { ...ramanOffer, trl: 2 }, stats);
    expect(farTrl.needScore).toBeLessThan(base.needScore);
    expect(farTrl.offeringScore).toBeCloseTo(base.offeringScore, 10);
  });

  it('ranks by partnership fit without deciding by it', () => {
    const both = scorePair(ramanNeed, ramanOffer, stats, now); // supply and pilot: both the need accepts
    const one = scorePair(ramanNeed, { ...ramanOffer, partnershipTypes: ['pilot'] }, stats, now);
    const none = scorePair(ramanNeed, { ...ramanOffer, partnershipTypes: ['licensing'] }, stats, now);
    expect(both && one && none).toBeTruthy();
    // The same relevance (text, capability, TRL): each is a match, ...
    expect(one!.relevance).toBeCloseTo(both!.relevance, 10);
    expect(none!.relevance).toBeCloseTo(both!.relevance, 10);
    expect(both!.score).toBeCloseTo(both!.relevance, 10);
    // ... ranked by how many of the need's ways of working it offers.
    expect(one!.score).toBeLessThan(both!.score);
    expect(none!.score).toBeLessThan(one!.score);
    expect(none!.score).toBeGreaterThan(0);
  });
});

describe('hard exclusions', () => {
  it('lets an ordinary pair through', () => {
    expect(exclusionReason(ramanNeed, ramanOffer, now)).toBeNull();
  });

  it('excludes the same organisation', () => {
    expect(exclusionReason(ramanNeed, { ...ramanOffer, orgId: ramanNeed.orgId }, now)).toMatch(/same organisation/);
  });

  it('excludes an organisation kind the need is not open to', () => {
    const o = { ...ramanOffer, orgKind: 'academic' as const };
    expect(exclusionReason({ ...ramanNeed, openTo: ['supplier'] }, o, now)).toMatch(/academic/);
  });

  it('excludes closed and expired posts', () => {
    expect(exclusionReason({ ...ramanNeed, status: 'closed' }, ramanOffer, now)).toMatch(/closed/);
    expect(exclusionReason(ramanNeed, { ...ramanOffer, status: 'closed' }, now)).toMatch(/closed/);
    const expired = { ...ramanNeed, expiresAt: new Date('2025-05-31T00:00:00Z') };
    expect(exclusionReason(expired, ramanOffer, now)).toMatch(/expired/);
    const future = { ...ramanNeed, expiresAt: new Date('2025-07-01T00:00:00Z') };
    expect(exclusionReason(future, ramanOffer, now)).toBeNull();
  });

  it('returns no match for an excluded pair however good the text', () => {
    expect(scorePair(ramanNeed, ramanOffer, stats, now)).not.toBeNull();
    expect(scorePair(ramanNeed, { ...ramanOffer, orgId: ramanNeed.orgId }, stats, now)).toBeNull();
  });
});

describe('scoring', () => {
  it('matches a perfusion need with a continuous-culture-with-cell-retention offering', () => {
    const m = scorePair(perfusionNeed, retentionOffer, stats, now);
    expect(m).not.toBeNull();
    expect(m?.explanation.terms.join(' | ')).toMatch(/Perfusion \/ continuous culture/);
  });

  it('combines the two views with a harmonic mean', () => {
    const c = scoreComponents(ramanNeed, { ...ramanOffer, partnershipTypes: ['pilot'] }, stats);
    expect(c.relevance).toBeCloseTo((2 * c.needScore * c.offeringScore) / (c.needScore + c.offeringScore), 10);
    expect(c.relevance).toBeLessThanOrEqual(Math.max(c.needScore, c.offeringScore));
    expect(c.relevance).toBeGreaterThanOrEqual(Math.min(c.needScore, c.offeringScore));
    expect(c.relevance).toBeLessThanOrEqual(1);
    // Offering one of the need's two partnership types: ranked at 1 - 0.8 x 0.5 of its relevance.
    expect(c.score).toBeCloseTo(c.relevance * 0.6, 10);
  });

  it('ranks the answering offering above look-alikes', () => {
    const s = (o: Offering): number => scoreComponents(ramanNeed, o, stats).score;
    expect(s(ramanOffer)).toBeGreaterThan(s(tabletRamanOffer));
    expect(s(ramanOffer)).toBeGreaterThan(s(retentionOffer));
  });

  it('discounts small-molecule offerings for a biologics need', () => {
    expect(modalityFactor(ramanNeed.analyzed, tabletRamanOffer.analyzed)).toBeLessThan(1);
    expect(modalityFactor(ramanNeed.analyzed, ramanOffer.analyzed)).toBe(1);
  });

  it('gives no match when the pair has nothing in common', () => {
    expect(scoreComponents(waterNeed, shipperOffer, stats).score).toBeLessThan(MATCH_THRESHOLD);
    for (const o of offerings) expect(scorePair(waterNeed, o, stats, now)).toBeNull();
    expect(scorePair(perfusionNeed, ebrOffer, stats, now)).toBeNull();
  });

  it('does not let shared tags alone make a match', () => {
    const sameTag = offering({
      title: 'Media for high-yield insect cell expression',
      description: 'Serum-free media for baculovirus expression in Sf9 cells.',
      capabilities: ['pt.upstream-intensification'],
    });
    expect(scorePair(perfusionNeed, sameTag, stats, now)).toBeNull();
  });

  it('lets the text carry a match when the posts carry no tags', () => {
    const untagged = { ...retentionOffer, capabilities: [] };
    const tagged = scoreComponents(perfusionNeed, retentionOffer, stats).score;
    const m = scorePair({ ...perfusionNeed, capabilities: [] }, untagged, stats, now);
    expect(m).not.toBeNull();
    expect(m?.score).toBeGreaterThan(tagged * 0.7);
  });
});

describe('explanations', () => {
  it('says why in terms of capabilities, matched words, TRL and partnership', () => {
    const m = scorePair(ramanNeed, ramanOffer, stats, now);
    expect(m).not.toBeNull();
    const e = m!.explanation;
    expect(e.capabilities).toEqual([
      { slug: 'imrr.spectroscopic-pat', name: 'Spectroscopic process analytical technology' },
    ]);
    expect(e.terms).toContain('Raman');
    expect(e.terms.some((t) => t.includes('PAT / Process analytical technology'))).toBe(true);
    expect(e.trl).toEqual({ offering: 8, needMin: 5, needMax: 8, fit: 'within' });
    expect(e.partnershipTypes).toEqual(['supply', 'pilot']);
    expect(e.summary).toMatch(/^Matched on .*Raman/);
    expect(e.summary).toMatch(/; Capability: Spectroscopic process analytical technology; /);
    expect(e.summary).toMatch(/; TRL 8 within your 5–8; Partnership: supply agreement, pilot project\.$/);
    expect(e.summary).not.toMatch(/\n/);
  });

  it('reports a TRL outside the range and no common partnership type, labelled', () => {
    const o = { ...ramanOffer, trl: 4, partnershipTypes: ['licensing'] };
    const m = scorePair(ramanNeed, o, stats, now);
    expect(m).not.toBeNull();
    expect(m!.explanation.trl.fit).toBe('near');
    expect(m!.explanation.partnershipTypes).toEqual([]);
    expect(m!.explanation.summary).toMatch(/TRL 4 just below your 5–8/);
    expect(m!.explanation.summary).toMatch(/Partnership: none in common\.$/);
    const one = scorePair(ramanNeed, { ...ramanOffer, partnershipTypes: ['pilot', 'licensing'] }, stats, now);
    expect(one!.explanation.summary).toMatch(/; Partnership: pilot project \(1 of the 2 the need accepts\)\.$/);
    expect(partnershipPhrase(['supply'], [])).toBe('not stated');
    const far = scoreComponents(ramanNeed, { ...ramanOffer, trl: 2 }, stats);
    expect(far.trlFactor).toBeLessThan(1);
  });

  it('never names a generic word, however much it weighs', () => {
    const n = need({
      title: 'Test data for Raman development units',
      description: 'We want test data, studies and points of product development for our Raman process.',
      keywords: ['Raman'],
    });
    const o = offering({
      title: 'Raman test units with development data',
      description: 'Test studies, data points and product development for Raman process units.',
      keywords: ['Raman'],
    });
    const terms = matchedTerms(n.analyzed, o.analyzed, stats);
    expect(terms.join(' | ')).toMatch(/Raman/);
    for (const t of terms) expect(t).not.toMatch(/\b(test|data|studies|points?|units?|development|product|process)\b/i);
  });
});

describe('evidence of substance', () => {
  it('measures the share of the text match carried by specific terms', () => {
    const e = pairEvidence(ramanNeed.analyzed, ramanOffer.analyzed, stats);
    expect(e).toBeGreaterThanOrEqual(MATCH_RULE.evidence);
    expect(e).toBeLessThanOrEqual(1);
    expect(scoreComponents(ramanNeed, ramanOffer, stats).evidence).toBe(e);
  });

  it('refuses a match made of generic words, however high its score', () => {
    const n = need({
      title: 'Test data and development units for our process',
      description: 'We need test data, studies and development units for process and product testing.',
      keywords: ['testing', 'data'],
    });
    const o = offering({
      title: 'Development units and test data for process studies',
      description: 'Testing units, test data and development studies for product and process testing.',
      keywords: ['test data'],
    });
    const c = scoreComponents(n, o, stats);
    expect(c.evidence).toBeLessThan(MATCH_RULE.evidence);
    expect(scorePair(n, o, stats, now)).toBeNull();
  });
});
