// The roadmap capability taxonomy (shared/taxonomy.md, version 1) as data.
// Slugs are stable identifiers used by the API, the database seed and every data file: never change them.

import { nearest, normalName } from './text/nearest.js';

export const AREAS = [
  { slug: 'imrr', name: 'In-line monitoring and real-time release' },
  { slug: 'km', name: 'Knowledge management' },
  { slug: 'spm', name: 'Supply partnership management' },
  { slug: 'pt', name: 'Process technology' },
  { slug: 'af', name: 'Automated facility' },
  { slug: 'mm', name: 'Modular and mobile' },
] as const;

export const CAPABILITIES = [
  {
    slug: 'imrr.spectroscopic-pat',
    area: 'imrr',
    name: 'Spectroscopic process analytical technology',
    covers: 'Raman, NIR, MIR, UV/fluorescence probes for in-line or on-line monitoring',
  },
  {
    slug: 'imrr.automated-sampling',
    area: 'imrr',
    name: 'Automated sampling and at-line analytics',
    covers: 'aseptic auto-samplers, at-line HPLC/biochemistry analysers, sample transfer',
  },
  {
    slug: 'imrr.mass-spec-mam',
    area: 'imrr',
    name: 'Multi-attribute method and mass spectrometry',
    covers: 'MAM, LC-MS product quality attribute monitoring, glycan and charge variants',
  },
  {
    slug: 'imrr.rapid-microbiology',
    area: 'imrr',
    name: 'Rapid microbiological methods',
    covers: 'rapid sterility, bioburden, endotoxin, mycoplasma and adventitious agent testing',
  },
  {
    slug: 'imrr.soft-sensors-mvda',
    area: 'imrr',
    name: 'Soft sensors and multivariate data analysis',
    covers: 'chemometrics, MVDA, batch evolution models, virtual sensors',
  },
  {
    slug: 'imrr.advanced-process-control',
    area: 'imrr',
    name: 'Advanced process control',
    covers: 'model predictive control, feedback control of critical quality attributes',
  },
  {
    slug: 'imrr.real-time-release',
    area: 'imrr',
    name: 'Real-time release testing',
    covers: 'RTRT and parametric release strategies, release by exception, regulatory filing of RTRT',
  },
  {
    slug: 'km.data-standards',
    area: 'km',
    name: 'Data standards and interoperability',
    covers: 'ISA-88/ISA-95 models, ontologies, Allotrope, common data formats, FAIR data',
  },
  {
    slug: 'km.process-modelling',
    area: 'km',
    name: 'Process modelling and digital twins',
    covers: 'mechanistic, hybrid and statistical process models, digital twins',
  },
  {
    slug: 'km.ai-analytics',
    area: 'km',
    name: 'AI and machine learning analytics',
    covers: 'ML on process and product data, anomaly detection, prediction',
  },
  {
    slug: 'km.knowledge-capture',
    area: 'km',
    name: 'Knowledge capture and retrieval',
    covers: 'tacit know-how, lessons learned, search over reports and deviations',
  },
  {
    slug: 'km.tech-transfer',
    area: 'km',
    name: 'Technology transfer and lifecycle knowledge',
    covers: 'site-to-site and development-to-manufacturing transfer, lifecycle management',
  },
  {
    slug: 'km.data-integrity',
    area: 'km',
    name: 'Data integrity and validated platforms',
    covers: 'ALCOA+, audit trails, validated cloud and computerised systems',
  },
  {
    slug: 'spm.raw-material-variability',
    area: 'spm',
    name: 'Raw material characterisation and variability',
    covers: 'lot-to-lot variability, trace elements, raw material analytics',
  },
  {
    slug: 'spm.single-use-standards',
    area: 'spm',
    name: 'Single-use standards, extractables and leachables',
    covers: 'component standardisation, E&L data, film and connector standards',
  },
  {
    slug: 'spm.supply-chain-visibility',
    area: 'spm',
    name: 'Supply chain visibility and data exchange',
    covers: 'electronic data exchange, change notification, certificates of analysis as data',
  },
  {
    slug: 'spm.supplier-quality',
    area: 'spm',
    name: 'Supplier quality and audits',
    covers: 'joint audits, quality agreements, supplier qualification',
  },
  {
    slug: 'spm.supply-resilience',
    area: 'spm',
    name: 'Supply resilience and risk',
    covers: 'dual sourcing, risk assessment, continuity of supply',
  },
  {
    slug: 'spm.cold-chain-logistics',
    area: 'spm',
    name: 'Cold chain and logistics',
    covers: 'temperature-controlled shipping, tracking of materials and product',
  },
  {
    slug: 'pt.cell-line-development',
    area: 'pt',
    name: 'Cell line development and expression systems',
    covers: 'CHO and other hosts, clone selection, stability, expression platforms',
  },
  {
    slug: 'pt.media-feeds',
    area: 'pt',
    name: 'Cell culture media and feeds',
    covers: 'chemically defined media, feed strategies, media optimisation',
  },
  {
    slug: 'pt.upstream-intensification',
    area: 'pt',
    name: 'Upstream intensification',
    covers: 'perfusion, N-1 seed intensification, high cell density, cell retention',
  },
  {
    slug: 'pt.continuous-downstream',
    area: 'pt',
    name: 'Continuous and integrated downstream processing',
    covers: 'multi-column and periodic counter-current chromatography, flow-through, integrated continuous trains',
  },
  {
    slug: 'pt.purification-technology',
    area: 'pt',
    name: 'Purification technologies',
    covers: 'resins, membranes, filtration, viral clearance and viral filtration',
  },
  {
    slug: 'pt.single-use-systems',
    area: 'pt',
    name: 'Single-use bioreactors and process systems',
    covers: 'single-use bioreactors, mixers, assemblies',
  },
  {
    slug: 'pt.advanced-modalities',
    area: 'pt',
    name: 'Processes for advanced modalities',
    covers: 'cell and gene therapy, viral vectors, mRNA and other new modalities',
  },
  {
    slug: 'pt.drug-product',
    area: 'pt',
    name: 'Formulation, fill-finish and drug product',
    covers: 'formulation, lyophilisation, aseptic fill-finish, high-concentration products',
  },
  {
    slug: 'af.plug-and-play',
    area: 'af',
    name: 'Plug-and-play integration',
    covers: 'Module Type Package (MTP), OPC UA, equipment interoperability',
  },
  {
    slug: 'af.mes-ebr',
    area: 'af',
    name: 'Manufacturing execution and electronic batch records',
    covers: 'MES, eBR, review by exception, paperless operations',
  },
  {
    slug: 'af.robotics',
    area: 'af',
    name: 'Robotics and automated handling',
    covers: 'robots for material transport, sampling, QC and packaging',
  },
  {
    slug: 'af.closed-processing',
    area: 'af',
    name: 'Closed and automated processing',
    covers: 'closed systems, isolators, aseptic automation',
  },
  {
    slug: 'af.predictive-maintenance',
    area: 'af',
    name: 'Predictive maintenance',
    covers: 'equipment health monitoring, condition-based maintenance',
  },
  {
    slug: 'af.industrial-data-platform',
    area: 'af',
    name: 'Industrial data platforms',
    covers: 'historians, IT/OT integration, contextualised plant data',
  },
  {
    slug: 'mm.modular-cleanrooms',
    area: 'mm',
    name: 'Modular cleanrooms and pods',
    covers: 'prefabricated cleanroom modules, autonomous pods',
  },
  {
    slug: 'mm.standard-facility-design',
    area: 'mm',
    name: 'Standardised facility design',
    covers: 'reference designs, ballroom layouts, standard equipment sets',
  },
  {
    slug: 'mm.mobile-manufacturing',
    area: 'mm',
    name: 'Mobile and containerised manufacturing',
    covers: 'transportable units, containerised process trains',
  },
  {
    slug: 'mm.flexible-multiproduct',
    area: 'mm',
    name: 'Flexible multi-product facilities',
    covers: 'rapid changeover, segregation, multi-product scheduling',
  },
  {
    slug: 'mm.distributed-manufacturing',
    area: 'mm',
    name: 'Distributed and localised manufacturing',
    covers: 'networks of small local plants, regional supply',
  },
  {
    slug: 'mm.facility-speed-to-market',
    area: 'mm',
    name: 'Facility speed to market',
    covers: 'fast design, build, commissioning and qualification',
  },
] as const;

