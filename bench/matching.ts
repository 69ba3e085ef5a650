/**
 * `npm run bench:matching [-- --needs N --offerings M]`: generates needs and offerings (default 10,000 x
 * 200,000) into a fresh database, then measures a full rematch with two worker processes, the latency of
 * matching one new need and one new offering through the API (p50, p95), and the workers' peak memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Presets, SingleBar } from 'cli-progress';
import { sql } from 'drizzle-orm';
import { derivedColumns } from '../db/queries/posts.js';
import { rebuildPostings } from '../db/queries/postings.js';
import { rebuildTermStats } from '../db/queries/term-stats.js';
import { needs, offerings, organisations } from '../db/schema.js';
import { startRematch } from '../worker/queues.js';
import { matchingQueue, producerConnection } from '../worker/queues.js';
import { cliProgram, integer } from '../scripts/cli.js';
import { apiClient, onboard, startHarness, waitForMatching } from '../scripts/harness.js';
import { generateNeed, generateOffering, OFFERING_KINDS, rng } from './generate.js';
import { peakRssMb } from './measure.js';

const options = cliProgram(
  'npm run bench:matching --',
  'Generates needs and offerings into a fresh database, then measures a full rematch by worker processes, ' +
    "the latency of matching one new need and one new offering through the API, and the workers' peak memory.",
)
  .option('--needs <n>', 'needs to generate', integer(), 10_000)
  .option('--offerings <n>', 'offerings to generate', integer(), 200_000)
  .option('--workers <n>', 'worker processes for the rematch', integer(), 2)
  .option('--samples <n>', 'new posts timed through the API for the latency', integer(), 100)
  .parse()
  .opts<{ needs: number; offerings: number; workers: number; samples: number }>();
const NEEDS = options.needs;
const OFFERINGS = options.offerings;
const WORKERS = options.workers;
const SAMPLES = options.samples;
const ROOT = new URL('..', import.meta.url).pathname;

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function main() {
  const harness = await startHarness({ worker: false });
  const { db } = harness;
  const workers: ChildProcess[] = [];
  try {
    const random = rng(2026);
    const orgs = await db.db
      .insert(organisations)
      .values([
        ...Array.from({ length: 300 }, (_, i) => ({
          name: `Biomanufacturer ${i}`,
          kind: 'biomanufacturer' as const,
          country: 'GB',
        })),
        ...Array.from({ length: 2000 }, (_, i) => ({
          name: `Provider ${i}`,
          kind: OFFERING_KINDS[i % 2]!,
          country: 'DE',
        })),
      ])
      .returning();
    const bios = orgs.filter((o) => o.kind === 'biomanufacturer');
    const providers = orgs.filter((o) => o.kind !== 'biomanufacturer');

    const bar = new SingleBar(
      { format: 'generating {bar} {value}/{total} posts | {duration}s' },
      Presets.shades_classic,
    );
    bar.start(NEEDS + OFFERINGS, 0);
    const BATCH = 1000;
    for (let i = 0; i < NEEDS; i += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, NEEDS - i) }, (_, j) => {
        const n = generateNeed(random);
        return {
          ...n,
          ...derivedColumns(n),
          openTo: n.openTo as ('supplier' | 'academic')[],
          organisationId: bios[(i + j) % bios.length]!.id,
        };
      });
      await db.db.insert(needs).values(rows);
      bar.increment(rows.length);
    }
    for (let i = 0; i < OFFERINGS; i += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, OFFERINGS - i) }, (_, j) => {
        const o = generateOffering(random);
        return { ...o, ...derivedColumns(o), organisationId: providers[(i + j) % providers.length]!.id };
      });
      await db.db.insert(offerings).values(rows);
      bar.increment(rows.length);
    }
    bar.stop();
    // Loaded without the API, so no job was queued. The rows are marked as their own jobs would leave them
    // (indexed, their postings and statistics built below, and matched), so that the workers' sweep finds
    // nothing owed: the rematch below is what matches them.
    for (const table of ['needs', 'offerings'] as const) {
      await db.db.execute(
        sql`update ${sql.identifier(table)} set indexed_version = version, indexed_terms = string_to_array(terms, ' '),
          matched_version = version, matched_at = now()`,
      );
    }
    await db.db.transaction((tx) => rebuildTermStats(tx));
    await rebuildPostings(db.db);
    await db.db.execute(sql`vacuum analyze needs`);
    await db.db.execute(sql`vacuum analyze offerings`);

    for (let i = 0; i < WORKERS; i++) {
      workers.push(
        spawn(process.execPath, ['--import', 'tsx', 'main.ts', 'worker'], {
          cwd: ROOT,
          env: {
            ...process.env,
            DATABASE_URL: harness.config.databaseUrl,
            QUEUE_PREFIX: harness.config.queuePrefix,
            LOG_LEVEL: 'warn',
          },
          stdio: ['ignore', 'inherit', 'inherit'],
        }),
      );
    }
    const redis = producerConnection(harness.config.redisUrl, { enableOfflineQueue: true });
    const started = Date.now();
    const queue = matchingQueue(redis, harness.config.queuePrefix);
    await startRematch(db.db, queue);
    const queuedSeconds = (Date.now() - started) / 1000;
    await waitForMatching(db, 30 * 60_000);
    const rematchSeconds = (Date.now() - started) / 1000;
    await queue.close();
    redis.disconnect();
    const [{ count: matchCount }] = (await db.sql`select count(*)::int as count from matches`) as unknown as [
      { count: number },
    ];

    // Latency: a new post through the API until its matchedAt is set.
    const bio = {
      token: await onboard(harness.url, harness.adminToken, {
        organisation: { name: 'Bench Bio', kind: 'biomanufacturer', country: 'GB' },
        user: { name: 'Bench', email: 'bench-bio@example.com' },
      }),
    };
    const sup = {
      token: await onboard(harness.url, harness.adminToken, {
        organisation: { name: 'Bench Supplier', kind: 'supplier', country: 'GB' },
        user: { name: 'Bench', email: 'bench-sup@example.com' },
      }),
    };
    const latency = async (side: 'needs' | 'offerings', token: string, make: () => object) => {
      const call = apiClient(harness.url, token);
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const t0 = performance.now();
        const { id } = await call<{ id: string }>('POST', `/v1/${side}`, make());
        for (;;) {
          const [row] = await db.sql<{ done: boolean }[]>`
            select matched_version = version as done from ${db.sql(side)} where id = ${id}`;
          if (row?.done) break;
          await new Promise((r) => setTimeout(r, 2));
        }
        times.push(performance.now() - t0);
      }
      return { p50: percentile(times, 50), p95: percentile(times, 95) };
    };
    const needLatency = await latency('needs', bio.token, () => {
      const n = generateNeed(random);
      return { ...n, openTo: n.openTo };
    });
    const offeringLatency = await latency('offerings', sup.token, () => generateOffering(random));
    const memory = workers.map((w) => peakRssMb(w.pid!));

    console.log(`\n| measure | value |`);
    console.log(`|---|---|`);
    console.log(`| data | ${NEEDS.toLocaleString('en')} needs x ${OFFERINGS.toLocaleString('en')} offerings |`);
    console.log(
      `| full rematch (${WORKERS} worker processes) | ${rematchSeconds.toFixed(1)} s (of which ${queuedSeconds.toFixed(1)} s recounting statistics and queueing), ${matchCount.toLocaleString('en')} matches kept |`,
    );
    console.log(
      `| new need matched, p50 / p95 | ${needLatency.p50.toFixed(0)} ms / ${needLatency.p95.toFixed(0)} ms |`,
    );
    console.log(
      `| new offering matched, p50 / p95 | ${offeringLatency.p50.toFixed(0)} ms / ${offeringLatency.p95.toFixed(0)} ms |`,
    );
    console.log(`| worker peak memory (RSS) | ${memory.map((m) => `${m.toFixed(0)} MB`).join(', ')} |`);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    await harness.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
