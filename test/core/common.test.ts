import { describe, expect, it } from 'vitest';
import {
  analyzePost,
  buildCorpusStats,
  COMMON_THRESHOLD,
  commonPairComponents,
  groupCommonNeeds,
  scoreCommonPair,
  trlOverlap,
  type CommonNeedCandidate,
} from '../../core/matching/index.js';

type Post = { title: string; description: string; keywords: string[] };
type Need = CommonNeedCandidate & Post;

function need(
  id: string,
  orgId: string,
  p: Partial<Omit<CommonNeedCandidate, 'analyzed'> & Post> & { title: string; description: string },
): Need {
  const n = {
    id,
    orgId,
    capabilities: [],
    keywords: [],
    trlMin: 5,
    trlMax: 8,
    partnershipTypes: ['consortium', 'co-development'],
    status: 'open' as const,
    expiresAt: new Date('2099-12-31T00:00:00Z'), // live whatever the clock
    ...p,
  };
  return { ...n, analyzed: analyzePost(n) };
}

// A small corpus of hand-written needs: two pairs written differently about one problem each, and needs
// that share a capability or everyday vocabulary with them while being about something else.
const patA = need('pat-a', 'org-alder', {
  title: 'PAT for real-time glucose and lactate in perfusion bioreactors',
  keywords: ['PAT', 'perfusion'],
  capabilities: ['imrr.spectroscopic-pat'],
  trlMin: 5,
  trlMax: 7,
  description:
    'Our perfusion cultures run for 30 days and glucose is measured off-line twice a day. We want a PAT ' +
    'probe with chemometric models that reports glucose and lactate every few minutes, so that the feed ' +
    'rate can follow the cells. We would like to share calibration work with other manufacturers.',
});
const patB = need('pat-b', 'org-birch', {
  title: 'Process analytical technology to follow nutrients in continuous culture with cell retention',
  keywords: [],
  capabilities: [],
  trlMin: 6,
  trlMax: 8,
  description:
    'We operate continuous cell culture with an ATF device at 500 L. Sampling for glucose and lactate is ' +
    'manual and slow. We need process analytical technology, for example Raman spectroscopy with ' +
    'multivariate models, that measures glucose and lactate in line and drives the perfusion feed.',
});
const steriA = need('steri-a', 'org-cedar', {
  title: 'Rapid sterility test for short shelf-life cell therapy products',
  keywords: ['rapid sterility', 'cell therapy'],
  capabilities: ['imrr.rapid-microbiology'],
  trlMin: 4,
  trlMax: 7,
  description:
    'Our autologous CAR-T products expire within days, but the compendial sterility test takes 14 days. We ' +
    'are looking for a rapid microbiological method for sterility that gives a result within 48 hours on ' +
    'small sample volumes and that we can validate as an alternative to USP <71>.',
});
const steriB = need('steri-b', 'org-dogwood', {
  title: 'Faster alternative to the 14-day compendial sterility test for autologous CAR-T release',
  keywords: ['sterility testing'],
  capabilities: [],
  trlMin: 5,
  trlMax: 7,
  description:
    'Patients wait for our CAR-T doses while the 14-day sterility test runs. We want an alternative ' +
    'microbiological method, such as ATP bioluminescence or flow cytometry, with a result in one or two ' +
    'days, that regulators accept as equivalent to USP <71> for release of autologous products.',
});
// Same capability and much of the same everyday vocabulary as patA, a different problem.
const nirLyo = need('nir-lyo', 'org-elm', {
  title: 'NIR measurement of residual moisture in lyophilised vials',
  keywords: ['NIR', 'residual moisture'],
  capabilities: ['imrr.spectroscopic-pat'],
  trlMin: 5,
  trlMax: 7,
  description:
    'Residual moisture of our freeze-dried vials is tested by Karl Fischer titration on a few samples per ' +
    'lot. We want non-destructive NIR measurement of moisture through the glass of every vial on the ' +
    'inspection line. We would like to share the work with other manufacturers.',
});
// Shares only generic words with the others.
const generic = need('generic', 'org-fir', {
  title: 'Better data for our manufacturing process and quality processes',
  keywords: ['data', 'process'],
  capabilities: ['imrr.spectroscopic-pat'],
  trlMin: 5,
  trlMax: 8,
  description:
    'We want to improve how our manufacturing process uses data. We need better quality and a faster ' +
    'process, and we would like to share results with other manufacturers and suppliers.',
});
const others = [
  need('ebr', 'org-gum', {
    title: 'Electronic batch records with review by exception',
    keywords: ['eBR', 'MES'],
    description:
      'We want to replace paper batch records with an MES so that QA reviews only the exceptions. We ' +
      'need a vendor with validated templates for antibody processes.',
  }),
  need('aav', 'org-hazel', {
    title: 'Removing empty capsids from AAV vectors at 500 L',
    keywords: ['AAV', 'empty/full'],
    description:
      'After affinity capture most of our AAV capsids are empty. We need a scalable anion-exchange or ' +
      'membrane step that enriches full capsids, and analytics of the full/empty ratio.',
  }),
  need('el', 'org-ivy', {
    title: 'Standard extractables data for single-use bags and tubing',
    keywords: ['E&L', 'single-use'],
    description:
      'Supplier extractables reports differ in solvents and conditions. We want a standard protocol and a ' +
      'shared format for extractables and leachables data of single-use components.',
  }),
  need('cold', 'org-juniper', {
    title: 'Connected temperature loggers for vaccine shipments',
    keywords: ['cold chain'],
    description:
      'We ship vaccines at 2-8 °C and read data loggers only on arrival. We want reusable connected ' +
      'loggers that report temperature and location during transport.',
  }),
  need('resin', 'org-kapok', {
    title: 'Extending protein A resin lifetime under alkaline cleaning',
    keywords: ['protein A', 'resin lifetime'],
    description:
      'Our protein A resin loses capacity after 80 cycles of sodium hydroxide cleaning. We want resins or ' +
      'cleaning regimes that reach 200 cycles with the same host cell protein clearance.',
  }),
  need('pods', 'org-larch', {
    title: 'Prefabricated cleanroom pods for a clinical cell therapy facility',
    keywords: ['modular cleanroom'],
    description:
      'We need a new clinical facility within a year. We are looking for prefabricated cleanroom pods with ' +
      'their own air handling that can be qualified quickly and moved later.',
  }),
];
// Everyday words ("share", "data", "process", "quality", "manufacturers", "suppliers") are in most real needs.
const everyday = Array.from({ length: 20 }, (_, k) =>
  need(`everyday-${k}`, `org-everyday-${k}`, {
    title: `Topic T${k} of our manufacturing process`,
    description:
      'We would like to share data and quality results about our process with other manufacturers and suppliers.',
  }),
);
const corpus = [patA, patB, steriA, steriB, nirLyo, generic, ...others, ...everyday];
const stats = buildCorpusStats(corpus.map((n) => n.analyzed));
const NOW = new Date('2025-06-01T00:00:00Z');

