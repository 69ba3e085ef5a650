// The demo marketplace of `npm run demo`: a few organisations of each kind, needs and offerings written as
// their people would, a need posted anonymously, one need that nothing fits (it gets no match), and one need
// that three biomanufacturers wrote in their own words (a common need, on which a consortium forms), with a
// regional innovation hub and a regulator who follows the area.

import type { OrgKind } from '../core/taxonomy.js';

export interface DemoOrganisation {
  organisation: { name: string; kind: OrgKind; country: string };
  user: { name: string; email: string; timezone: string };
  needs?: Record<string, unknown>[];
  offerings?: Record<string, unknown>[];
  follows?: { capabilities?: string[]; areas?: string[] };
}

export const DEMO: DemoOrganisation[] = [
  {
    organisation: { name: 'Northwind Biologics', kind: 'biomanufacturer', country: 'GB' },
    user: { name: 'Dana Lee', email: 'dana.lee@northwind-bio.example', timezone: 'Europe/London' },
    needs: [
      {
        title: 'In-line Raman for glucose feedback control in 2,000 L fed-batch',
        description:
          'We want in-line Raman spectroscopy predicting glucose and lactate every few minutes in our 2,000 L stainless fed-batch bioreactors, feeding a closed-loop glucose controller. Models must transfer from 50 L development scale.',
        capabilities: ['imrr.spectroscopic-pat', 'imrr.advanced-process-control'],
        keywords: ['Raman', 'glucose control', 'fed-batch'],
        trlMin: 5,
        trlMax: 8,
        partnershipTypes: ['pilot', 'co-development'],
        openTo: ['supplier', 'academic'],
      },
      {
        title: 'Cold-chain telemetry for ultra-low temperature cell therapy shipments',
        description:
          'Real-time temperature and location tracking of cryogenic dry shippers for autologous cell therapy, with chain-of-identity records that our QA can audit.',
        capabilities: ['spm.cold-chain-logistics', 'spm.supply-chain-visibility'],
        keywords: ['cryogenic shipping', 'chain of identity'],
        trlMin: 6,
        trlMax: 9,
        partnershipTypes: ['supply', 'service'],
        openTo: ['supplier'],
      },
    ],
  },
  {
    organisation: { name: 'Helvetia Biopharma', kind: 'biomanufacturer', country: 'CH' },
    user: { name: 'Luca Meier', email: 'luca.meier@helvetia-biopharma.example', timezone: 'Europe/Zurich' },
    needs: [
      {
        title: 'Continuous capture chromatography for a perfusion mAb process',
        description:
          'Our intensified perfusion process needs continuous multi-column capture (periodic counter-current chromatography) with protein A, integrated with viral inactivation, for a 500 L single-use line.',
        capabilities: ['pt.continuous-downstream', 'pt.purification-technology'],
        keywords: ['PCC', 'protein A', 'perfusion'],
        trlMin: 5,
        trlMax: 8,
        partnershipTypes: ['pilot', 'supply'],
        openTo: ['supplier', 'academic'],
        anonymous: true,
      },
      {
        title: 'Rapid sterility testing to release cell therapies sooner',
        description:
          'A rapid microbiological method to replace the 14-day compendial sterility test for autologous CAR-T release, validated against USP <71>, with results within 3 days.',
        capabilities: ['imrr.rapid-microbiology', 'imrr.real-time-release'],
        keywords: ['rapid sterility', 'CAR-T', 'release testing'],
        trlMin: 6,
        trlMax: 9,
        partnershipTypes: ['pilot', 'service'],
        openTo: ['supplier'],
      },
    ],
  },
  {
    organisation: { name: 'Ramanix Instruments', kind: 'supplier', country: 'DE' },
    user: { name: 'Anna Vogel', email: 'anna.vogel@ramanix.example', timezone: 'Europe/Berlin' },
    offerings: [
      {
        title: 'Raman probes and chemometric models for bioreactor monitoring',
        description:
          'Steam-sterilisable immersion Raman probes with calibration models for glucose, lactate, glutamine and viable cell density in mammalian cell culture, with an OPC UA link to the control system.',
        capabilities: ['imrr.spectroscopic-pat', 'imrr.soft-sensors-mvda'],
        keywords: ['Raman', 'PAT', 'chemometrics'],
        trl: 7,
        partnershipTypes: ['supply', 'pilot'],
      },
    ],
  },
  {
    organisation: { name: 'FlowCapture Systems', kind: 'supplier', country: 'US' },
    user: { name: 'Marcus Hill', email: 'marcus.hill@flowcapture.example', timezone: 'America/New_York' },
    offerings: [
      {
        title: 'Periodic counter-current chromatography skids for continuous capture',
        description:
          'Single-use multi-column chromatography systems for continuous protein A capture in perfusion processes, with control software for connected viral inactivation.',
        capabilities: ['pt.continuous-downstream', 'pt.purification-technology', 'pt.single-use-systems'],
        keywords: ['PCC', 'multi-column chromatography', 'continuous capture'],
        trl: 8,
        partnershipTypes: ['supply', 'pilot'],
      },
    ],
  },
  {
    organisation: { name: 'QuickMicro Diagnostics', kind: 'supplier', country: 'FR' },
    user: { name: 'Claire Dubois', email: 'claire.dubois@quickmicro.example', timezone: 'Europe/Paris' },
    offerings: [
      {
        title: 'Rapid microbial detection for sterility release in 48 hours',
        description:
          'Growth-based rapid microbiological method with solid-phase cytometry, validated as an alternative to compendial sterility testing for cell and gene therapy products.',
        capabilities: ['imrr.rapid-microbiology'],
        keywords: ['rapid sterility', 'RMM', 'cell therapy'],
        trl: 8,
        partnershipTypes: ['service', 'supply'],
      },
    ],
  },
  {
    organisation: { name: 'Institute of Bioprocess Analytics', kind: 'academic', country: 'GB' },
    user: { name: 'Priya Shah', email: 'priya.shah@bioprocess-analytics.example', timezone: 'Europe/London' },
    offerings: [
      {
        title: 'Calibration transfer of spectroscopic models across scales',
        description:
          'Research group developing chemometric calibration transfer so that Raman and NIR models built at bench scale hold at manufacturing scale, with soft sensors for feed control.',
        capabilities: ['imrr.spectroscopic-pat', 'imrr.soft-sensors-mvda'],
        keywords: ['calibration transfer', 'Raman', 'scale-up'],
        trl: 4,
        partnershipTypes: ['research-collaboration', 'co-development'],
      },
    ],
  },
  {
    organisation: { name: 'Kestrel Cell Therapies', kind: 'biomanufacturer', country: 'NL' },
    user: { name: 'Sanne de Vries', email: 'sanne.devries@kestrel-cell.example', timezone: 'Europe/Amsterdam' },
    needs: [
      {
        title: 'Sterility results before infusion for products that expire in days',
        description:
          'Our gene-modified cell products reach patients before the 14-day USP <71> incubation ends. We are looking for a rapid sterility method with results in under two days and the validation data a regulator will accept.',
        capabilities: [],
        keywords: ['sterility', 'short shelf life'],
        trlMin: 5,
        trlMax: 8,
        partnershipTypes: ['pilot', 'co-development'],
        openTo: ['supplier', 'academic'],
        anonymous: true,
      },
    ],
  },
  {
    organisation: { name: 'Aurora Radiopharma', kind: 'biomanufacturer', country: 'CA' },
    user: { name: 'Noah Tremblay', email: 'noah.tremblay@aurora-radio.example', timezone: 'America/Toronto' },
    needs: [
      {
        title: 'Rapid sterility test for short shelf-life radiolabelled and cell-based products',
        description:
          'Our short shelf-life products cannot wait two weeks for the compendial sterility test. We seek a rapid sterility test method with data showing equivalence to the pharmacopoeial method, to release within 2 days.',
        capabilities: ['imrr.rapid-microbiology'],
        keywords: ['rapid sterility', 'RMM'],
        trlMin: 5,
        trlMax: 9,
        partnershipTypes: ['pilot', 'consortium'],
        openTo: ['supplier', 'academic', 'hub'],
      },
    ],
  },
  {
    organisation: { name: 'Northern Bioprocess Innovation Hub', kind: 'hub', country: 'GB' },
    user: { name: 'Ewan Clarke', email: 'ewan.clarke@northern-hub.example', timezone: 'Europe/London' },
    offerings: [
      {
        title: 'GMP-ready cell therapy pilot suite for method validation trials',
        description:
          'A shared pilot suite with isolators and QC laboratories where companies run side-by-side comparisons of rapid microbiological methods against compendial sterility tests on real cell therapy batches.',
        capabilities: ['imrr.rapid-microbiology', 'af.closed-processing'],
        keywords: ['test bed', 'pilot plant', 'rapid sterility'],
        trl: 6,
        partnershipTypes: ['pilot', 'consortium'],
      },
    ],
  },
  {
    organisation: { name: 'Medicines Quality Agency', kind: 'regulator', country: 'GB' },
    user: { name: 'Ruth Adeyemi', email: 'ruth.adeyemi@mqa.example', timezone: 'Europe/London' },
    follows: { areas: ['imrr'] },
  },
];
