import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { composeDigest } from '../../core/digest/compose.js';
import { digestPeriod, dueDigestPeriod } from '../../core/digest/schedule.js';
import { renderDigest, type DigestItemView } from '../../core/email/render.js';
import { ACTION_LINK_DAYS, expiryAfterDays, signLink } from '../../core/links.js';
import type { MatchExplanation } from '../../core/matching/explain.js';
import type { Database } from '../../db/client.js';
import {
  claimDigest,
  digestAudience,
  digestCandidates,
  digestContents,
  findRecipient,
  finishDigest,
  finishedDigests,
  insertDigestItems,
  lockDigest,
  unsentDigests,
} from '../../db/queries/digests.js';
import { isPermanentRejection, messageIdFor, type Mailer } from '../mailer.js';
import { enqueueDigests, requeueDigest, type DigestJob, type NotificationJob } from '../queues.js';

export interface DigestDeps {
  db: Database;
  mailer: Mailer;
  config: Pick<Config, 'publicUrl' | 'appSecret'>;
  logger: Logger;
}

export type DigestOutcome = 'sent' | 'empty' | 'failed' | 'cancelled' | 'already-done' | 'off';

/**
 * Sends one user's digest for one period, at most once whatever crashes and retries happen.
 *
 * 1. Claim the (user, period) row and compose in one transaction: the chosen pairs are written with it, so a
 *    retry sends exactly the same email, and no pair goes into two digests (a unique key per user and pair).
 * 2. Send while holding the row's lock, then mark it sent in the same transaction. Two runs of one job take
 *    turns on the lock; the second finds it sent. A crash after the send and before the commit resends the
 *    same email with the same Message-ID once: at most one duplicate per crash.
 * A mail server that is away or answers 4xx throws, and the job is retried with backoff; a 5xx is final.
 */
export async function sendDigest(deps: DigestDeps, job: DigestJob): Promise<DigestOutcome> {
  const { db } = deps;
  const recipient = await findRecipient(db, job.userId);
  if (!recipient || recipient.frequency === 'off') return 'off'; // deleted, or unsubscribed, since

  const digestId = await db.transaction(async (tx) => {
    const row = await claimDigest(tx, job.userId, job.period);
    if (row.status !== 'pending') return null;
    if (!row.created) return row.id; // composed by an earlier attempt: send what it chose
    const chosen = composeDigest(
      await digestCandidates(tx, { userId: job.userId, organisationId: recipient.organisationId }),
    );
    const written = await insertDigestItems(tx, row.id, job.userId, chosen);
    if (written.length === 0) {
      await finishDigest(tx, row.id, { status: 'empty' });
      return null;
    }
    return row.id;
  });
  if (!digestId) return 'already-done';

  return db.transaction(async (tx) => {
    const row = await lockDigest(tx, digestId);
    if (!row || row.status !== 'pending') return 'already-done';
    if (row.frequency === 'off') {
      // Unsubscribed after the digest was composed: nothing goes out after the click.
      await finishDigest(tx, digestId, { status: 'cancelled' });
      return 'cancelled';
    }
    const contents = await digestContents(tx, digestId);
    if (contents.length === 0) {
      // Every pair went away between composing and sending (posts closed, marked not relevant).
      await finishDigest(tx, digestId, { status: 'empty' });
      return 'empty';
    }
    const now = new Date();
    const link = (action: 'request-introduction' | 'not-relevant', pair: string) =>
      `${deps.config.publicUrl}/a/${signLink(deps.config.appSecret, {
        action,
        userId: recipient.id,
        targetId: pair,
        expiresAt: expiryAfterDays(now, ACTION_LINK_DAYS),
      })}`;
    const items: DigestItemView[] = contents.map((c) => {
      const ownNeed = c.need.organisationId === recipient.organisationId;
      const explanation = c.explanation as MatchExplanation;
      const pair = `${c.needId}/${c.offeringId}`;
      return {
        side: ownNeed ? 'need' : 'offering',
        ownTitle: ownNeed ? c.need.title : c.offering.title,
        counterpartTitle: ownNeed ? c.offering.title : c.need.title,
        counterpartOrganisation: ownNeed
          ? `${c.offeringOrg.name} (${c.offeringOrg.kind})`
          : c.need.anonymous
            ? 'An anonymous biomanufacturer'
            : `${c.needOrg.name} (${c.needOrg.kind})`,
        score: c.score,
        summary: explanation.summary,
        capabilities: explanation.capabilities.map((x) => x.name),
        terms: explanation.terms,
        requestIntroductionUrl: link('request-introduction', pair),
        notRelevantUrl: link('not-relevant', pair),
      };
    });
    const unsubscribeUrl = `${deps.config.publicUrl}/u/${signLink(deps.config.appSecret, {
      action: 'unsubscribe',
      userId: recipient.id,
    })}`;
    const email = renderDigest({
      recipientName: recipient.name,
      organisationName: recipient.organisationName,
      frequency: recipient.frequency === 'daily' ? 'daily' : 'weekly',
      items,
      unsubscribeUrl,
    });
    const messageId = messageIdFor('digest', digestId, deps.config.publicUrl);
    try {
      await deps.mailer.send({
        ...email,
        to: { name: recipient.name, address: recipient.email },
        messageId,
        unsubscribeUrl,
      });
    } catch (err) {
      if (!isPermanentRejection(err)) throw err;
      await finishDigest(tx, digestId, { status: 'failed', error: (err as Error).message.slice(0, 500) });
      deps.logger.warn({ userId: recipient.id, err: (err as Error).message }, 'digest rejected by the mail server');
      return 'failed';
    }
    await finishDigest(tx, digestId, { status: 'sent', messageId });
    return 'sent';
  });
}

/**
 * Finds the digests due now and enqueues one job each under its deterministic id: users whose chosen hour
 * has come (or came within the grace hours) and whose digest for that period is not finished, and digests
 * claimed earlier but never sent. With `everyone`, every user whose digests are on, for the current period.
 */
export async function enqueueDueDigests(
  db: Database,
  queue: Queue<NotificationJob>,
  options: { now?: Date; everyone?: boolean } = {},
): Promise<DigestJob[]> {
  const now = options.now ?? new Date();
  const jobs: DigestJob[] = [];
  for (const group of await digestAudience(db)) {
    const period = options.everyone ? digestPeriod(now, group) : dueDigestPeriod(now, group);
    if (!period) continue;
    for (let i = 0; i < group.userIds.length; i += 5000) {
      const ids = group.userIds.slice(i, i + 5000);
      const finished = await finishedDigests(db, ids, period);
      for (const userId of ids) if (!finished.has(userId)) jobs.push({ userId, period });
    }
  }
  await enqueueDigests(queue, jobs);
  if (!options.everyone) for (const stuck of await unsentDigests(db)) await requeueDigest(queue, stuck);
  return jobs;
}
