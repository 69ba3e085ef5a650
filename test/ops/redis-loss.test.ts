import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDigestAudience } from '../../bench/digest-data.js';
import { enqueueDueDigests } from '../../worker/processors/digest.js';
import { enqueueMatch } from '../../worker/queues.js';
import { clearRedisPrefix, spawnWorkerProcess, startTestApp, type TestApp, stopProcess } from '../helpers.js';
import { pendingNeeds as countPending, seedGeneratedPosts } from '../generated-posts.js';
import { until, waitForDigests } from '../mail-world.js';
import { startSmtp, type TestSmtp } from '../smtp.js';

// Redis restarted without persistence loses every queued job and every scheduler. Here the queue prefix's
// keys are deleted in the middle of a matching run and a digest run: the worker re-creates its schedulers,
// the sweep finds the posts whose jobs were lost and the digest tick the digests, and nothing is lost.

let t: TestApp;
let smtp: TestSmtp;
let worker: ChildProcess;
const RECIPIENTS = 300;

const pendingNeeds = () => countPending(t);

beforeAll(async () => {
  t = await startTestApp();
  smtp = await startSmtp();
  await seedGeneratedPosts(t, { needs: 300, offerings: 200, seed: 13 });
  await seedDigestAudience(t.db.sql, RECIPIENTS);
  // Daily at this hour: every seeded person's digest is due now, so the tick finds the lost ones.
  await t.db.sql`
    update users set digest_frequency = 'daily', timezone = 'UTC', digest_hour = extract(hour from now() at time zone 'UTC')
    where email like 'seed-%'`;
  worker = spawnWorkerProcess(t.config, { SMTP_URL: smtp.url, WORKER_CONCURRENCY: '1', MAIL_CONCURRENCY: '2' });
}, 120_000);

afterAll(async () => {
  if (worker) await stopProcess(worker);
  await smtp?.stop();
  await t?.close();
});

describe('Redis losing its data mid-run', () => {
  it('loses nothing: every need is matched and every digest sent, at most one twice', async () => {
    // The generated needs' matching jobs, as their posting would have queued them.
    for (const need of await t.db.sql<{ id: string; version: number }[]>`
      select id, version from needs where matched_version is distinct from version`) {
      await enqueueMatch(t.deps.matchingQueue, { side: 'need', id: need.id, version: need.version });
    }
    const jobs = await enqueueDueDigests(t.db.db, t.deps.notificationsQueue);
    expect(jobs).toHaveLength(RECIPIENTS);
    await until(async () => (await smtp.messages()).length >= 40 && (await pendingNeeds()) < 300, 120_000);
    expect(await pendingNeeds()).toBeGreaterThan(0);

    await clearRedisPrefix(t.config.queuePrefix);
    const sentAtLoss = (await smtp.messages()).length;
    expect(sentAtLoss).toBeLessThan(RECIPIENTS);

    // The schedulers come back within a check (15 s) and their jobs run at once.
    await until(async () => (await pendingNeeds()) === 0, 180_000);
    const rows = await waitForDigests(t, jobs, 180_000);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(RECIPIENTS);
    const perRecipient = new Map<string, number>();
    for (const m of await smtp.messages()) perRecipient.set(m.to, (perRecipient.get(m.to) ?? 0) + 1);
    expect(perRecipient.size).toBe(RECIPIENTS);
    const duplicates = [...perRecipient.values()].reduce((sum, n) => sum + (n - 1), 0);
    expect(duplicates).toBeLessThanOrEqual(1);
    expect(worker.exitCode).toBeNull();

    // The schedulers are back.
    const schedulers = await t.deps.matchingQueue.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toContain('sweep-unmatched');
    await request(t.app).get('/readyz').expect(200);
  }, 400_000);
});
