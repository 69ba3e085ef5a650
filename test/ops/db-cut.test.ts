import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDigestAudience } from '../../bench/digest-data.js';
import { enqueueDueDigests } from '../../worker/processors/digest.js';
import { startRematch } from '../../worker/queues.js';
import { spawnWorkerProcess, startTestApp, type TestApp, stopProcess } from '../helpers.js';
import { pendingNeeds as countPending, seedGeneratedPosts } from '../generated-posts.js';
import { until, waitForDigests } from '../mail-world.js';
import { startSmtp, type TestSmtp } from '../smtp.js';

// An operator's `pg_terminate_backend` on every connection to the database, in the middle of a matching run
// and of a digest run: the worker (its own process) and the API (this one) stay up, jobs in flight fail and
// retry, and nothing is lost or sent twice more than once per cut.

let t: TestApp;
let smtp: TestSmtp;
let worker: ChildProcess;

/** Cuts every connection to the test database but the one that asks. */
async function cutConnections(): Promise<number> {
  const rows = await t.db.sql`
    select pg_terminate_backend(pid) from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid()`;
  return rows.length;
}

/** What a stalled run is doing: the queue's counts and the database sessions, for the failure message. */
async function whereItStands(): Promise<string> {
  const sessions = await t.db.sql`
    select state, wait_event, left(query, 80) as query from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid()`;
  const counts = await t.deps.notificationsQueue.getJobCounts();
  return `${(await smtp.messages()).length} sent; jobs ${JSON.stringify(counts)}; sessions ${JSON.stringify(sessions)}`;
}

const pendingNeeds = () => countPending(t);

beforeAll(async () => {
  t = await startTestApp();
  smtp = await startSmtp();
  await seedGeneratedPosts(t, { needs: 200, offerings: 200, seed: 11 });
  worker = spawnWorkerProcess(t.config, { SMTP_URL: smtp.url, WORKER_CONCURRENCY: '1' });
}, 120_000);

afterAll(async () => {
  if (worker) await stopProcess(worker);
  await smtp?.stop();
  await t?.close();
});

describe('connections to the database cut by the operator', () => {
  it('mid-matching: the worker and the API stay up, and every need is matched', async () => {
    await startRematch(t.db.db, t.deps.matchingQueue);
    let cuts = 0;
    for (const left of [150, 100, 50]) {
      await until(async () => (await pendingNeeds()) <= left, 120_000);
      if ((await cutConnections()) > 0) cuts++;
    }
    expect(cuts).toBeGreaterThan(0);
    await until(async () => (await pendingNeeds()) === 0, 180_000);
    expect(worker.exitCode).toBeNull();
    const ready = await request(t.app).get('/readyz');
    expect(ready.body).toMatchObject({ status: 'ready', postgres: 'ok' });
  }, 300_000);

  it('mid-digest-run: every digest is sent, at most once twice per cut, and both processes stay up', async () => {
    await seedDigestAudience(t.db.sql, 400);
    const jobs = await enqueueDueDigests(t.db.db, t.deps.notificationsQueue, { everyone: true });
    expect(jobs).toHaveLength(400);
    let cuts = 0;
    for (const sent of [60, 180, 300]) {
      await until(async () => (await smtp.messages()).length >= sent, 120_000).catch(async (e: Error) => {
        throw new Error(`${e.message} for ${sent} emails: ${await whereItStands()}`);
      });
      if ((await cutConnections()) > 0) cuts++;
    }
    const rows = await waitForDigests(t, jobs, 180_000);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(400);
    const perRecipient = new Map<string, number>();
    for (const m of await smtp.messages()) perRecipient.set(m.to, (perRecipient.get(m.to) ?? 0) + 1);
    expect(perRecipient.size).toBe(400);
    const duplicates = [...perRecipient.values()].reduce((sum, n) => sum + (n - 1), 0);
    expect(duplicates).toBeLessThanOrEqual(cuts);
    expect(worker.exitCode).toBeNull();
    await request(t.app).get('/readyz').expect(200);
  }, 300_000);
});
