import { Worker, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { IDEMPOTENCY_KEY_TTL_HOURS, pruneIdempotencyKeys } from '../db/queries/idempotency.js';
import { unmatchedPosts } from '../db/queries/matches.js';
import { matchPost, StatsCache } from './processors/match.js';
import { rematchNeeds, type RematchChunk } from './processors/rematch.js';
import { matchingQueue, requeueMatch, producerConnection, QUEUES, workerConnection, type MatchJob } from './queues.js';

export interface WorkerDeps {
  config: Config;
  logger: Logger;
  db: Database;
}

/** The id under which the sweep is scheduled: upserting it again (restarts, many workers) changes nothing. */
const SWEEP_SCHEDULER_ID = 'sweep-unmatched';

/**
 * Starts the processors of this worker process. Several processes may run at once: jobs are claimed by one
 * worker each, and every processor is safe to run twice.
 */
export async function startWorker(deps: WorkerDeps, options: { concurrency?: number } = {}) {
  const { config, logger } = deps;
  const connection = workerConnection(config.redisUrl);
  const producer = producerConnection(config.redisUrl, { enableOfflineQueue: true });
  const queue = matchingQueue(producer, config.queuePrefix);
  connection.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  producer.on('error', () => {});

  const stats = new StatsCache(deps.db);
  const worker = new Worker(
    QUEUES.matching,
    async (job: Job) => {
      switch (job.name) {
        case 'match':
          return matchPost(deps.db, stats, job.data as MatchJob);
        case 'rematch-needs':
          return rematchNeeds(deps.db, stats, job.data as RematchChunk);
        case 'sweep': {
          await pruneIdempotencyKeys(deps.db, IDEMPOTENCY_KEY_TTL_HOURS);
          let enqueued = 0;
          for (const post of await unmatchedPosts(deps.db)) if (await requeueMatch(queue, post)) enqueued++;
          return { enqueued };
        }
        default:
          throw new Error(`unknown job ${job.name}`);
      }
    },
    {
      connection,
      prefix: config.queuePrefix,
      concurrency: options.concurrency ?? config.workerConcurrency,
      autorun: false,
    },
  );
  worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, err: err.message }, 'job failed'));
  worker.on('error', (err) => logger.warn({ err: err.message }, 'worker error'));

  // Posts whose job was lost (Redis down at save time, Redis flushed) are found and matched again.
  await queue.upsertJobScheduler(SWEEP_SCHEDULER_ID, { every: 60_000 }, { name: 'sweep' });
  void worker.run();
  logger.info({ prefix: config.queuePrefix }, 'worker started');

  return {
    worker,
    queue,
    /** Waits for jobs in flight to finish, then closes the connections. */
    async close() {
      await worker.close();
      await queue.close();
      connection.disconnect();
      producer.disconnect();
    },
  };
}