/**
 * Organisation kinds. Biomanufacturers post needs (and may offer); suppliers and academic groups offer;
 * regional innovation hubs offer test beds and pilot plants and may convene a consortium; regulators and
 * government agencies follow and read, and agencies may convene. `core/policy.ts` holds who may do what.
 */
export const ORG_KINDS = ['biomanufacturer', 'supplier', 'academic', 'hub', 'regulator', 'agency'] as const;

/** What each kind is called in a sentence ("a regional innovation hub"). */
export const ORG_KIND_NAMES: Record<(typeof ORG_KINDS)[number], string> = {
  biomanufacturer: 'biomanufacturer',
  supplier: 'supplier',
  academic: 'academic group',
  hub: 'regional innovation hub',
  regulator: 'regulator',
  agency: 'government agency or funder',
};

/** The same, for several ("3 regional innovation hubs"). */
export const ORG_KIND_PLURALS: Record<(typeof ORG_KINDS)[number], string> = {
  biomanufacturer: 'biomanufacturers',
  supplier: 'suppliers',
  academic: 'academic groups',
  hub: 'regional innovation hubs',
  regulator: 'regulators',
  agency: 'government agencies or funders',
};

/** "2 biomanufacturers, 1 supplier": who has joined a consortium, by kind only. */
export function membersByKind(counts: Partial<Record<(typeof ORG_KINDS)[number], number>>): string {
  const parts = ORG_KINDS.filter((k) => (counts[k] ?? 0) > 0).map((kind) => {
    const n = counts[kind]!;
    return `${n} ${n === 1 ? ORG_KIND_NAMES[kind] : ORG_KIND_PLURALS[kind]}`;
  });
  return parts.length > 0 ? parts.join(', ') : 'no members yet';
}

