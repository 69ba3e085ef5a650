import { Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

/** Queue names; every queue lives under the configured `{prefix}` so one Redis Cluster slot holds them all. */
export const QUEUES = { matching: 'matching' } as const;

export interface MatchJob {
  side: 'need' | 'offering';
  id: string;
  /** The post's version when the job was enqueued; the processor always matches the latest one. */
  version: number;
}

/** A connection for producers: commands fail at once while Redis is away instead of queueing up. */
export function producerConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false, ...options });
}

/** A connection for workers: BullMQ needs blocking commands that wait through reconnections. */
export function workerConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, ...options });
}

export function matchingQueue(connection: Redis, prefix: string): Queue<MatchJob> {
  return new Queue<MatchJob>(QUEUES.matching, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}

/**
 * One job per post version: a retried save or a double click enqueues nothing twice, and a job for an old
 * version that is still waiting simply matches the latest version when it runs.
 */
export async function enqueueMatch(queue: Queue<MatchJob>, job: MatchJob): Promise<void> {
  await queue.add('match', job, { jobId: matchJobId(job) });
}

const matchJobId = (job: MatchJob) => `${job.side}-${job.id}-v${job.version}`;
const PENDING_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Enqueues a post found unmatched by the sweep, unless its job is still pending. A finished or failed job of
 * the same id (kept a while for inspection) would make `add` a no-op, so it is removed first.
 */
export async function requeueMatch(queue: Queue<MatchJob>, job: MatchJob): Promise<boolean> {
  const existing = await queue.getJob(matchJobId(job));
  if (existing) {
    if (PENDING_STATES.has(await existing.getState())) return false;
    await existing.remove();
  }
  await enqueueMatch(queue, job);
  return true;
}
