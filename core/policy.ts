// The domain's rules, each written once: who may post what, what is live, who may see whom (anonymity),
// who is party to a match or an introduction, and the limits. Every route, page, query and processor asks
// here; the SQL form of a rule that a query needs sits in db/policy.ts, next to a pointer to this one.
// Pure: callers pass what they know.

import { createHash } from 'node:crypto';
import type { ConsortiumStatus, OrgKind } from './taxonomy.js';

/** The two sides of the marketplace. */
export type PostSide = 'need' | 'offering';

/** Kinds that post needs: the biomanufacturers the roadmap is written for. */
export const NEED_POSTING_KINDS: readonly OrgKind[] = ['biomanufacturer'];

/**
 * Kinds that register offerings: suppliers and labs, biomanufacturers (spare capacity, models they
 * license) and hubs (test beds, pilot plants). Regulators and agencies follow and read; they post nothing.
 */
export const OFFERING_POSTING_KINDS: readonly OrgKind[] = ['biomanufacturer', 'supplier', 'academic', 'hub'];

/** Kinds that may convene a consortium without owning one of its needs. */
export const CONVENING_KINDS: readonly OrgKind[] = ['hub', 'agency'];

/** Why an organisation of `kind` may not post on `side`, or null when it may. */
export function postingRefusal(kind: OrgKind, side: PostSide): string | null {
  if (side === 'need') {
    return NEED_POSTING_KINDS.includes(kind) ? null : 'Only members of a biomanufacturer may post technology needs.';
  }
  if (OFFERING_POSTING_KINDS.includes(kind)) return null;
  return 'Regulators and government agencies follow capabilities and read; they do not register offerings.';
}

/**
 * Why an organisation may not convene a consortium on these needs, or null when it may: a hub or an
 * agency may; a biomanufacturer may when it owns one of the needs.
 */
export function conveningRefusal(kind: OrgKind, ownsOneOfTheNeeds: boolean): string | null {
  if (CONVENING_KINDS.includes(kind)) return null;
  if (kind === 'biomanufacturer' && ownsOneOfTheNeeds) return null;
  if (kind === 'biomanufacturer')
    return 'A biomanufacturer convenes a consortium on needs that include one of its own.';
  return 'A consortium is convened by a biomanufacturer that owns one of its needs, a regional innovation hub or a government agency.';
}

/**
 * How many of each kind a consortium needs to start work: two biomanufacturers with a common need and
 * one supplier or lab that can answer it.
 */
export const ACTIVE_QUORUM = { biomanufacturers: 2, providers: 1 } as const;

/**
 * The status a consortium moves to given the kinds of its current members. Once active it stays active
 * (members leaving later do not undo the work begun); a closed one stays closed.
 */
export function consortiumStatusFor(current: ConsortiumStatus, memberKinds: readonly OrgKind[]): ConsortiumStatus {
  if (current === 'closed') return 'closed';
  if (current === 'active') return 'active';
  const biomanufacturers = memberKinds.filter((k) => k === 'biomanufacturer').length;
  const providers = memberKinds.filter((k) => k === 'supplier' || k === 'academic').length;
  return biomanufacturers >= ACTIVE_QUORUM.biomanufacturers && providers >= ACTIVE_QUORUM.providers
    ? 'active'
    : 'forming';
}

// ---- liveness ----

/** Whether a post's expiry has come at `now`, whatever its status: every post expires (`defaultExpiry`). */
export function hasExpired(post: { expiresAt: Date }, now: Date = new Date()): boolean {
  return post.expiresAt.getTime() <= now.getTime();
}

/** Whether a post is live on the marketplace: open and not expired. (SQL form: db/policy.ts `liveSql`.) */
export function isLive(post: { status: string; expiresAt: Date }, now: Date = new Date()): boolean {
  return post.status === 'open' && !hasExpired(post, now);
}

/** Whether an organisation may see a post at all: any live post, and every post of its own. */
export function maySeePost(
  post: { organisationId: string; status: string; expiresAt: Date },
  organisationId: string,
  now: Date = new Date(),
): boolean {
  return post.organisationId === organisationId || isLive(post, now);
}

// ---- lifecycle ----

