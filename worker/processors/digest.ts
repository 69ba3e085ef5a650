import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { composeCommonNeeds, composeDigest } from '../../core/digest/compose.js';
import { digestPeriod, dueDigestPeriod, lastDueAt } from '../../core/digest/schedule.js';
import { renderDigest, type DigestItemView } from '../../core/email/render.js';
import { ACTION_LINK_DAYS, expiryAfterDays, signLink } from '../../core/links.js';
import type { MatchExplanation } from '../../core/matching/explain.js';
import { revealsNeedOwner } from '../../core/policy.js';
import type { Database, Executor } from '../../db/client.js';
import {
  claimedDigestStatus,
  claimDigest,
  listCommunityCandidates,
  listDigestAudience,
  listDigestCandidates,
  finishDigest,
  finishedDigests,
  insertDigestItems,
  insertDigestNotices,
  markDigestPending,
  MAX_NOTICES,
  listUnsentDigests,
} from '../../db/queries/digests.js';
import { isPermanentRejection, messageIdFor, type Mailer } from '../mailer.js';
import { digestLag } from '../metrics.js';
import {
  DigestJobSchema,
  enqueueDigests,
  parseJob,
  requeueDigest,
  type DigestJob,
  type NotificationJob,
} from '../queues.js';

export interface DigestDeps {
  db: Database;
  mailer: Mailer;
  config: Pick<Config, 'publicUrl' | 'appSecret'>;
  logger: Logger;
}

export type DigestOutcome = 'sent' | 'empty' | 'failed' | 'cancelled' | 'already-done' | 'gone';

/**
 * Sends one user's digest for one period, at most once whatever crashes and retries happen, in one
 * transaction: claim the (user, period) row (locked, so two runs of one job take turns and the second finds
 * it done), compose from the matches not yet sent, write the chosen pairs (a unique key per user and pair:
 * no pair goes to a person twice), send, and mark it sent. A crash after the send and before the commit
 * rolls all of it back, and the retry sends the digest again, once, under the same Message-ID (derived from
 * user and period). A mail server that is away or answers 4xx throws, and the job is retried with backoff;
 * a 5xx is recorded as final.
 */
export async function sendDigest(deps: DigestDeps, data: unknown): Promise<DigestOutcome> {
  const job = parseJob(DigestJobSchema, 'digest', data);
  let leaveWindow: (() => void) | undefined;
  let settled = false;
  const enterWindow = async () => {
    const leave = await sendWindow.acquire();
    // A transaction whose connection is cut settles at once while its callback runs on: it must neither send
    // nor keep the window that nobody would then release.
    if (settled) {
      leave();
      throw new Error('the digest transaction ended before its email was sent');
    }
    leaveWindow = leave;
  };
  try {
    return await deps.db
      .transaction((tx) => composeAndSend(deps, tx, job, enterWindow))
      .finally(() => {
        // as soon as the transaction has settled, before anything else
        settled = true;
        leaveWindow?.();
      });
  } catch (err) {
    // Marked pending, a digest whose job is lost or gives up is found by the tick and tried again.
    await markDigestPending(deps.db, job.userId, job.period, (err as Error).message.slice(0, 500)).catch(() => {});
    throw err;
  }
}

/**
 * One digest at a time per process between the start of its send and its commit: a crash then resends at
 * most that one. Composing, the slow part, still runs at MAIL_CONCURRENCY.
 */
class Mutex {
  private last: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const previous = this.last;
    this.last = previous.then(() => held);
    return previous.then(() => release);
  }
}
const sendWindow = new Mutex();

