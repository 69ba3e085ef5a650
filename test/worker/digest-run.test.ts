import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDigestAudience } from '../../bench/digest-data.js';
import { StalledRunError } from '../../scripts/cli.js';
import { runDigests } from '../../scripts/digest.js';
import { enqueueDueDigests } from '../../worker/processors/digest.js';
import { startTestApp, type TestApp } from '../helpers.js';

let t: TestApp;
let userIds: string[];

beforeAll(async () => {
  t = await startTestApp();
  await seedDigestAudience(t.db.sql, 20);
  userIds = (await t.db.sql<{ id: string }[]>`select id from users order by email`).map((u) => u.id);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('a digest run for some users only', () => {
  it('enqueues the digests of those users and of nobody else', async () => {
    const chosen = userIds.slice(0, 3);
    const jobs = await enqueueDueDigests(t.db.db, t.deps.notificationsQueue, { everyone: true, users: chosen });
    expect(jobs.map((j) => j.userId).sort()).toEqual([...chosen].sort());
    const queued = await t.deps.notificationsQueue.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(queued.map((j) => (j.data as { userId: string }).userId).sort()).toEqual([...chosen].sort());
  });
});

describe('a digest run that stalls', () => {
  it('gives up with a message naming how many finished, and what to check', async () => {
    // No worker runs: nothing finishes.
    const chosen = userIds.slice(5, 9);
    const started = Date.now();
    const run = runDigests(t.config, t.db, { everyone: true, users: chosen, ownWorker: false, stallSeconds: 2 });
    await expect(run).rejects.toThrow(StalledRunError);
    await expect(run).rejects.toThrow(
      'No digest has finished in 2 s (0 of 4 done): is a worker running, and are PostgreSQL, Redis and the mail ' +
        'server reachable? Run the command again to resume: nothing is sent twice.',
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
