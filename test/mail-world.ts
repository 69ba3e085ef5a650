import type { Job } from 'bullmq';
import { pino, type Logger } from 'pino';
import { enqueueDueDigests } from '../worker/processors/digest.js';
import { startWorker } from '../worker/index.js';
import { waitForMatching } from '../scripts/harness.js';
import { startTestApp, type TestApp } from './helpers.js';
import { startSmtp, type TestSmtp } from './smtp.js';

/**
 * The API, a worker sending to an in-process SMTP server, and a private database and queue prefix: what a
 * test of digests and introductions needs to see the emails a person would see.
 */
export async function startMailWorld(
  options: {
    smtp?: Parameters<typeof startSmtp>[0];
    /** Variables of the test's configuration (see `testConfig`). */
    env?: Record<string, string>;
    /** Where the API and the worker log; silent by default. */
    logger?: Logger;
  } = {},
) {
  const t: TestApp = await startTestApp(options.env, { logger: options.logger });
  const smtp: TestSmtp = await startSmtp(options.smtp);
  const config = { ...t.config, smtpUrl: smtp.url };
  const worker = await startWorker(
    { config, logger: options.logger ?? pino({ level: 'silent' }), db: t.db.db },
    { concurrency: 2, mailConcurrency: 4 },
  );
  return {
    t,
    smtp,
    worker,
    /** Waits until every post is matched. */
    matched: () => waitForMatching(t.db, 30_000),
    /**
     * Sends now the digest of everyone whose digests are on (`npm run digest -- --now`), as at `now`, and
     * waits until each is finished. Answers the digests of that run.
     */
    async runDigests(now = new Date()) {
      const jobs = await enqueueDueDigests(t.db.db, t.deps.notificationsQueue, { now, everyone: true });
      return waitForDigests(t, jobs);
    },
    /** Waits until no introduction email is owed. */
    async introductionEmailsSent() {
      await until(async () => {
        const [row] = await t.db.sql<{ owed: number }[]>`
          select count(*)::int as owed from introductions
          where notified_status is distinct from status or (reminded_at is not null and remind_notified_at is null)`;
        return row!.owed === 0;
      });
    },
    async close() {
      await worker.close();
      await smtp.stop();
      await t.close();
    },
  };
}

export type MailWorld = Awaited<ReturnType<typeof startMailWorld>>;

export async function waitForDigests(t: TestApp, jobs: { userId: string; period: string }[], timeoutMs = 30_000) {
  if (jobs.length === 0) return [];
  const users = jobs.map((j) => j.userId);
  const periods = [...new Set(jobs.map((j) => j.period))];
  let rows: { userId: string; period: string; status: string; messageId: string | null }[] = [];
  await until(async () => {
    rows = await t.db.sql`
      select user_id as "userId", period, status, message_id as "messageId" from digests
      where user_id = any(${users}::uuid[]) and period = any(${periods})`;
    const finished = new Set(rows.filter((r) => r.status !== 'pending').map((r) => `${r.userId}/${r.period}`));
    return jobs.every((j) => finished.has(`${j.userId}/${j.period}`));
  }, timeoutMs);
  return rows;
}

/**
 * Waits until a job has finished, by its state in Redis: answers its result, or throws its failure reason.
 * (A QueueEvents subscription misses a job that finishes before it is listening.)
 */
export async function jobFinished(t: TestApp, job: Job, timeoutMs = 20_000): Promise<unknown> {
  const queue = job.queueName === t.deps.matchingQueue.name ? t.deps.matchingQueue : t.deps.notificationsQueue;
  let state = '';
  await until(async () => {
    state = await queue.getJobState(job.id!);
    return state === 'completed' || state === 'failed';
  }, timeoutMs);
  const finished = (await queue.getJob(job.id!))!;
  if (state === 'failed') throw new Error(finished.failedReason);
  return finished.returnvalue;
}

export async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
