/**
 * Synthetic needs and offerings with the vocabulary of the taxonomy: each post is written around one or
 * two capabilities, from the phrases their taxonomy entries cover, in the sentence shapes real posts use.
 * Deterministic for a seed, so runs compare.
 */
import { CAPABILITIES, ORG_KINDS, PARTNERSHIP_TYPES } from '../core/taxonomy.js';

export function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODALITIES = [
  'monoclonal antibodies',
  'bispecific antibodies',
  'AAV vectors',
  'lentiviral vectors',
  'mRNA-LNP',
  'fusion proteins',
  'plasmid DNA',
  'autologous cell therapies',
  'vaccines',
  'enzymes',
];
const SCALES = ['2,000 L', '500 L', '50 L', '12,000 L', 'bench', 'pilot', 'clinical', 'commercial'];
const CONTEXTS = [
  'in GMP manufacturing',
  'across our network of sites',
  'in clinical supply',
  'at commercial scale',
  'in process development',
  'during technology transfer',
];
const NEED_OPENERS = [
  'We are looking for',
  'Our site needs',
  'We want to evaluate',
  'We seek a partner for',
  'We need',
];
const OFFER_OPENERS = ['We provide', 'Our group develops', 'Our platform delivers', 'We offer', 'Our team has built'];
const CLOSERS = [
  'Validation support and data integrity are essential.',
  'Regulatory acceptance matters to us.',
  'Integration with existing automation is expected.',
  'Experience with GMP environments is required.',
  'We can share data under a confidentiality agreement.',
  'Scale-up from development to manufacturing is in scope.',
];

const phrasesOf = (covers: string) =>
  covers
    .split(/,| and /)
    .map((p) => p.trim())
    .filter(Boolean);

export interface GeneratedPost {
  title: string;
  description: string;
  capabilities: string[];
  keywords: string[];
  partnershipTypes: string[];
}

function compose(random: () => number, openers: string[]): GeneratedPost {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const primary = pick(CAPABILITIES);
  const secondary =
    random() < 0.5 ? pick(CAPABILITIES.filter((c) => c.area === primary.area && c !== primary)) : undefined;
  const phrases = phrasesOf(primary.covers);
  const main = pick(phrases);
  const other = secondary ? pick(phrasesOf(secondary.covers)) : pick(phrases);
  const modality = pick(MODALITIES);
  const description = [
    `${pick(openers)} ${main} for ${modality} at ${pick(SCALES)} scale ${pick(CONTEXTS)}.`,
    `The work covers ${primary.name.toLowerCase()} and ${other}.`,
    random() < 0.6 ? `${pick(CLOSERS)}` : '',
    random() < 0.4 ? `${pick(CLOSERS)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  // A quarter of real posts carry no tags.
  const tagged = random() >= 0.25;
  return {
    title: `${main[0]!.toUpperCase()}${main.slice(1)} for ${modality}`,
    description,
    capabilities: tagged ? [primary.slug, ...(secondary ? [secondary.slug] : [])] : [],
    keywords: tagged ? [main, other].slice(0, 1 + Math.floor(random() * 2)) : [],
    partnershipTypes: [pick(PARTNERSHIP_TYPES), pick(PARTNERSHIP_TYPES)].filter((x, i, a) => a.indexOf(x) === i),
  };
}

export function generateNeed(random: () => number) {
  const post = compose(random, NEED_OPENERS);
  const trlMin = 1 + Math.floor(random() * 6);
  return {
    ...post,
    trlMin,
    trlMax: Math.min(9, trlMin + 1 + Math.floor(random() * 4)),
    openTo: random() < 0.7 ? ['supplier', 'academic'] : [random() < 0.5 ? 'supplier' : 'academic'],
    anonymous: random() < 0.2,
  };
}

export function generateOffering(random: () => number) {
  return { ...compose(random, OFFER_OPENERS), trl: 2 + Math.floor(random() * 8) };
}

export const OFFERING_KINDS = ORG_KINDS.filter((k) => k !== 'biomanufacturer');