export const CONSORTIUM_STATUSES = ['forming', 'active', 'closed'] as const;
export type ConsortiumStatus = (typeof CONSORTIUM_STATUSES)[number];

export const PARTNERSHIP_TYPES = [
  'co-development',
  'research-collaboration',
  'licensing',
  'supply',
  'service',
  'consortium',
  'pilot',
] as const;

/** What each partnership type is called where people read it (the API and its filters speak in slugs). */
export const PARTNERSHIP_TYPE_NAMES: Record<(typeof PARTNERSHIP_TYPES)[number], string> = {
  'co-development': 'Co-development',
  'research-collaboration': 'Research collaboration',
  licensing: 'Licensing',
  supply: 'Supply agreement',
  service: 'Contract service',
  consortium: 'Consortium',
  pilot: 'Pilot project',
};

export const TRL_MIN = 1;
export const TRL_MAX = 9;

export type AreaSlug = (typeof AREAS)[number]['slug'];
export type Area = (typeof AREAS)[number];
export type CapabilitySlug = (typeof CAPABILITIES)[number]['slug'];
export type Capability = (typeof CAPABILITIES)[number];
export type OrgKind = (typeof ORG_KINDS)[number];
export type PartnershipType = (typeof PARTNERSHIP_TYPES)[number];

const capabilityIndex: ReadonlyMap<string, Capability> = new Map(CAPABILITIES.map((c) => [c.slug, c]));
const areaIndex: ReadonlyMap<string, Area> = new Map(AREAS.map((a) => [a.slug, a]));

export function capabilityBySlug(slug: string): Capability | undefined {
  return capabilityIndex.get(slug);
}

export function areaBySlug(slug: string): Area | undefined {
  return areaIndex.get(slug);
}

export function isCapabilitySlug(s: string): s is CapabilitySlug {
  return capabilityIndex.has(s);
}

export function isOrgKind(s: string): s is OrgKind {
  return (ORG_KINDS as readonly string[]).includes(s);
}

export function isPartnershipType(s: string): s is PartnershipType {
  return (PARTNERSHIP_TYPES as readonly string[]).includes(s);
}

/** The area of a capability slug ("pt.media-feeds" -> "pt"), or undefined for an unknown slug. */
export function areaOf(slug: string): AreaSlug | undefined {
  return capabilityIndex.get(slug)?.area;
}

/** Capabilities by the normal form (core/text/nearest.ts) of their slug and of their display name. */
const CAPABILITY_BY_NAME = new Map<string, CapabilitySlug>(
  CAPABILITIES.flatMap((c) => [
    [normalName(c.slug), c.slug],
    [normalName(c.name), c.slug],
  ]),
);
const CAPABILITY_FORMS = CAPABILITIES.map((c) => ({
  key: c.slug,
  forms: [c.slug, c.slug.slice(c.slug.indexOf('.') + 1), c.name],
}));

/** The slug of a capability given by its slug or its display name, in any case or spelling; undefined if none. */
export function capabilitySlugOf(input: string): CapabilitySlug | undefined {
  const s = input.trim();
  if (isCapabilitySlug(s)) return s;
  return CAPABILITY_BY_NAME.get(normalName(s));
}

/** The 400 message for an unknown capability, with the nearest slugs. */
export function unknownCapabilityMessage(input: string): string {
  const near = nearest(input, CAPABILITY_FORMS);
  const list = near.length > 1 ? `${near.slice(0, -1).join(', ')} or ${near.at(-1)}` : (near[0] ?? '');
  return (
    `"${input}" is not a capability of the roadmap taxonomy` +
    (list ? `; did you mean ${list}?` : '.') +
    ' (See GET /v1/capabilities for every slug and name.)'
  );
}
