import { HttpProblem } from '../problem.js';
import { screenOrRefuse } from '../guardrail.js';

/** A phrase the competitive-sensitivity screen flagged, as a page shows it beside its field. */
export interface PageFlag {
  phrase: string;
  reason: string;
}

/** Flagged phrases per form field: an element of a list field ("keywords.2") is shown beside the list. */
export type FieldFlags = Record<string, PageFlag[]>;

/**
 * The flags of a `competitively_sensitive` refusal (api/guardrail.ts), per form field; undefined for any
 * other error, which the caller rethrows.
 */
export function sensitiveFlags(err: unknown): FieldFlags | undefined {
  if (!(err instanceof HttpProblem) || err.code !== 'competitively_sensitive') return undefined;
  const flags = (err.extensions?.flags ?? []) as { field: string; phrase: string; reason: string }[];
  const out: FieldFlags = {};
  for (const f of flags) {
    const field = f.field.split('.')[0]!;
    const list = (out[field] ??= []);
    if (!list.some((x) => x.phrase === f.phrase)) list.push({ phrase: f.phrase, reason: f.reason });
  }
  return out;
}

/** The form's tick box that resubmits flagged text as it is: present and ticked. */
export const acknowledged = (form: Record<string, unknown>) => form.acknowledgeSensitive === 'true';

/**
 * Screens a form's text as the API would: the flags per field when something is flagged and the box was
 * not ticked, else undefined (nothing flagged, or acknowledged).
 */
export function flagsOf(
  fields: Record<string, string | readonly string[] | null | undefined>,
  acknowledge: boolean,
): FieldFlags | undefined {
  try {
    screenOrRefuse(fields, acknowledge);
    return undefined;
  } catch (err) {
    const flags = sensitiveFlags(err);
    if (!flags) throw err;
    return flags;
  }
}
