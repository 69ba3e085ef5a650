// A person's own account, for the API (api/routes/me.ts) and the settings pages alike: their data to take
// away, their next digest, and leaving.

import { composeDigest } from '../../core/digest/compose.js';
import { nextDigestAt } from '../../core/digest/schedule.js';
import { isLastMember } from '../../core/policy.js';
import { transactionRetrying, type Executor } from '../../db/client.js';
import {
  deleteAccount,
  type AccountTraces,
  getUser,
  listConvenedConsortiaWithOthers,
  lockOrganisationMembers,
} from '../../db/queries/accounts.js';
import { getDigestSettings, listDigestCandidates, listFinishedDigestPeriods } from '../../db/queries/digests.js';
import { listExportOf } from '../../db/queries/export.js';
import { listMatchesByIds } from '../../db/queries/matches.js';
import { accountEmailJobId, digestJobId } from '../../worker/queues.js';
import type { Viewer } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { HttpProblem, notFound } from '../problem.js';

/** Everything held about the person and their organisation's posts, as the file `GET /v1/me/export` answers. */
export async function exportMyData(db: Executor, viewer: Pick<Viewer, 'userId' | 'organisationId'>) {
  const data = await listExportOf(db, viewer.userId, viewer.organisationId);
  return { exportedAt: new Date().toISOString(), ...data };
}

/** The name of the export's file, dated. */
export const exportFileName = (at = new Date()) => `roadmatch-export-${at.toISOString().slice(0, 10)}.json`;

/**
 * When the person's next digest is due: the next due hour of a period whose digest is not already finished
 * (the settings page and the preview alike). Null when digests are off.
 */
export async function nextDigestOf(db: Executor, userId: string, now = new Date()) {
  const [settings, finished] = await Promise.all([
    getDigestSettings(db, userId),
    listFinishedDigestPeriods(db, userId),
  ]);
  return { settings, nextDigestAt: nextDigestAt(now, settings, finished) };
}

/**
 * What the person's next digest would hold if it were sent now (the worker's own choice of matches), and
 * when it is due (`nextDigestOf`).
 */
export async function previewDigest(db: Executor, viewer: Pick<Viewer, 'userId' | 'organisationId'>) {
  const [next, candidates] = await Promise.all([nextDigestOf(db, viewer.userId), listDigestCandidates(db, viewer)]);
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
    settings: next.settings,
    nextDigestAt: next.nextDigestAt,
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
 * Once it is committed, the jobs that held their address, name or id in Redis go too (`forgetJobsOf`).
 */
export async function deleteMyAccount(
  deps: Pick<AppDeps, 'db' | 'notificationsQueue' | 'logger'>,
  viewer: Pick<Viewer, 'userId' | 'organisationId'>,
) {
  const done = await transactionRetrying(deps.db, (tx) => deleteMyAccountIn(tx, viewer));
  await forgetJobsOf(deps, viewer.userId, done.traces);
  return { organisationDeleted: done.organisationDeleted };
}

/**
 * Removes a deleted person's jobs from the notifications queue, by their ids: the account emails (their
 * address and, for a signup, their name and organisation's) and their digests (their id). A job still running
 * is left (it finds the person gone, and it is kept a day at most); Redis away leaves them to their retention
 * (a day once done, seven once failed: worker/queues.ts `notificationsQueue`).
 */
export async function forgetJobsOf(
  deps: Pick<AppDeps, 'notificationsQueue' | 'logger'>,
  userId: string,
  traces: AccountTraces,
): Promise<void> {
  const ids = [
    ...traces.accountRequestIds.map(accountEmailJobId),
    ...traces.digestPeriods.map((period) => digestJobId({ userId, period })),
  ];
  for (const id of ids) {
    try {
      await deps.notificationsQueue.remove(id);
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message, job: id }, 'could not remove a deleted person’s job');
    }
  }
}

async function deleteMyAccountIn(tx: Executor, viewer: Pick<Viewer, 'userId' | 'organisationId'>) {
  const members = await lockOrganisationMembers(tx, viewer.organisationId);
  const user = await getUser(tx, viewer.userId);
  if (!user || user.organisationId !== viewer.organisationId) throw notFound('This account');
  const last = isLastMember(members);
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
  const traces = await deleteAccount(tx, user, last);
  return { organisationDeleted: last, traces };
}
