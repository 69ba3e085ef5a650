/**
 * `npm run digest`: enqueues the digests due now, as the worker's tick does every 15 minutes.
 * `npm run digest -- --now`: sends now the digest of every user whose digests are not off, whatever their
 * weekday and hour (for a demo or the benchmark). One digest per user and period still holds: a second run
 * in the same period sends nothing new.
 * It starts a worker of its own for the run, so it works whether or not `npm start` is running.
 */
import { Presets, SingleBar } from 'cli-progress';
import { pino } from 'pino';
import { loadConfig, type Config } from '../config.js';
import { connectDatabase, type DbHandle } from '../db/client.js';
import { prepareDatabase } from '../db/migrate.js';
import { startWorker } from '../worker/index.js';
import { enqueueDueDigests } from '../worker/processors/digest.js';
import { notificationsQueue, producerConnection, type DigestJob } from '../worker/queues.js';

export interface DigestRunSummary {
  recipients: number;
  sent: number;
  empty: number;
  failed: number;
  seconds: number;
  destination: string;
}

/**
 * Enqueues the digests (due, or everyone's), waits until each is finished (by a worker of this process
 * unless told one runs already), and reports.
 */
export async function runDigests(
  config: Config,
  db: DbHandle,
  options: { everyone: boolean; progress?: boolean; now?: Date; ownWorker?: boolean },
): Promise<DigestRunSummary> {
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const worker = options.ownWorker === false ? undefined : await startWorker({ config, logger, db: db.db });
  const redis = producerConnection(config.redisUrl, { enableOfflineQueue: true });
  const queue = notificationsQueue(redis, config.queuePrefix);
  const started = Date.now();
  try {
    const jobs = await enqueueDueDigests(db.db, queue, { everyone: options.everyone, now: options.now });
    const bar = options.progress
      ? new SingleBar({ format: 'digests {bar} {value}/{total} | {duration_formatted}' }, Presets.shades_classic)
      : undefined;
    bar?.start(jobs.length, 0);
    let counts = await finished(db, jobs);
    while (counts.done < jobs.length) {
      bar?.update(counts.done);
      await new Promise((r) => setTimeout(r, 250));
      counts = await finished(db, jobs);
    }
    bar?.update(jobs.length);
    bar?.stop();
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
  const everyone = process.argv.includes('--now');
  const config = loadConfig();
  await prepareDatabase(config.databaseUrl);
  const db = connectDatabase(config.databaseUrl, { max: 10 + config.workerConcurrency + config.mailConcurrency });
  try {
    const s = await runDigests(config, db, { everyone, progress: process.stdout.isTTY });
    console.log(
      `${s.recipients} ${everyone ? 'recipients' : 'digests due'}: ${s.sent} sent, ${s.empty} with nothing new, ` +
        `${s.failed} refused by the mail server, in ${s.seconds.toFixed(1)} s; mail went to ${s.destination}`,
    );
  } finally {
    await db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
