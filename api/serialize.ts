import { introducesNeedOwner, mayManageOrganisation, personName, revealsNeedOwner } from '../core/policy.js';
import type { IntroductionDetail } from '../db/queries/introductions.js';
import type { MatchWithPosts } from '../db/queries/matches.js';
import type { NeedAnswerRow, OfferingAnswerRow, OrganisationAnswerRow, OrganisationRow } from '../db/queries/posts.js';
import type { Viewer } from './auth.js';

/** The JSON shapes of the API. Anonymity is enforced here, the one place every need passes through. */

export function toOrganisation(o: OrganisationAnswerRow) {
  return { id: o.id, name: o.name, kind: o.kind, country: o.country };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * An organisation's profile as a reader of `viewer.organisationId` may see it: members' emails only to fellow
 * members, and its anonymous needs only to its own members (listing them would tie them to it).
 */
export function toOrganisationProfile(
  o: OrganisationRow,
  members: { id: string; name: string; email: string }[],
  posts: {
    needs: { id: string; title: string; anonymous: boolean; organisationId: string }[];
    offerings: { id: string; title: string }[];
  },
  viewer: Pick<Viewer, 'organisationId'>,
) {
  const member = mayManageOrganisation(o, viewer.organisationId);
  return {
    id: o.id,
    name: o.name,
    kind: o.kind,
    country: o.country,
    website: o.website,
    description: o.description,
    member,
    members: members.map((m) => (member ? { id: m.id, name: m.name, email: m.email } : { id: m.id, name: m.name })),
    needs: posts.needs
      .filter((n) => revealsNeedOwner(n, viewer.organisationId))
      .map((n) => ({ id: n.id, title: n.title })),
    offerings: posts.offerings.map((p) => ({ id: p.id, title: p.title })),
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
  };
}

/** A pending invitation to join an organisation, for its members. */
export function toOrganisationInvitation(
  i: { id: string; email: string; expiresAt: Date; sendCount: number; lastSentAt: Date; createdAt: Date },
  inviterName: string | null,
  now = new Date(),
) {
  return {
    id: i.id,
    email: i.email,
    status: i.expiresAt > now ? ('pending' as const) : ('expired' as const),
    invitedBy: inviterName === null ? null : { name: inviterName },
    sendCount: i.sendCount,
    expiresAt: i.expiresAt.toISOString(),
    lastSentAt: i.lastSentAt.toISOString(),
    createdAt: i.createdAt.toISOString(),
  };
}

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
    expiresAt: p.expiresAt.toISOString(),
    mine: p.organisationId === viewer.organisationId,
    matchedAt: p.matchedVersion === p.version ? iso(p.matchedAt) : null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

/** `introduced`: an accepted introduction about this need has the viewer's organisation as a side. */
export function toNeed(need: NeedAnswerRow, organisation: OrganisationAnswerRow, viewer: Viewer, introduced = false) {
  return {
    ...postFields(need, viewer),
    trlMin: need.trlMin,
    trlMax: need.trlMax,
    openTo: need.openTo,
    anonymous: need.anonymous,
    organisation: revealsNeedOwner(need, viewer.organisationId, introduced) ? toOrganisation(organisation) : null,
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
 * email addresses are shared only on acceptance. A side may be gone (db/queries/introductions.ts
 * `detailQuery`): a deleted post is `null` (withdrawn), a person who deleted their account is "a former
 * member" without an address, and an organisation that left with its last member is `null` beside them.
 */
export function toIntroduction(d: IntroductionDetail, viewer: Pick<Viewer, 'organisationId'>) {
  const i = d.introduction;
  const accepted = i.status === 'accepted';
  // Which side asked: the need's when the requester owns the need; with the need gone, the side that does
  // not own the offering; with both gone, unknown (then the requester stays hidden as if it were the need's).
  const requesterIsNeedSide = d.needOrg
    ? i.requesterOrganisationId === d.needOrg.id
    : d.offeringOrg
      ? i.requesterOrganisationId !== d.offeringOrg.id
      : null;
  const needRevealed = d.needOrg
    ? revealsNeedOwner(
        { anonymous: d.need!.anonymous, organisationId: d.needOrg.id },
        viewer.organisationId,
        introducesNeedOwner(i, d.need!.id, viewer.organisationId),
      )
    : accepted ||
      (requesterIsNeedSide !== null && (i.requesterOrganisationId === viewer.organisationId) === requesterIsNeedSide);
  const requesterHidden =
    requesterIsNeedSide !== false && !needRevealed && i.requesterOrganisationId !== viewer.organisationId;
  const person = (u: { name: string | null; email: string | null } | null, org: OrganisationAnswerRow | null) => ({
    name: personName(u),
    email: u?.email ?? null,
    organisation: org ? toOrganisation(org) : null,
  });
  return {
    id: i.id,
    status: i.status,
    direction: i.requesterOrganisationId === viewer.organisationId ? ('sent' as const) : ('received' as const),
    message: i.message,
    need:
      d.need && d.needOrg
        ? { id: d.need.id, title: d.need.title, organisation: needRevealed ? toOrganisation(d.needOrg) : null }
        : null,
    offering:
      d.offering && d.offeringOrg
        ? { id: d.offering.id, title: d.offering.title, organisation: toOrganisation(d.offeringOrg) }
        : null,
    matchId: d.matchId,
    summary: (d.explanation as { summary?: string } | null)?.summary ?? null,
    requester: requesterHidden ? null : { name: personName(d.requester) },
    contacts: accepted
      ? {
          requester: person(d.requester, d.requesterOrg),
          responder: person(d.responder, d.recipientOrg),
        }
      : null,
    expiresAt: i.expiresAt.toISOString(),
    respondedAt: iso(i.respondedAt),
    createdAt: i.createdAt.toISOString(),
  };
}
