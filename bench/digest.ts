/**
 * `npm run bench:digest [-- --recipients N --workers W]`: seeds N digest recipients with matches (default
 * 20,000) into a fresh database, sends everyone's digest through W worker processes (default 2) to a local
 * SMTP server in a process of its own, and reports digests per second and the workers' peak memory.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { Presets, SingleBar } from 'cli-progress';
import { enqueueDueDigests } from '../worker/processors/digest.js';
import { notificationsQueue, producerConnection } from '../worker/queues.js';
import { cliProgram, integer } from '../scripts/cli.js';
import { startHarness } from '../scripts/harness.js';
import { seedDigestAudience } from './digest-data.js';
import { peakRssMb } from './measure.js';

const options = cliProgram(
  'npm run bench:digest --',
  "Seeds digest recipients with matches into a fresh database, sends everyone's digest through worker " +
    "processes to a local SMTP server of its own, and reports digests per second and the workers' peak memory.",
)
  .option('--recipients <n>', 'digest recipients to seed', integer(), 20_000)
  .option('--workers <n>', 'worker processes sending the digests', integer(), 2)
  .parse()
  .opts<{ recipients: number; workers: number }>();
const RECIPIENTS = options.recipients;
const WORKERS = options.workers;
const ROOT = new URL('..', import.meta.url).pathname;

const ask = <T>(child: ChildProcess, message?: string) =>
  new Promise<T>((resolve) => {
    child.once('message', (m) => resolve(m as T));
    if (message) child.send(message);
  });

async function main() {
  const harness = await startHarness({ worker: false });
  const { db, config } = harness;
  const sink = fork(`${ROOT}bench/smtp-sink.ts`, { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const workers: ChildProcess[] = [];
  try {
    const { port } = await ask<{ port: number }>(sink);
    let t = Date.now();
    await seedDigestAudience(db.sql, RECIPIENTS);
    console.log(`seeded ${RECIPIENTS} recipients with 3 matches each in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    for (let i = 0; i < WORKERS; i++) {
      workers.push(
        spawn(
          process.execPath,
          [
            ...(process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROFILE] : []),
            '--import',
            'tsx',
            'main.ts',
            'worker',
          ],
          {
            cwd: ROOT,
            env: {
              ...process.env,
              DATABASE_URL: config.databaseUrl,
              QUEUE_PREFIX: config.queuePrefix,
              SMTP_URL: `smtp://127.0.0.1:${port}`,
              LOG_LEVEL: 'warn',
            },
            stdio: ['ignore', 'inherit', 'inherit'],
          },
        ),
      );
    }
    await new Promise((r) => setTimeout(r, 3000)); // the workers start

    const redis = producerConnection(config.redisUrl, { enableOfflineQueue: true });
    const queue = notificationsQueue(redis, config.queuePrefix);
    t = Date.now();
    const jobs = await enqueueDueDigests(db.db, queue, { everyone: true });
    const enqueueSeconds = (Date.now() - t) / 1000;
    const bar = new SingleBar(
      { format: 'digests {bar} {value}/{total} | {duration_formatted}' },
      Presets.shades_classic,
    );
    bar.start(jobs.length, 0);
    for (;;) {
      const [row] = await db.sql<
        { done: number }[]
      >`select count(*)::int as done from digests where status <> 'pending'`;
      bar.update(row!.done);
      if (row!.done >= jobs.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    bar.stop();
    const seconds = (Date.now() - t) / 1000;
    const rss = workers.map((w) => peakRssMb(w.pid!));
    const [status] = await db.sql<{ sent: number; other: number }[]>`
      select count(*) filter (where status = 'sent')::int as sent, count(*) filter (where status <> 'sent')::int as other
      from digests`;
    const { received } = await ask<{ received: number }>(sink, 'count');
    await queue.close();
    redis.disconnect();

    console.log(
      JSON.stringify(
        {
          recipients: RECIPIENTS,
          workers: WORKERS,
          mailConcurrency: config.mailConcurrency,
          enqueueSeconds: Number(enqueueSeconds.toFixed(2)),
          seconds: Number(seconds.toFixed(1)),
          digestsPerSecond: Math.round(RECIPIENTS / seconds),
          sent: status!.sent,
          notSent: status!.other,
          receivedBySmtp: received,
          workerPeakRssMb: rss.map((r) => Math.round(r)),
        },
        null,
        2,
      ),
    );
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    sink.kill('SIGTERM');
    await harness.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
