// What one person's digest holds: pure selection over their new matches, no I/O.

import { ANONYMOUS_OWNER } from '../policy.js';

export interface DigestCandidate {
  matchId: string;
  needId: string;
  offeringId: string;
  score: number;
  /** The recipient's own post the match belongs to (a need or an offering of their organisation). */
  ownPostId: string;
  /** The other side's organisation; null when it is an anonymous need, which still counts as one. */
  counterpartOrganisationId: string | null;
}

export interface DigestLimits {
  /** At most this many items about one of the recipient's posts. */
  perPost: number;
  /** At most this many items from one counterpart organisation. */
  perCounterpart: number;
  /** At most this many items in all. */
  total: number;
}

export const DIGEST_LIMITS: DigestLimits = { perPost: 3, perCounterpart: 2, total: 10 };

/** The key of a pair, the unit that is never sent twice whatever happens to match rows. */
export const pairKey = (c: { needId: string; offeringId: string }) => `${c.needId}/${c.offeringId}`;

/**
 * The digest: candidates never sent before, best first, within the limits per post, per counterpart
 * organisation and in all. Empty means no email. Ties are broken by match id so that a retry composes the
 * same digest.
 */
export function composeDigest<C extends DigestCandidate>(
  candidates: readonly C[],
  alreadySent: ReadonlySet<string> = new Set(),
  limits: DigestLimits = DIGEST_LIMITS,
): C[] {
  const ranked = candidates
    .filter((c) => !alreadySent.has(pairKey(c)))
    .sort((a, b) => b.score - a.score || (a.matchId < b.matchId ? -1 : 1));
  const perPost = new Map<string, number>();
  const perCounterpart = new Map<string, number>();
  const chosen: C[] = [];
  for (const c of ranked) {
    if (chosen.length >= limits.total) break;
    // An anonymous counterpart is counted by its need: it cannot be told apart from others, nor lumped.
    const counterpart = c.counterpartOrganisationId ?? `anonymous:${c.needId}`;
    if ((perPost.get(c.ownPostId) ?? 0) >= limits.perPost) continue;
    if ((perCounterpart.get(counterpart) ?? 0) >= limits.perCounterpart) continue;
    perPost.set(c.ownPostId, (perPost.get(c.ownPostId) ?? 0) + 1);
    perCounterpart.set(counterpart, (perCounterpart.get(counterpart) ?? 0) + 1);
    chosen.push(c);
  }
  return chosen;
}

/** Another organisation's need common to one of the recipient's; organisation null when it is anonymous. */
export interface CommonNeedNotice {
  ownNeedId: string;
  ownTitle: string;
  otherNeedId: string;
  otherTitle: string;
  otherOrganisation: string | null;
  otherOrganisationId: string;
}

export interface CommonNeedSection {
  ownNeedId: string;
  ownTitle: string;
  /** How many other organisations need this too; an anonymous need counts alone, as it cannot be told apart. */
  organisationCount: number;
  others: { needId: string; title: string; organisation: string }[];
}

/**
 * The recipient's needs that other organisations need too, in the order found (most similar first), each
 * with the others' needs; anonymous ones as "an anonymous biomanufacturer". At most `max` of their needs.
 */
export function composeCommonNeeds(candidates: readonly CommonNeedNotice[], max: number): CommonNeedSection[] {
  const sections = new Map<string, CommonNeedSection & { orgs: Set<string> }>();
  for (const c of candidates) {
    let s = sections.get(c.ownNeedId);
    if (!s) {
      if (sections.size >= max) continue;
      s = { ownNeedId: c.ownNeedId, ownTitle: c.ownTitle, organisationCount: 0, others: [], orgs: new Set() };
      sections.set(c.ownNeedId, s);
    }
    s.orgs.add(c.otherOrganisation === null ? `anonymous:${c.otherNeedId}` : c.otherOrganisationId);
    s.others.push({
      needId: c.otherNeedId,
      title: c.otherTitle,
      organisation: c.otherOrganisation ?? ANONYMOUS_OWNER,
    });
  }
  return [...sections.values()].map(({ orgs, ...s }) => ({ ...s, organisationCount: orgs.size }));
}
