import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueDueDigests } from '../../worker/processors/digest.js';
import { startWorker } from '../../worker/index.js';
import { digestJobId } from '../../worker/queues.js';
import { sampleNeed, sampleOffering, signup, startTestApp, type TestApp } from '../helpers.js';
import { until, waitForDigests } from '../mail-world.js';
import { waitForMatching } from '../../scripts/harness.js';

let t: TestApp;
type Party = Awaited<ReturnType<typeof signup>>;
const people: Record<string, Party> = {};

async function settle(who: Party, settings: Record<string, unknown>) {
  await request(t.app).put('/v1/me/digest').set(who.auth).send(settings).expect(200);
}

beforeAll(async () => {
  t = await startTestApp();
  people.london = await signup(t.app, 'biomanufacturer', 'London Bio');
  people.tokyo = await signup(t.app, 'supplier', 'Tokyo Sensors');
  people.newYork = await signup(t.app, 'academic', 'New York Lab');
  people.kolkata = await signup(t.app, 'supplier', 'Kolkata Analytics');
  people.off = await signup(t.app, 'supplier', 'Quiet Supplier');
  await settle(people.london!, { timezone: 'Europe/London', weekday: 1, hour: 8 });
  await settle(people.tokyo!, { timezone: 'Asia/Tokyo', weekday: 1, hour: 8 });
  await settle(people.newYork!, { timezone: 'America/New_York', frequency: 'daily', hour: 3 });
  await settle(people.kolkata!, { timezone: 'Asia/Kolkata', weekday: 1, hour: 13 });
  await settle(people.off!, { frequency: 'off' });
});

afterAll(async () => {
  await t?.close();
  await rm(t.config.outboxDir, { recursive: true, force: true });
});

describe('the digest schedule', () => {
  // Monday 30 November 2026, 08:10 UTC.
  const now = new Date('2026-11-30T08:10:00Z');

  it('enqueues each person whose local hour has come, once, under a deterministic job id', async () => {
    const jobs = await enqueueDueDigests(t.db.db, t.deps.notificationsQueue, { now });
    const byName = Object.fromEntries(
      Object.entries(people).map(([name, p]) => [name, jobs.find((j) => j.userId === p.userId)?.period ?? null]),
    );
    expect(byName).toEqual({
      london: '2026-W49', // Monday 08:10 in London
      tokyo: null, // Monday 17:10 in Tokyo: its 08:00 was nine hours ago, past the grace hours
      newYork: '2026-11-30', // daily at 03:00, it is 03:10 in New York
      kolkata: '2026-W49', // Monday 13:40 in Kolkata: 13:00 came 40 minutes ago
      off: null,
    });
    // A second tick in the same hour (or a second worker's tick) adds no second job.
    await enqueueDueDigests(t.db.db, t.deps.notificationsQueue, { now: new Date(now.getTime() + 15 * 60_000) });
    const waiting = await t.deps.notificationsQueue.getJobs(['waiting']);
    expect(waiting.map((j) => j.id).sort()).toEqual(jobs.map(digestJobId).sort());
    // Tokyo's hour: Sunday 23:00 UTC.
    const tokyo = await enqueueDueDigests(t.db.db, t.deps.notificationsQueue, {
      now: new Date('2026-11-29T23:00:00Z'),
    });
    expect(tokyo.map((j) => j.userId)).toContain(people.tokyo!.userId);
  });

  it('runs one scheduler per tick whatever number of workers start, and they send to the outbox without SMTP', async () => {
    const logger = pino({ level: 'silent' });
    const first = await startWorker({ config: t.config, logger, db: t.db.db }, { concurrency: 1 });
    const second = await startWorker({ config: t.config, logger, db: t.db.db }, { concurrency: 1 });
    try {
      const schedulers = await t.deps.notificationsQueue.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual(['digest-tick', 'introductions-tick', 'lifecycle-tick']);
      expect((await t.deps.matchingQueue.getJobSchedulers()).map((s) => s.key)).toEqual(['sweep-unmatched']);

      // The digests the first test queued run as the workers start: empty, once they are done before any
      // match exists (a match made first would go in them, and next week's digest would have nothing new).
      await until(async () => {
        const left = await t.deps.notificationsQueue.getJobs(['waiting', 'active', 'delayed', 'prioritized']);
        return left.every((j) => j.name !== 'digest');
      });
      // Matches for London, so that its digest has something to say.
      await request(t.app).post('/v1/needs').set(people.london!.auth).send(sampleNeed()).expect(201);
      await request(t.app).post('/v1/offerings').set(people.tokyo!.auth).send(sampleOffering()).expect(201);
      await waitForMatching(t.db, 20_000);
      const nextWeek = new Date(now.getTime() + 7 * 86_400_000);
      const jobs = await enqueueDueDigests(t.db.db, t.deps.notificationsQueue, { now: nextWeek, everyone: true });
      // Every digest of the run finished, so that no email is still being written when the folder is read.
      const rows = (await waitForDigests(t, jobs)).filter(
        (r) => r.userId === people.london!.userId && r.period === '2026-W50',
      );
      expect(rows[0]!.status).toBe('sent');

      const files = await readdir(t.config.outboxDir);
      const file = files.find((f) => f === `${rows[0]!.messageId!.replace(/[<>]/g, '')}.eml`);
      expect(file).toBeDefined();
      const mail = await simpleParser(await readFile(join(t.config.outboxDir, file!)));
      expect(mail.subject).toMatch(/^1 new match for London Bio: Raman probes/);
      expect(mail.text).toContain('Tokyo Sensors (supplier)');
      expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