describe('scoreCommonPair', () => {
  it('finds the same need written differently by two organisations (PAT / process analytical technology)', () => {
    const r = scoreCommonPair(patA, patB, stats, NOW);
    expect(r).not.toBeNull();
    expect(r!.similarity).toBeGreaterThanOrEqual(COMMON_THRESHOLD);
    expect(r!.similarity).toBeLessThanOrEqual(1);
    expect(r!.explanation.terms.join(' | ')).toMatch(/PAT \/ process analytical technology/i);
  });

  it('finds a rapid sterility test need written in other words', () => {
    const r = scoreCommonPair(steriA, steriB, stats, NOW);
    expect(r).not.toBeNull();
    expect(r!.explanation.terms.some((t) => /sterility/i.test(t))).toBe(true);
  });

  it('never pairs two needs of one organisation, however alike', () => {
    const twin = need('pat-a2', patA.orgId, { title: patB.title, description: patB.description });
    const s2 = buildCorpusStats([...corpus, twin].map((n) => n.analyzed));
    expect(commonPairComponents(patA, twin, s2).similarity).toBeGreaterThan(COMMON_THRESHOLD);
    expect(scoreCommonPair(patA, twin, s2, NOW)).toBeNull();
    expect(scoreCommonPair(patA, patA, stats, NOW)).toBeNull();
  });

  it('never pairs a closed or expired need', () => {
    expect(scoreCommonPair({ ...patA, status: 'closed' }, patB, stats, NOW)).toBeNull();
    expect(scoreCommonPair(patA, { ...patB, status: 'closed' }, stats, NOW)).toBeNull();
    const past = new Date(NOW.getTime() - 1000);
    const future = new Date(NOW.getTime() + 86_400_000);
    expect(scoreCommonPair({ ...patA, expiresAt: past }, patB, stats, NOW)).toBeNull();
    expect(scoreCommonPair(patA, { ...patB, expiresAt: NOW }, stats, NOW)).toBeNull();
    expect(scoreCommonPair({ ...patA, expiresAt: future }, patB, stats, NOW)).not.toBeNull();
  });

  it('does not pair needs that share a capability and everyday vocabulary but not the problem', () => {
    expect(scoreCommonPair(patA, nirLyo, stats, NOW)).toBeNull();
    expect(scoreCommonPair(patA, generic, stats, NOW)).toBeNull();
    expect(scoreCommonPair(nirLyo, generic, stats, NOW)).toBeNull();
    expect(scoreCommonPair(patA, steriA, stats, NOW)).toBeNull();
  });

  it('requires a shared specific term: common words alone are no substance', () => {
    expect(commonPairComponents(patA, generic, stats).substance).toBe(false);
    expect(commonPairComponents(patA, generic, stats).similarity).toBe(0);
    expect(commonPairComponents(patA, patB, stats).substance).toBe(true);
  });

  it('is symmetric and stays within 0..1', () => {
    for (const a of corpus) {
      for (const b of corpus) {
        if (a === b) continue;
        const ab = scoreCommonPair(a, b, stats, NOW);
        const ba = scoreCommonPair(b, a, stats, NOW);
        expect(ab === null).toBe(ba === null);
        if (ab && ba) expect(ab.similarity).toBe(ba.similarity);
        const s = commonPairComponents(a, b, stats).similarity;
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
      }
    }
  });

  it('only the intended pairs are common in the small corpus', () => {
    const found: string[] = [];
    for (let i = 0; i < corpus.length; i++)
      for (let j = i + 1; j < corpus.length; j++) {
        const a = corpus[i] as Need;
        const b = corpus[j] as Need;
        if (scoreCommonPair(a, b, stats, NOW)) found.push(`${a.id}~${b.id}`);
      }
    expect(found.sort()).toEqual(['pat-a~pat-b', 'steri-a~steri-b']);
  });

  it('explains a pair in one readable line with every field filled', () => {
    const r = scoreCommonPair(patA, patB, stats, NOW)!;
    const e = r.explanation;
    expect(e.terms.length).toBeGreaterThan(0);
    expect(e.trl).toEqual({ min: 5, max: 7, otherMin: 6, otherMax: 8, overlap: true });
    expect(e.partnershipTypes).toEqual(['consortium', 'co-development']);
    expect(e.summary).toMatch(
      /^Both need .+; TRL ranges 5–7 and 6–8 overlap; Partnership: consortium, co-development\.$/,
    );
    expect(e.summary).not.toMatch(/undefined|NaN|\bx[a-z0-9]+\b/);
    expect(e.summary.split('\n')).toHaveLength(1);

    const s = scoreCommonPair(steriA, { ...steriB, capabilities: ['imrr.rapid-microbiology'] }, stats, NOW)!;
    expect(s.explanation.capabilities).toEqual([
      { slug: 'imrr.rapid-microbiology', name: 'Rapid microbiological methods' },
    ]);
    expect(s.explanation.summary).toContain('; Capability: Rapid microbiological methods;');
    // Told from the first need's side.
    expect(scoreCommonPair(patB, patA, stats, NOW)!.explanation.trl).toEqual({
      min: 6,
      max: 8,
      otherMin: 5,
      otherMax: 7,
      overlap: true,
    });
  });

  it('measures TRL overlap as levels in common over levels in either range', () => {
    expect(trlOverlap(5, 7, 5, 7)).toBe(1);
    expect(trlOverlap(5, 7, 6, 8)).toBeCloseTo(2 / 4);
    expect(trlOverlap(3, 4, 6, 8)).toBe(0);
    expect(trlOverlap(7, 5, 6, 6)).toBeCloseTo(1 / 3);
  });
});

