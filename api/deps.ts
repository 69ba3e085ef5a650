import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Queue } from 'bullmq';
import { enqueueMatch, type MatchJob, type NotificationJob } from '../worker/queues.js';

/** What the HTTP edge needs from the outside world, made once by the process and handed in. */
export interface AppDeps {
  config: Config;
  db: Database;
  redis: Redis;
  logger: Logger;
  matchingQueue: Queue<MatchJob>;
  notificationsQueue: Queue<NotificationJob>;
}

/**
 * Enqueues matching after a save. The save is already committed, so a failure (Redis away) is logged,
 * not raised: the worker's sweep finds the unmatched post and matches it.
 */
export async function requestMatching(deps: AppDeps, job: MatchJob): Promise<void> {
  await enqueueMatch(deps.matchingQueue, job).catch((err: Error) =>
    deps.logger.warn({ err: err.message, job }, 'could not enqueue matching; the worker sweep will pick it up'),
  );
}
