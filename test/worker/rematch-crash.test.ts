import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateNeed, generateOffering, rng } from '../../bench/generate.js';
import { insertNeed, insertOffering } from '../../db/queries/posts.js';
import { organisations } from '../../db/schema.js';
import { startWorker } from '../../worker/index.js';
import { startRematch } from '../../worker/queues.js';
import { spawnWorkerProcess, startTestApp, type TestApp, stopProcess } from '../helpers.js';

let t: TestApp;

// One chunk at a time, so that the kill lands with some chunks done and others not.
const spawnWorker = () => spawnWorkerProcess(t.config, { WORKER_CONCURRENCY: '1' });

const counts = async () => {
  const [row] = await t.db.sql<{ pending: number; done: number }[]>`
    select count(*) filter (where matched_version is distinct from version)::int as pending,
           count(*) filter (where matched_version = version)::int as done from needs`;
  return row!;
};

async function waitUntil(check: () => Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const snapshot = async () =>
  (
    await t.db.sql<{ pair: string; score: number }[]>`
    select need_id || '/' || offering_id as pair, round(score::numeric, 4)::float as score from matches order by 1`
  ).map((r) => `${r.pair}:${r.score}`);

beforeAll(async () => {
  t = await startTestApp();
  const random = rng(7);
  const [bio] = await t.db.db
    .insert(organisations)
    .values({ name: 'Bio', kind: 'biomanufacturer', country: 'GB' })
    .returning();
  const suppliers = await t.db.db
    .insert(organisations)
    .values(Array.from({ length: 20 }, (_, i) => ({ name: `S${i}`, kind: 'supplier' as const, country: 'DE' })))
    .returning();
  await t.db.db.transaction(async (tx) => {
    for (let i = 0; i < 400; i++) await insertNeed(tx, { ...generateNeed(random), organisationId: bio!.id } as never);
    for (let i = 0; i < 400; i++) {
      await insertOffering(tx, { ...generateOffering(random), organisationId: suppliers[i % 20]!.id } as never);
    }
  });
  // Inserted without the API, so no job was queued; the rematch under test rebuilds their matches.
  await t.db.sql`update offerings set matched_version = version, matched_at = now()`;
}, 120_000);

afterAll(async () => {
  await t.close();
});

describe('full rematch', () => {
  it('rebuilds the same matches after its worker is killed half-way and another takes over', async () => {
    // Reference: a rematch that nothing interrupts.
    const clean = await startWorker(
      { config: t.config, logger: pino({ level: 'silent' }), db: t.db.db },
      { concurrency: 1 },
    );
    await startRematch(t.db.db, t.deps.matchingQueue);
    await waitUntil(async () => (await counts()).pending === 0, 120_000);
    await clean.close();
    const reference = await snapshot();
    expect(reference.length).toBeGreaterThan(100);

    // The same rematch, with its worker killed (SIGKILL) while chunks are in flight.
    await t.db.sql`delete from matches`;
    const first = spawnWorker();
    await startRematch(t.db.db, t.deps.matchingQueue);
    await waitUntil(async () => (await counts()).done >= 100, 120_000);
    await stopProcess(first, 'SIGKILL');
    expect((await counts()).pending).toBeGreaterThan(0);

    const second = spawnWorker();
    try {
      await waitUntil(async () => (await counts()).pending === 0, 150_000);
    } finally {
      await stopProcess(second);
    }
    const after = await snapshot();
    const missing = reference.filter((m) => !after.includes(m));
    const extra = after.filter((m) => !reference.includes(m));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  }, 300_000);
});
