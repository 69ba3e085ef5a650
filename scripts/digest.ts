/**
 * `npm run digest`: enqueues the digests due now, as the worker's tick does every 15 minutes.
 * `npm run digest -- --now`: sends now the digest of every user whose digests are not off, whatever their
 * weekday and hour (for a demo or the benchmark). One digest per user and period still holds: a second run
 * in the same period sends nothing new.
 * It starts a worker of its own for the run, so it works whether or not `npm start` is running, and gives up
 * when no digest has finished for `--stall-timeout` seconds. `--help` lists the options.
 */
import { Presets, SingleBar } from 'cli-progress';
import { pino } from 'pino';
import { loadConfig, type Config } from '../config.js';
import { connectDatabase, type DbHandle } from '../db/client.js';
import { prepareDatabase } from '../db/migrate.js';
import { startWorker } from '../worker/index.js';
import { enqueueDueDigests } from '../worker/processors/digest.js';
import { notificationsQueue, producerConnection, type DigestJob } from '../worker/queues.js';
import { cliProgram, exitOnError, isMainModule, seconds, stallWatch } from './cli.js';

export interface DigestRunSummary {
  recipients: number;
  sent: number;
  empty: number;
  failed: number;
  seconds: number;
  destination: string;
}

/** How long a digest run waits for the next digest to finish before it gives up, by default. */
export const DEFAULT_STALL_SECONDS = 120;

/**
 * Enqueues the digests (due, or everyone's; of `users` only when given), waits until each is finished (by a
 * worker of this process unless told one runs already), and reports. Rejects with a StalledRunError when no
 * digest has finished for `stallSeconds`.
 */
export async function runDigests(
  config: Config,
  db: DbHandle,
  options: {
    everyone: boolean;
    users?: string[];
    progress?: boolean;
    now?: Date;
    ownWorker?: boolean;
    stallSeconds?: number;
  },
): Promise<DigestRunSummary> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const worker = options.ownWorker === false ? undefined : await startWorker({ config, logger, db: db.db });
  const redis = producerConnection(config.redisUrl, { enableOfflineQueue: true });
  const queue = notificationsQueue(redis, config.queuePrefix);
  const started = Date.now();
  try {
    const jobs = await enqueueDueDigests(db.db, queue, {
      everyone: options.everyone,
      now: options.now,
      users: options.users,
    });
    const bar = options.progress
      ? new SingleBar({ format: 'digests {bar} {value}/{total} | {duration_formatted}' }, Presets.shades_classic)
      : undefined;
    const stallSeconds = options.stallSeconds ?? DEFAULT_STALL_SECONDS;
    const checkProgress = stallWatch(
      stallSeconds,
      (done) =>
        `No digest has finished in ${stallSeconds} s (${done} of ${jobs.length} done): ` +
        (worker
          ? 'are PostgreSQL, Redis and the mail server reachable? '
          : 'is a worker running, and are PostgreSQL, Redis and the mail server reachable? ') +
        'Run the command again to resume: nothing is sent twice.',
    );
    bar?.start(jobs.length, 0);
    let counts = await finished(db, jobs);
    try {
      while (counts.done < jobs.length) {
        bar?.update(counts.done);
        checkProgress(counts.done);
        await new Promise((r) => setTimeout(r, 250));
        counts = await finished(db, jobs);
      }
      bar?.update(jobs.length);
    } finally {
      bar?.stop();
    }
    return {
      recipients: jobs.length,
      sent: counts.sent,
      empty: counts.empty,
      failed: counts.failed,
      seconds: (Date.now() - started) / 1000,
      destination: config.smtpUrl ? new URL(config.smtpUrl).host : config.outboxDir,
    };
  } finally {
    await queue.close();
    redis.disconnect();
    await worker?.close();
  }
}

async function finished(db: DbHandle, jobs: DigestJob[]) {
  if (jobs.length === 0) return { done: 0, sent: 0, empty: 0, failed: 0 };
  const [row] = await db.sql<{ sent: number; empty: number; failed: number }[]>`
    select count(*) filter (where d.status = 'sent')::int as sent,
           count(*) filter (where d.status = 'empty')::int as empty,
           count(*) filter (where d.status = 'failed')::int as failed
    from unnest(${jobs.map((j) => j.userId)}::uuid[], ${jobs.map((j) => j.period)}::text[]) as j(user_id, period)
    join digests d on d.user_id = j.user_id and d.period = j.period`;
  return { ...row!, done: row!.sent + row!.empty + row!.failed };
}

async function main() {
  const program = cliProgram(
    'npm run digest --',
    'Enqueues the digests due now (as the worker does every 15 minutes) and sends them with a worker of its ' +
      'own, whether or not `npm start` runs; one digest per user and period, so a second run sends nothing new.',
  )
    .option('--now', 'send now the digest of every user whose digests are not off, whatever their weekday and hour')
    .option(
      '--stall-timeout <seconds>',
      'give up (exit code 1) when no digest has finished for this long',
      seconds,
      DEFAULT_STALL_SECONDS,
    )
    .parse();
  const { now: everyone = false, stallTimeout } = program.opts<{ now?: boolean; stallTimeout: number }>();
  const config = loadConfig();
  await prepareDatabase(config.databaseUrl);
  const db = connectDatabase(config.databaseUrl, { max: 10 + config.workerConcurrency + config.mailConcurrency });
  try {
    const s = await runDigests(config, db, { everyone, progress: process.stdout.isTTY, stallSeconds: stallTimeout });
    console.log(
      `${s.recipients} ${everyone ? 'recipients' : 'digests due'}: ${s.sent} sent, ${s.empty} with nothing new, ` +
        `${s.failed} refused by the mail server, in ${s.seconds.toFixed(1)} s; mail went to ${s.destination}`,
    );
  } finally {
    await db.close();
  }
}

if (isMainModule(import.meta.url)) main().catch(exitOnError);
