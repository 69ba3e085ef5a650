// A person's own account, for the API (api/routes/me.ts) and the settings pages alike: their data to take
// away, their next digest, and leaving.

import { composeDigest } from '../../core/digest/compose.js';
import { nextDigestAt } from '../../core/digest/schedule.js';
import type { Database, Executor } from '../../db/client.js';
import {
  deleteAccount,
  getUser,
  listConvenedConsortiaWithOthers,
  lockOrganisationMembers,
} from '../../db/queries/accounts.js';
import { getDigestSettings, listDigestCandidates, listFinishedDigestPeriods } from '../../db/queries/digests.js';
import { listExportOf } from '../../db/queries/export.js';
import { listMatchesByIds } from '../../db/queries/matches.js';
import type { Viewer } from '../auth.js';
import { HttpProblem, notFound } from '../problem.js';

/** Everything held about the person and their organisation's posts, as the file `GET /v1/me/export` answers. */
export async function exportMyData(db: Executor, viewer: Pick<Viewer, 'userId' | 'organisationId'>) {
  const data = await listExportOf(db, viewer.userId, viewer.organisationId);
  return { exportedAt: new Date().toISOString(), ...data };
}

/** The name of the export's file, dated. */
export const exportFileName = (at = new Date()) => `roadmatch-export-${at.toISOString().slice(0, 10)}.json`;

/**
 * What the person's next digest would hold if it were sent now (the worker's own choice of matches), and
 * when it is due: the next due hour of a period whose digest is not already finished.
 */
export async function previewDigest(db: Executor, viewer: Pick<Viewer, 'userId' | 'organisationId'>) {
  const [settings, candidates, finished] = await Promise.all([
    getDigestSettings(db, viewer.userId),
    listDigestCandidates(db, viewer),
    listFinishedDigestPeriods(db, viewer.userId),
  ]);
  const chosen = composeDigest(candidates);
  const rows = new Map(
    (
      await listMatchesByIds(
        db,
        chosen.map((c) => c.matchId),
      )
    ).map((r) => [r.match.id, r]),
  );
  return {
    settings,
    nextDigestAt: nextDigestAt(new Date(), settings, finished),
    // A match replaced since the candidates were read is simply left out.
    matches: chosen.flatMap((c) => rows.get(c.matchId) ?? []),
  };
}

/**
 * Deletes the person's account (db/queries/accounts.ts `deleteAccount`), and their organisation with it when
 * they are its last member, in a transaction of its own. Refused while that organisation convenes a
 * consortium other organisations are in: it would go for them too. Answers whether the organisation went.
 * A matching job writing the same posts' matches at that moment may deadlock with the deletion's cascades:
 * the transaction is then run again (PostgreSQL chose it as the one to stop, so the job has gone ahead).
 */
export async function deleteMyAccount(db: Database, viewer: Pick<Viewer, 'userId' | 'organisationId'>) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction((tx) => deleteMyAccountIn(tx, viewer));
    } catch (err) {
      if (attempt >= 3 || !isRetryable(err)) throw err;
    }
  }
}

/** A deadlock or a serialisation failure: the transaction may simply be run again. */
function isRetryable(err: unknown): boolean {
  const codeOf = (e: unknown) => (e as { code?: unknown } | null)?.code;
  const code = codeOf(err) ?? codeOf((err as { cause?: unknown } | null)?.cause);
  return code === '40P01' || code === '40001';
}

async function deleteMyAccountIn(tx: Executor, viewer: Pick<Viewer, 'userId' | 'organisationId'>) {
  const members = await lockOrganisationMembers(tx, viewer.organisationId);
  const user = await getUser(tx, viewer.userId);
  if (!user || user.organisationId !== viewer.organisationId) throw notFound('This account');
  const last = members <= 1;
  if (last) {
    const convened = await listConvenedConsortiaWithOthers(tx, viewer.organisationId);
    if (convened.length > 0) {
      throw new HttpProblem(
        409,
        'convener_of_consortium',
        'Your organisation convenes a consortium others are in',
        `You are the last member of your organisation, which convenes ${convened
          .map((c) => `“${c.title}”`)
          .join(
            ', ',
          )}: deleting your account would delete it for its other members. Close it first (or ask the operator to hand it over), then delete your account.`,
        undefined,
        { consortia: convened.map((c) => ({ id: c.id, title: c.title })) },
      );
    }
  }
  await deleteAccount(tx, user, last);
  return { organisationDeleted: last };
}
