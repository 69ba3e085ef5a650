import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { MatchJob } from '../worker/queues.js';

/** What the HTTP edge needs from the outside world, made once by the process and handed in. */
export interface AppDeps {
  config: Config;
  db: Database;
  redis: Redis;
  logger: Logger;
  /** Enqueues matching after a save; a failure is logged, not raised: the worker's sweep catches up. */
  enqueueMatch(job: MatchJob): Promise<void>;
}
