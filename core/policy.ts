// Who may do what, by organisation kind and membership: the rules every route, page and processor asks,
// so that each is written once. Pure: callers pass what they know.

import type { ConsortiumStatus, OrgKind } from './taxonomy.js';

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
export function postingRefusal(kind: OrgKind, side: 'need' | 'offering'): string | null {
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

/** Whether a post is live on the marketplace: open and not expired. */
export function isLive(post: { status: string; expiresAt: Date | null }, now: Date = new Date()): boolean {
  return post.status === 'open' && (post.expiresAt === null || post.expiresAt.getTime() > now.getTime());
}

/** What a need's owner is called wherever the reader may not know it. */
export const ANONYMOUS_OWNER = 'an anonymous biomanufacturer';