async function composeAndSend(
  deps: DigestDeps,
  tx: Executor,
  job: DigestJob,
  enterSendWindow: () => Promise<void>,
): Promise<DigestOutcome> {
  const { config } = deps;
  const claim = await claimDigest(tx, job.userId, job.period);
  if (!claim) return 'gone';
  if (claim.status !== 'pending') return 'already-done';
  if (claim.frequency === 'off') {
    // Unsubscribed after the job was queued: nothing goes out after the click.
    await finishDigest(tx, claim.id, { status: 'cancelled' });
    return 'cancelled';
  }
  const composed = composeDigest(
    await listDigestCandidates(tx, { userId: job.userId, organisationId: claim.organisationId }),
  );
  const written = new Set(
    (await insertDigestItems(tx, claim.id, job.userId, composed)).map((w) => `${w.needId}/${w.offeringId}`),
  );
  const chosen = composed.filter((c) => written.has(`${c.needId}/${c.offeringId}`));
  const community = await composeCommunity(tx, claim.id, job.userId, claim.organisationId, config.publicUrl);
  if (chosen.length === 0 && community.count === 0) {
    await finishDigest(tx, claim.id, { status: 'empty' });
    return 'empty';
  }

  const now = new Date();
  const link = (action: 'request-introduction' | 'not-relevant', pair: string) =>
    `${config.publicUrl}/a/${signLink(config.appSecret, {
      action,
      userId: job.userId,
      targetId: pair,
      expiresAt: expiryAfterDays(now, ACTION_LINK_DAYS),
    })}`;
  const items: DigestItemView[] = chosen.map((c) => {
    const ownNeed = c.needOrganisationId === claim.organisationId;
    const explanation = c.explanation as MatchExplanation;
    const pair = `${c.needId}/${c.offeringId}`;
    return {
      side: ownNeed ? 'need' : 'offering',
      ownTitle: ownNeed ? c.needTitle : c.offeringTitle,
      counterpartTitle: ownNeed ? c.offeringTitle : c.needTitle,
      // The other side's page, as a match card links to it (an anonymous need's keeps its owner hidden there).
      counterpartUrl: `${config.publicUrl}/${ownNeed ? `offerings/${c.offeringId}` : `needs/${c.needId}`}`,
      counterpartOrganisation: ownNeed
        ? `${c.offeringOrganisationName} (${c.offeringOrganisationKind})`
        : !revealsNeedOwner({ anonymous: c.needAnonymous, organisationId: c.needOrganisationId }, claim.organisationId)
          ? 'An anonymous biomanufacturer'
          : `${c.needOrganisationName} (${c.needOrganisationKind})`,
      score: c.score,
      summary: explanation.summary,
      capabilities: explanation.capabilities.map((x) => x.name),
      terms: explanation.terms,
      requestIntroductionUrl: link('request-introduction', pair),
      notRelevantUrl: link('not-relevant', pair),
    };
  });
  const unsubscribeUrl = `${config.publicUrl}/u/${signLink(config.appSecret, {
    action: 'unsubscribe',
    userId: job.userId,
  })}`;
  const email = renderDigest({
    recipientName: claim.name,
    organisationName: claim.organisationName,
    frequency: claim.frequency,
    items,
    commonNeeds: community.commonNeeds,
    groups: community.groups,
    consortia: community.consortia,
    unsubscribeUrl,
    settingsUrl: `${config.publicUrl}/settings`,
  });
  const messageId = messageIdFor('digest', `${job.userId}.${job.period}`, config.publicUrl);
  await enterSendWindow(); // held until the transaction has committed (or failed)
  // The connection may have been cut while this job waited for the window: make sure the transaction is
  // alive before the email goes, or its commit would fail after the send and the retry send it again.
  await claimedDigestStatus(tx, claim.id);
  try {
    await deps.mailer.send({ ...email, to: { name: claim.name, address: claim.email }, messageId, unsubscribeUrl });
  } catch (err) {
    if (!isPermanentRejection(err)) throw err;
    await finishDigest(tx, claim.id, { status: 'failed', error: (err as Error).message.slice(0, 500) });
    deps.logger.warn({ userId: job.userId, err: (err as Error).message }, 'digest rejected by the mail server');
    return 'failed';
  }
  await finishDigest(tx, claim.id, { status: 'sent', messageId });
  const dueAt = lastDueAt(now, claim);
  if (dueAt) digestLag.observe((Date.now() - dueAt.getTime()) / 1000);
  return 'sent';
}

/**
 * The community news of a digest: the recipient's needs that others need too, and in what they follow the
 * new common-need groups and consortia forming or at work; each written to `digest_notices` so it goes out once.
 */
async function composeCommunity(
  tx: Executor,
  digestId: string,
  userId: string,
  organisationId: string,
  publicUrl: string,
) {
  const found = await listCommunityCandidates(tx, { userId, organisationId });
  const commonNeeds = composeCommonNeeds(found.commonNeeds, MAX_NOTICES);
  const written = await insertDigestNotices(tx, digestId, userId, [
    ...commonNeeds.flatMap((c) => c.others.map((o) => ({ kind: 'common-need' as const, subjectId: o.needId }))),
    ...found.groups.map((g) => ({ kind: 'common-group' as const, subjectId: g.id })),
    ...found.consortia.map((c) => ({ kind: 'consortium' as const, subjectId: c.id })),
  ]);
  const sections = commonNeeds
    .map((c) => ({ ...c, others: c.others.filter((o) => written.has(`common-need/${o.needId}`)) }))
    .filter((c) => c.others.length > 0)
    .map((c) => ({ ...c, url: `${publicUrl}/needs/${c.ownNeedId}` }));
  const groups = found.groups
    .filter((g) => written.has(`common-group/${g.id}`))
    .map((g) => ({ ...g, url: `${publicUrl}/common-needs/${g.id}` }));
  const consortia = found.consortia
    .filter((c) => written.has(`consortium/${c.id}`))
    .map((c) => ({ ...c, url: `${publicUrl}/consortia/${c.id}` }));
  return { commonNeeds: sections, groups, consortia, count: sections.length + groups.length + consortia.length };
}

/**
 * Finds the digests due now and enqueues one job each under its deterministic id: users whose chosen hour
 * has come (or came within the grace hours) and whose digest for that period is not finished, and digests
 * claimed earlier but never sent. With `everyone`, every user whose digests are on, for the current period.
 * With `users`, only those users (the demo emails only its own people).
 */
export async function enqueueDueDigests(
  db: Database,
  queue: Queue<NotificationJob>,
  options: { now?: Date; everyone?: boolean; users?: string[] } = {},
): Promise<DigestJob[]> {
  const now = options.now ?? new Date();
  const only = options.users && new Set(options.users);
  const chosen = (userId: string) => !only || only.has(userId);
  const jobs: DigestJob[] = [];
  for (const group of await listDigestAudience(db)) {
    const period = options.everyone ? digestPeriod(now, group) : dueDigestPeriod(now, group);
    if (!period) continue;
    const userIds = group.userIds.filter(chosen);
    for (let i = 0; i < userIds.length; i += 5000) {
      const ids = userIds.slice(i, i + 5000);
      const finished = await finishedDigests(db, ids, period);
      for (const userId of ids) if (!finished.has(userId)) jobs.push({ userId, period });
    }
  }
  await enqueueDigests(queue, jobs);
  if (!options.everyone)
    for (const stuck of await listUnsentDigests(db)) if (chosen(stuck.userId)) await requeueDigest(queue, stuck);
  return jobs;
}
