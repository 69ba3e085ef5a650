// The structured parts of a match: capabilities, technology readiness and partnership types.

import { areaOf, capabilityBySlug } from '../taxonomy.js';

/** Credit for a capability of the same roadmap area but not the same capability. */
export const SAME_AREA_CREDIT = 0.4;

/**
 * How well `to`'s capabilities cover `from`'s: the mean over `from` of the best credit in `to`
 * (1 same capability, SAME_AREA_CREDIT same area, 0 otherwise). Null when either side has no tags:
 * a quarter of posts carry none, and a missing tag is no evidence against a match.
 */
export function capabilityCoverage(from: readonly string[], to: readonly string[]): number | null {
  const a = from.filter((s) => capabilityBySlug(s) !== undefined);
  const b = to.filter((s) => capabilityBySlug(s) !== undefined);
  if (a.length === 0 || b.length === 0) return null;
  let sum = 0;
  for (const c of a) {
    let best = 0;
    for (const d of b) {
      if (c === d) {
        best = 1;
        break;
      }
      if (areaOf(c) === areaOf(d)) best = SAME_AREA_CREDIT;
    }
    sum += best;
  }
  return sum / a.length;
}

/** Capabilities both sides carry, in the need's order. */
export function sharedCapabilities(need: readonly string[], offering: readonly string[]): string[] {
  const set = new Set(offering);
  return need.filter((c) => set.has(c) && capabilityBySlug(c) !== undefined);
}

export type TrlFit = 'within' | 'near' | 'outside';

/** Multiplier on the need's view by how far the offering's TRL is from the need's range. */
export const TRL_FACTORS = { within: 1, near: 0.9, twoAway: 0.65, far: 0.35 } as const;

export function trlDistance(trl: number, min: number, max: number): number {
  const lo = Math.min(min, max);
  const hi = Math.max(min, max);
  return trl < lo ? lo - trl : trl > hi ? trl - hi : 0;
}

export function trlFit(trl: number, min: number, max: number): { fit: TrlFit; factor: number } {
  const d = trlDistance(trl, min, max);
  if (d === 0) return { fit: 'within', factor: TRL_FACTORS.within };
  if (d === 1) return { fit: 'near', factor: TRL_FACTORS.near };
  return { fit: 'outside', factor: d === 2 ? TRL_FACTORS.twoAway : TRL_FACTORS.far };
}

/** Multiplier on a common-need pair's similarity when the two needs accept no partnership type in common. */
export const NO_COMMON_PARTNERSHIP_FACTOR = 0.75;

export function commonPartnershipTypes(need: readonly string[], offering: readonly string[]): string[] {
  const set = new Set(offering);
  return need.filter((p) => set.has(p));
}

/** Multiplier on a common-need pair's similarity: 1, or NO_COMMON_PARTNERSHIP_FACTOR when their types differ. */
export function partnershipFactor(need: readonly string[], offering: readonly string[]): number {
  // A side that states no preference does not rule anything out.
  if (need.length === 0 || offering.length === 0) return 1;
  return commonPartnershipTypes(need, offering).length > 0 ? 1 : NO_COMMON_PARTNERSHIP_FACTOR;
}

/**
 * How many of the ways of working a need accepts the offering offers (0..1): its share of the need's
 * partnership types. A need that states none accepts any (1); an offering that states none is unknown,
 * neither fit nor misfit (UNSTATED_PARTNERSHIP_FIT), so leaving them out does not rank an offering higher.
 */
export function partnershipFit(need: readonly string[], offering: readonly string[]): number {
  if (need.length === 0) return 1;
  if (offering.length === 0) return UNSTATED_PARTNERSHIP_FIT;
  return commonPartnershipTypes(need, offering).length / need.length;
}
export const UNSTATED_PARTNERSHIP_FIT = 0.5;
