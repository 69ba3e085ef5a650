import { sampleNeed, sampleOffering } from './helpers.js';

// Posts for the tests of common needs, consortia and community digests: one need written three ways by
// three organisations, a need that shares their capability and some words but is another problem, and an
// offering that answers the common need.

/** The same need, rapid sterility testing of short-shelf-life products, as three companies wrote it. */
export const sterilityNeeds = {
  alpha: sampleNeed({
    title: 'Rapid sterility test to release short shelf-life cell therapy products',
    description:
      'Our autologous CAR-T products expire within days, but the compendial sterility test takes 14 days of incubation. We need a rapid microbiological method for sterility that gives a result within 48 hours, validated against Ph. Eur. 2.6.27 and USP <71>, so that we can release before infusion.',
    capabilities: ['imrr.rapid-microbiology'],
    keywords: ['rapid sterility', 'cell therapy'],
    trlMin: 5,
    trlMax: 8,
  }),
  beta: sampleNeed({
    title: 'Replacing the 14-day compendial sterility incubation for products that expire in a few days',
    description:
      'Viral vector and gene-modified cell lots reach patients before a USP <71> sterility result exists. We are looking for a growth-based or nucleic-acid rapid sterility method with results in under two days, and a validation package for regulators.',
    capabilities: [],
    keywords: [],
    trlMin: 4,
    trlMax: 7,
  }),
  gamma: sampleNeed({
    title: 'Same-week sterility release for radiolabelled and cell-based products',
    description:
      'Our short shelf-life products cannot wait two weeks for the compendial sterility test. We seek a rapid sterility test method, with data showing equivalence to the pharmacopoeial method, to release within 2 days.',
    capabilities: ['imrr.rapid-microbiology', 'imrr.real-time-release'],
    keywords: ['sterility'],
    trlMin: 6,
    trlMax: 9,
    anonymous: true,
  }),
};

export const unrelatedNeed = sampleNeed({
  title: 'Endotoxin recovery in polysorbate formulations (low endotoxin recovery)',
  description:
    'Endotoxin spiked into our polysorbate 80 and citrate formulation is masked within days. We want a hold-time study design and an alternative detection method to resolve low endotoxin recovery.',
  capabilities: ['imrr.rapid-microbiology'],
  keywords: ['LER', 'endotoxin'],
});

export const labOffering = sampleOffering({
  title: 'Validated rapid sterility testing by ATP bioluminescence and PCR',
  description:
    'Our lab runs rapid sterility tests for cell and gene therapy products with results in 24 to 48 hours, and supports method validation against USP <71> and Ph. Eur. 2.6.27.',
  capabilities: ['imrr.rapid-microbiology'],
  keywords: ['rapid sterility', 'rapid microbiological methods'],
  trl: 7,
  partnershipTypes: ['service', 'co-development'],
});