/** A need or an offering stays on the marketplace this long after it is posted or renewed, unless its owner says otherwise. */
export const POST_LIFETIME_MONTHS = 12;
/** The furthest ahead an expiry may be set, posting, editing or renewing (to the end of that day, UTC). */
export const POST_MAX_LIFETIME_MONTHS = 24;
/** A post's owner is emailed this many days before it expires, once per post and expiry date. */
export const EXPIRY_REMINDER_DAYS = 14;

/** `months` calendar months after `from` (UTC), on the month's last day when it is shorter (as PostgreSQL's `interval`). */
export function addMonths(from: Date, months: number): Date {
  const d = new Date(from.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}

/** The expiry of a post posted or renewed at `now` without a date of its own. */
export const defaultExpiry = (now: Date = new Date()): Date => addMonths(now, POST_LIFETIME_MONTHS);

/** The latest expiry that may be set at `now`: the end of the day (UTC) POST_MAX_LIFETIME_MONTHS ahead. */
export function latestExpiry(now: Date = new Date()): Date {
  const d = addMonths(now, POST_MAX_LIFETIME_MONTHS);
  d.setUTCHours(23, 59, 59, 999);
  return d;
}

/** Why `expiresAt` may not be set at `now` (words that follow the field's name), or null when it may. */
export function expiryRefusal(expiresAt: Date, now: Date = new Date()): string | null {
  if (expiresAt.getTime() <= now.getTime()) return 'must be in the future';
  if (expiresAt.getTime() > latestExpiry(now).getTime())
    return `must be at most ${POST_MAX_LIFETIME_MONTHS} months from now`;
  return null;
}

/**
 * Why a post may not be renewed, or null when it may. Renewing only moves its expiry: a closed post stays
 * closed, so it is refused (reopen it first); an expired one comes back.
 */
export function renewalRefusal(post: { status: string }, noun: string): string | null {
  return post.status === 'closed' ? `This ${noun} is closed: reopen it first, then renew it.` : null;
}

/**
 * Whether a post is about to expire at `now`: it is live (open, not expired) and expires within
 * EXPIRY_REMINDER_DAYS. Its owner is reminded then (`isDueForReminder`) and its page says when. (SQL form:
 * db/policy.ts `expiringSoonSql`.)
 */
export function isExpiringSoon(post: { status: string; expiresAt: Date }, now: Date = new Date()): boolean {
  return isLive(post, now) && post.expiresAt.getTime() - now.getTime() <= EXPIRY_REMINDER_DAYS * 86_400_000;
}

/**
 * Whether a post's owner is owed the reminder of its expiry at `now`: it is about to expire
 * (`isExpiringSoon`) and they were not reminded of this expiry date. (SQL form: db/policy.ts
 * `dueForReminderSql`.)
 */
export function isDueForReminder(
  post: { status: string; expiresAt: Date; expiryRemindedFor: Date | null },
  now: Date = new Date(),
): boolean {
  return isExpiringSoon(post, now) && post.expiryRemindedFor?.getTime() !== post.expiresAt.getTime();
}

// ---- anonymity ----

/** What a need's owner is called wherever the reader may not know it. */
export const ANONYMOUS_OWNER = 'an anonymous biomanufacturer';

/**
 * Whether a reader of `organisationId` may know which organisation posted a need: always unless the need is
 * anonymous; then only its own organisation, or the other side of an accepted introduction for it.
 * (SQL form: db/policy.ts `organisationsSeenBy`.)
 */
export function revealsNeedOwner(
  need: { anonymous: boolean; organisationId: string },
  organisationId: string,
  introduced = false,
): boolean {
  return !need.anonymous || introduced || need.organisationId === organisationId;
}

/** The need owner's name as the reader may see it: the name, or `ANONYMOUS_OWNER`. */
export function needOwnerName(
  need: { anonymous: boolean; organisationId: string },
  ownerName: string,
  organisationId: string,
  introduced = false,
): string {
  return revealsNeedOwner(need, organisationId, introduced) ? ownerName : ANONYMOUS_OWNER;
}

/** What a person who deleted their account is called where their name was (an introduction they asked for). */
export const FORMER_MEMBER = 'a former member';
/** What an organisation whose last member deleted their account is called where its name was (the consortium log). */
export const FORMER_ORGANISATION = 'a former member organisation';

/** A person's name as others see it: theirs, or `FORMER_MEMBER` once they have deleted their account. */
export function personName(person: { name: string | null } | null | undefined): string {
  return person?.name ?? FORMER_MEMBER;
}

/**
 * A key that counts the organisations behind needs without revealing owners: an anonymous need of another
 * organisation counts alone, so that a count does not tell that two anonymous needs share an owner.
 */
export function ownerCountKey(
  need: { id: string; anonymous: boolean; organisationId: string },
  organisationId: string,
) {
  return revealsNeedOwner(need, organisationId) ? `org:${need.organisationId}` : `need:${need.id}`;
}

// ---- parties ----

type Pair = { need: { organisationId: string }; offering: { organisationId: string } };

/** Whether an organisation is one side of a match (or of any need-offering pair). */
export function isPartyToPair(pair: Pair, organisationId: string): boolean {
  return pair.need.organisationId === organisationId || pair.offering.organisationId === organisationId;
}

/** The organisation on the other side of a pair from `organisationId`. */
export function counterpartOf(pair: Pair, organisationId: string): string {
  return pair.need.organisationId === organisationId ? pair.offering.organisationId : pair.need.organisationId;
}

/** An organisation is null once it has left Roadmatch with its last member (the introduction stays). */
type IntroductionParties = { requesterOrganisationId: string | null; recipientOrganisationId: string | null };

/** Whether an organisation asked for an introduction or was asked: only they may see it. */
export function isPartyToIntroduction(introduction: IntroductionParties, organisationId: string): boolean {
  return (
    introduction.requesterOrganisationId === organisationId || introduction.recipientOrganisationId === organisationId
  );
}

/**
 * Whether an introduction tells an organisation who owns a need: it is accepted, it is about that need, and
 * the organisation is one of its sides (`revealsNeedOwner`'s `introduced`). (SQL form: db/policy.ts
 * `introducedSql`.)
 */
export function introducesNeedOwner(
  introduction: IntroductionParties & { needId: string | null; status: string },
  needId: string,
  organisationId: string,
): boolean {
  return (
    introduction.status === 'accepted' &&
    introduction.needId === needId &&
    isPartyToIntroduction(introduction, organisationId)
  );
}

/** Whether an organisation may answer an introduction: only the one asked. */
export function mayAnswerIntroduction(introduction: IntroductionParties, organisationId: string): boolean {
  return introduction.recipientOrganisationId === organisationId;
}

// ---- organisations ----

/**
 * Whether a person of `organisationId` may change an organisation's profile, its invitations and its
 * members: only its own members. (Anyone signed in reads its profile; its anonymous needs stay unlisted to
 * others, `revealsNeedOwner`.)
 */
export function mayManageOrganisation(organisation: { id: string }, organisationId: string): boolean {
  return organisation.id === organisationId;
}

/**
 * Whether an organisation of `memberCount` people is down to its last member: they are never removed (nor
 * may they leave); deleting their account deletes the organisation with it.
 */
export function isLastMember(memberCount: number): boolean {
  return memberCount <= 1;
}

/** Whether a member may be removed: never the last one (the last member deletes their account instead). */
export function mayRemoveMember(memberCount: number): boolean {
  return !isLastMember(memberCount);
}

/** The longest description of an organisation's profile, in characters. */
export const ORGANISATION_DESCRIPTION_MAX = 1000;
/** How long an emailed invitation to join an organisation works, in days. */
export const ORGANISATION_INVITATION_DAYS = 14;

// ---- limits ----

/** The longest introduction message, in characters. */
export const INTRODUCTION_MESSAGE_MAX = 2000;
/** A person may wait on at most this many unanswered introduction requests at once. */
export const MAX_OPEN_REQUESTS = 10;
/** An unanswered introduction request expires after this many days. */
export const INTRODUCTION_EXPIRY_DAYS = 14;
/** An introduction request still unanswered after this many days is sent again as a reminder. */
export const INTRODUCTION_REMINDER_DAYS = 7;

// ---- secrets ----

/** How a bearer secret (an API token, a session's cookie) is stored: only its SHA-256, never itself. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
