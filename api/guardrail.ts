import { screenFields } from '../core/screening.js';
import type { FlagInput } from '../db/queries/flags.js';
import { HttpProblem } from './problem.js';

/**
 * Screens text a person wrote for competitively sensitive information (core/screening.ts). A hit refuses
 * the request with 422 `competitively_sensitive`, naming each phrase and why, and nothing is saved; with
 * `acknowledgeSensitive: true` the request goes ahead and the flags are returned, to be recorded for the
 * operator in the transaction that saves the text.
 */
export function screenOrRefuse(
  fields: Record<string, string | readonly string[] | null | undefined>,
  acknowledged: boolean | undefined,
): FlagInput[] {
  const flags = screenFields(fields);
  if (flags.length === 0 || acknowledged === true) return flags;
  const listed = flags.map((f) => `"${f.phrase}" in ${f.field}`).join(', ');
  throw new HttpProblem(
    422,
    'competitively_sensitive',
    'The text looks competitively sensitive',
    `Competitors may share technical requirements, standards, test methods and aggregated data, never prices, costs, margins, capacities, volumes, customers or bids (see GET /v1/charter). Flagged: ${listed}. Reword it, or send the same request with "acknowledgeSensitive": true to save it as it is; it will then be flagged for review.`,
    undefined,
    { flags },
  );
}
