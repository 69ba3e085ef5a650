import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { renderExpiryReminder } from '../../core/email/render.js';
import { ACTION_LINK_DAYS, expiryAfterDays, signLink } from '../../core/links.js';
import { isDueForReminder, POST_LIFETIME_MONTHS } from '../../core/policy.js';
import type { Database, Executor } from '../../db/client.js';
import { listSentEmailsFor, recordSentEmail } from '../../db/queries/consortia.js';
import { listContactsFor } from '../../db/queries/introductions.js';
import {
  getNeed,
  getOffering,
  listPostsDueForReminder,
  markExpiryReminded,
  type ReminderCursor,
} from '../../db/queries/posts.js';
import { isPermanentRejection, messageIdFor, type Mailer } from '../mailer.js';
import { enqueueExpiryReminder, ExpiryReminderJobSchema, parseJob, type NotificationJob } from '../queues.js';

// A post's lifecycle: EXPIRY_REMINDER_DAYS before a need or an offering expires, its owner (the person who
// posted it, or if they are gone the organisation's people) is emailed once, per post and expiry date, with
// a signed link that renews it in one click (api/pages/links.ts). Expiry itself needs no job: liveness
// (core/policy.ts `isLive`) is read against the clock, so an expired post is out of matching, listings and
// digests the moment it expires.

export interface LifecycleDeps {
  db: Database;
  mailer: Mailer;
  config: Pick<Config, 'publicUrl' | 'appSecret'>;
  logger: Logger;
}

/** What the signed renew link names: the post and the expiry its email was about. */
export const renewTarget = (side: string, id: string, expiresAt: number) => `${side}/${id}/${expiresAt}`;

/** A tick enqueues at most this many new reminders per side; the rest wait for the next tick. */
export const REMINDERS_PER_TICK = 5000;

/**
 * Enqueues the reminders of the posts due for one (`listPostsDueForReminder`), the soonest to expire first:
 * one job per post and expiry date, asked for again on every tick until it is marked sent, so that a job
 * lost with Redis is not lost. Many posts may fall due at once (0015's backfill gave every older post the
 * same expiry): a tick enqueues at most `cap` new jobs per side, passing over the posts whose job is still
 * waiting or running, so that the next tick (an hour later) goes on with the rest rather than asking again
 * for the same ones. Answers how many posts were due (of those it read), how many jobs it enqueued, and
 * whether it stopped at the cap with more left for the next tick.
 */
export async function lifecycleTick(
  db: Executor,
  queue: Queue<NotificationJob>,
  now = new Date(),
  cap = REMINDERS_PER_TICK,
) {
  let due = 0;
  let enqueued = 0;
  let more = false;
  for (const side of ['need', 'offering'] as const) {
    let added = 0;
    let after: ReminderCursor | undefined;
    reading: for (;;) {
      const page = await listPostsDueForReminder(db, side, now, cap, after);
      for (const p of page.posts) {
        if (added === cap) {
          more = true;
          break reading;
        }
        due++;
        if (await enqueueExpiryReminder(queue, { side, id: p.id, expiresAt: p.expiresAt.getTime() })) added++;
      }
      if (!page.next) break;
      after = page.next;
    }
    enqueued += added;
  }
  return { due, enqueued, more };
}

/**
 * Sends the reminder of an `ExpiryReminderJob` (parsed here) to each of the post's owners not yet reached
 * for this expiry (recorded per person in `sent_emails` as each goes: a retry after a failure part-way
 * sends only what is still owed), then marks the post reminded of that date. Nothing is owed for a post
 * renewed, closed, expired or deleted since the job was enqueued.
 */
export async function sendExpiryReminder(deps: LifecycleDeps, data: unknown, now = new Date()): Promise<string> {
  const job = parseJob(ExpiryReminderJobSchema, 'expiry-reminder', data);
  const { config } = deps;
  const found = job.side === 'need' ? await getNeed(deps.db, job.id) : await getOffering(deps.db, job.id);
  if (!found) return 'gone';
  const { post } = found;
  if (post.expiresAt.getTime() !== job.expiresAt || !isDueForReminder(post, now)) return 'moot';
  const expiresAt = post.expiresAt;
  const key = `expiry-reminder.${job.side}.${post.id}.${job.expiresAt}`;
  const done = await listSentEmailsFor(deps.db, key);
  // The link works for a while after the expiry too: an expired post comes back when renewed.
  const linkExpiry = expiryAfterDays(expiresAt, ACTION_LINK_DAYS);
  let sent = 0;
  for (const to of await listContactsFor(deps.db, post.organisationId, post.createdBy)) {
    if (done.has(to.id)) continue;
    const token = signLink(config.appSecret, {
      action: 'renew-post',
      userId: to.id,
      targetId: renewTarget(job.side, post.id, job.expiresAt),
      expiresAt: linkExpiry,
    });
    const email = renderExpiryReminder({
      recipientName: to.name,
      side: job.side,
      title: post.title,
      expiresAt,
      months: POST_LIFETIME_MONTHS,
      renewUrl: `${config.publicUrl}/a/${token}`,
      postUrl: `${config.publicUrl}/${job.side}s/${post.id}`,
      settingsUrl: `${config.publicUrl}/settings`,
    });
    const messageId = messageIdFor(key, to.id, config.publicUrl);
    let error: string | null = null;
    try {
      await deps.mailer.send({ ...email, to: { name: to.name, address: to.email }, messageId });
      sent++;
    } catch (err) {
      if (!isPermanentRejection(err)) throw err;
      error = (err as Error).message.slice(0, 500);
      deps.logger.warn({ key, err: error }, 'expiry reminder rejected');
    }
    await recordSentEmail(deps.db, { key, userId: to.id, messageId, error });
  }
  await markExpiryReminded(deps.db, job.side, post.id, expiresAt);
  return `sent ${sent}`;
}
