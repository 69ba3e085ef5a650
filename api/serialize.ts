import type { MatchRow } from '../db/queries/matches.js';
import type { NeedRow, OfferingRow, OrganisationRow } from '../db/queries/posts.js';
import type { Viewer } from './auth.js';

/** The JSON shapes of the API. Anonymity is enforced here, the one place every need passes through. */

export function toOrganisation(o: OrganisationRow) {
  return { id: o.id, name: o.name, kind: o.kind, country: o.country };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function postFields(p: NeedRow | OfferingRow, viewer: Viewer) {
  return {
    id: p.id,
    title: p.title,
    description: p.description,
    capabilities: p.capabilities,
    keywords: p.keywords,
    partnershipTypes: p.partnershipTypes,
    regions: p.regions,
    status: p.status,
    expiresAt: iso(p.expiresAt),
    mine: p.organisationId === viewer.organisationId,
    matchedAt: p.matchedVersion === p.version ? iso(p.matchedAt) : null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** Whether the viewer may see who posted the need. */
export function revealsNeedOwner(need: NeedRow, viewer: Pick<Viewer, 'organisationId'>): boolean {
  return !need.anonymous || need.organisationId === viewer.organisationId;
}

export function toNeed(need: NeedRow, organisation: OrganisationRow, viewer: Viewer) {
  return {
    ...postFields(need, viewer),
    trlMin: need.trlMin,
    trlMax: need.trlMax,
    openTo: need.openTo,
    anonymous: need.anonymous,
    organisation: revealsNeedOwner(need, viewer) ? toOrganisation(organisation) : null,
  };
}

export function toOffering(offering: OfferingRow, organisation: OrganisationRow, viewer: Viewer) {
  return { ...postFields(offering, viewer), trl: offering.trl, organisation: toOrganisation(organisation) };
}

export interface MatchWithPosts {
  match: MatchRow;
  need: NeedRow;
  needOrg: OrganisationRow;
  offering: OfferingRow;
  offeringOrg: OrganisationRow;
}

export function toMatch(r: MatchWithPosts, viewer: Viewer, feedback: 'relevant' | 'not_relevant' | null) {
  return {
    id: r.match.id,
    score: Math.round(r.match.score * 1000) / 1000,
    need: toNeed(r.need, r.needOrg, viewer),
    offering: toOffering(r.offering, r.offeringOrg, viewer),
    explanation: r.match.explanation,
    feedback,
    createdAt: r.match.createdAt.toISOString(),
  };
}
