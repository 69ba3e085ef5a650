import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDigestAudience } from '../../bench/digest-data.js';
import { enqueueDueDigests } from '../../worker/processors/digest.js';
import { spawnWorkerProcess, startTestApp, type TestApp, stopProcess } from '../helpers.js';
import { until, waitForDigests } from '../mail-world.js';
import { startSmtp, type TestSmtp } from '../smtp.js';

const RECIPIENTS = 1000;
let t: TestApp;
let smtp: TestSmtp;

const spawnWorker = () => spawnWorkerProcess(t.config, { SMTP_URL: smtp.url });

beforeAll(async () => {
  t = await startTestApp();
  smtp = await startSmtp();
  await seedDigestAudience(t.db.sql, RECIPIENTS);
}, 60_000);

afterAll(async () => {
  await smtp?.stop();
  await t?.close();
});

describe('a digest run whose worker is killed', () => {
  it('reaches every recipient, with at most one duplicate per kill', async () => {
    const jobs = await enqueueDueDigests(t.db.db, t.deps.notificationsQueue, { everyone: true });
    expect(jobs).toHaveLength(RECIPIENTS);

    // SIGKILL at random points of the run, restarting each time.
    let kills = 0;
    let worker = spawnWorker();
    for (const threshold of [100, 300, 500, 700]) {
      await until(async () => (await smtp.messages()).length >= threshold, 60_000);
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      await stopProcess(worker, 'SIGKILL');
      kills++;
      worker = spawnWorker();
    }
    try {
      // Jobs the killed workers held come back once their locks lapse (BullMQ's stalled-job check).
      const rows = await waitForDigests(t, jobs, 150_000).catch(async (err: Error) => {
        // Say why: the digests still pending and the jobs that gave up.
        const failed = await t.deps.notificationsQueue.getFailed(0, 20);
        const [pending] = await t.db.sql<
          { n: number }[]
        >`select count(*)::int as n from digests where status = 'pending'`;
        throw new Error(
          `${err.message}: ${pending?.n} digest rows pending, ${(await smtp.messages()).length} messages; failed jobs: ` +
            JSON.stringify(failed.map((j) => [j.id, j.failedReason])),
        );
      });
      expect(rows.filter((r) => r.status === 'sent')).toHaveLength(RECIPIENTS);
    } finally {
      await stopProcess(worker);
    }

    const perRecipient = new Map<string, number>();
    for (const m of await smtp.messages()) perRecipient.set(m.to, (perRecipient.get(m.to) ?? 0) + 1);
    expect(perRecipient.size).toBe(RECIPIENTS);
    const duplicates = [...perRecipient.values()].reduce((sum, n) => sum + (n - 1), 0);
    expect(duplicates).toBeLessThanOrEqual(kills);
    // A duplicate is the same email: same Message-ID as the digest row records.
    const ids = new Set((await smtp.messages()).map((m) => m.parsed.messageId));
    expect(ids.size).toBe(RECIPIENTS);
  }, 240_000);
});