describe('groupCommonNeeds', () => {
  const orgs: Record<string, string> = { a: 'o1', b: 'o2', c: 'o3', d: 'o4', e: 'o5', f: 'o6', g: 'o1', h: 'o7' };
  const orgOf = (id: string): string => orgs[id] ?? `org-${id}`;
  const T = COMMON_THRESHOLD;

  it('does not chain A~B~C when A and C are unrelated', () => {
    const groups = groupCommonNeeds(
      [
        { a: 'a', b: 'b', similarity: T + 0.05 },
        { a: 'b', b: 'c', similarity: T + 0.02 },
      ],
      orgOf,
    );
    expect(groups).toEqual([['a', 'b']]);
    expect(groups.flat()).not.toContain('c');
  });

  it('groups needs that are similar to each other, and a need similar to most of a group', () => {
    const groups = groupCommonNeeds(
      [
        { a: 'a', b: 'b', similarity: 0.7 },
        { a: 'a', b: 'c', similarity: 0.6 },
        { a: 'b', b: 'c', similarity: 0.65 },
        { a: 'c', b: 'd', similarity: 0.55 },
        { a: 'b', b: 'd', similarity: 0.5 },
        { a: 'e', b: 'f', similarity: 0.45 },
      ],
      orgOf,
    );
    expect(groups).toEqual([
      ['a', 'b', 'c', 'd'],
      ['e', 'f'],
    ]);
  });

  it('lets two needs of one organisation join the group others form, never grouping them alone; each need in one group', () => {
    const groups = groupCommonNeeds(
      [
        { a: 'a', b: 'b', similarity: 0.8 },
        { a: 'g', b: 'b', similarity: 0.8 },
        { a: 'a', b: 'g', similarity: 0.9 }, // one organisation's two sites: ignored
        { a: 'g', b: 'h', similarity: 0.3 },
      ],
      orgOf,
    );
    expect(groups).toEqual([['a', 'b', 'g']]);
    for (const g of groups) expect(new Set(g.map(orgOf)).size).toBeGreaterThanOrEqual(2);
    const all = groups.flat();
    expect(new Set(all).size).toBe(all.length);
    // Alone, one organisation's needs form no group.
    expect(groupCommonNeeds([{ a: 'a', b: 'g', similarity: 0.95 }], orgOf)).toEqual([]);
  });

  it('is deterministic and independent of input order and direction', () => {
    const pairs = [
      { a: 'a', b: 'b', similarity: 0.6 },
      { a: 'c', b: 'd', similarity: 0.6 },
      { a: 'b', b: 'c', similarity: 0.6 },
      { a: 'e', b: 'f', similarity: 0.5 },
      { a: 'd', b: 'h', similarity: 0.45 },
    ];
    const expected = groupCommonNeeds(pairs, orgOf);
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let k = 0; k < 20; k++) {
      const shuffled = pairs
        .map((p) => (rnd() < 0.5 ? p : { a: p.b, b: p.a, similarity: p.similarity }))
        .sort(() => rnd() - 0.5);
      expect(groupCommonNeeds(shuffled, orgOf)).toEqual(expected);
    }
    // Largest first, ids sorted within a group.
    for (let i = 1; i < expected.length; i++)
      expect((expected[i - 1] as string[]).length).toBeGreaterThanOrEqual((expected[i] as string[]).length);
    for (const g of expected) expect(g).toEqual([...g].sort());
  });

  it('groups the common pairs of the corpus', () => {
    const pairs: { a: string; b: string; similarity: number }[] = [];
    for (let i = 0; i < corpus.length; i++)
      for (let j = i + 1; j < corpus.length; j++) {
        const a = corpus[i] as Need;
        const b = corpus[j] as Need;
        const r = scoreCommonPair(a, b, stats, NOW);
        if (r) pairs.push({ a: a.id, b: b.id, similarity: r.similarity });
      }
    const org = new Map(corpus.map((n) => [n.id, n.orgId]));
    expect(groupCommonNeeds(pairs, (id) => org.get(id) as string)).toEqual([
      ['pat-a', 'pat-b'],
      ['steri-a', 'steri-b'],
    ]);
  });
});
