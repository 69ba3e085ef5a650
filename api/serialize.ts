import { revealsNeedOwner } from '../core/policy.js';
import type { IntroductionDetail } from '../db/queries/introductions.js';
import type { MatchWithPosts } from '../db/queries/matches.js';
import type { NeedAnswerRow, OfferingAnswerRow, OrganisationAnswerRow, OrganisationRow } from '../db/queries/posts.js';
import type { Viewer } from './auth.js';

/** The JSON shapes of the API. Anonymity is enforced here, the one place every need passes through. */

export function toOrganisation(o: OrganisationAnswerRow) {
  return { id: o.id, name: o.name, kind: o.kind, country: o.country };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function postFields(p: NeedAnswerRow | OfferingAnswerRow, viewer: Viewer) {
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

export function toNeed(need: NeedAnswerRow, organisation: OrganisationAnswerRow, viewer: Viewer) {
  return {
    ...postFields(need, viewer),
    trlMin: need.trlMin,
    trlMax: need.trlMax,
    openTo: need.openTo,
    anonymous: need.anonymous,
    organisation: revealsNeedOwner(need, viewer.organisationId) ? toOrganisation(organisation) : null,
  };
}

export function toOffering(offering: OfferingAnswerRow, organisation: OrganisationAnswerRow, viewer: Viewer) {
  return { ...postFields(offering, viewer), trl: offering.trl, organisation: toOrganisation(organisation) };
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

/**
 * An introduction as the viewer's organisation may see it. Until it is accepted, an anonymous need's
 * organisation stays hidden from the other side, and so does its requester when the need's side asked;
 * email addresses are shared only on acceptance.
 */
export function toIntroduction(d: IntroductionDetail, viewer: Pick<Viewer, 'organisationId'>) {
  const i = d.introduction;
  const accepted = i.status === 'accepted';
  const needRevealed = revealsNeedOwner(
    { anonymous: d.need.anonymous, organisationId: d.needOrg.id },
    viewer.organisationId,
    accepted,
  );
  const requesterHidden = i.requesterOrganisationId === d.needOrg.id && !needRevealed;
  const person = (u: { name: string; email: string }, org: OrganisationRow) => ({
    name: u.name,
    email: u.email,
    organisation: toOrganisation(org),
  });
  const requesterOrg = i.requesterOrganisationId === d.needOrg.id ? d.needOrg : d.offeringOrg;
  const recipientOrg = i.requesterOrganisationId === d.needOrg.id ? d.offeringOrg : d.needOrg;
  return {
    id: i.id,
    status: i.status,
    direction: i.requesterOrganisationId === viewer.organisationId ? ('sent' as const) : ('received' as const),
    message: i.message,
    need: { id: d.need.id, title: d.need.title, organisation: needRevealed ? toOrganisation(d.needOrg) : null },
    offering: { id: d.offering.id, title: d.offering.title, organisation: toOrganisation(d.offeringOrg) },
    matchId: d.matchId,
    summary: (d.explanation as { summary?: string } | null)?.summary ?? null,
    requester: requesterHidden ? null : { name: d.requester.name },
    contacts:
      accepted && d.responder?.id
        ? {
            requester: person(d.requester, requesterOrg),
            responder: person(d.responder as { name: string; email: string }, recipientOrg),
          }
        : null,
    expiresAt: i.expiresAt.toISOString(),
    respondedAt: iso(i.respondedAt),
    createdAt: i.createdAt.toISOString(),
  };
}
