import { DelayedError, Worker, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { IDEMPOTENCY_KEY_TTL_HOURS, pruneIdempotencyKeys } from '../db/queries/idempotency.js';
import { hasNeedsPending, listStalePosts, listUnmatchedPosts } from '../db/queries/matching.js';
import { regroupMarked, regroupOwed } from '../db/queries/common-needs.js';
import { pruneSessions } from '../db/queries/sessions.js';
import { createMailer, type Mailer } from './mailer.js';
import { jobsTotal, matchLatency, watchQueue } from './metrics.js';
import { enqueueDueDigests, sendDigest } from './processors/digest.js';
import { introductionsTick, sendIntroductionEmails } from './processors/introductions.js';
import { sendAccountEmail, sendSigninEmail } from './processors/signin.js';
import {
  organisationInvitationTick,
  sendMemberRemoved,
  sendOrganisationInvitation,
} from './processors/organisation-invitations.js';
import { consortiumTick, sendConsortiumEmails } from './processors/consortia.js';
import { lifecycleTick, sendExpiryReminder } from './processors/lifecycle.js';
import { matchPost, StatsCache } from './processors/match.js';
import { rematchNeeds } from './processors/rematch.js';
import { hasStaleAnalyses, hasStaleScores } from '../db/queries/rematch.js';
import {
  matchingQueue,
  notificationsQueue,
  producerConnection,
  QUEUES,
  requeueMatch,
  startRematch,
  workerConnection,
  type MatchJob,
} from './queues.js';

export interface WorkerDeps {
  config: Config;
  logger: Logger;
  db: Database;
}

/**
 * Scheduler ids: upserting one again (restarts, many workers) changes nothing, so each runs once per beat.
 * Digests are due at a user's local hour; a tick every 15 minutes reaches every hour of every timezone,
 * including those offset by half or three-quarter hours.
 */
/** How long regrouping waits for a running rematch before it goes ahead anyway. */
const REGROUP_PATIENCE_MS = 60_000;

/** How often a worker checks that its schedulers exist (see ensureSchedulers). */
const SCHEDULER_CHECK_MS = 15_000;

const SCHEDULES = {
  'sweep-unmatched': { queue: 'matching', every: 60_000, job: 'sweep' },
  'digest-tick': { queue: 'notifications', every: 15 * 60_000, job: 'digest-tick' },
  'introductions-tick': { queue: 'notifications', every: 15 * 60_000, job: 'introductions-tick' },
  // Expiry reminders are due days ahead: an hourly look is plenty.
  'lifecycle-tick': { queue: 'notifications', every: 60 * 60_000, job: 'lifecycle-tick' },
} as const;

/**
 * Starts the processors of this worker process. Several processes may run at once: jobs are claimed by one
 * worker each, and every processor is safe to run twice.
 */
export async function startWorker(
  deps: WorkerDeps,
  options: { concurrency?: number; mailConcurrency?: number; mailer?: Mailer } = {},
) {
  const { config, logger, db } = deps;
  const connection = workerConnection(config.redisUrl);
  const producer = producerConnection(config.redisUrl, { enableOfflineQueue: true });
  const queues = {
    matching: matchingQueue(producer, config.queuePrefix),
    notifications: notificationsQueue(producer, config.queuePrefix),
  };
  connection.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  producer.on('error', () => {});
  const mailer = options.mailer ?? createMailer(config);

  const stats = new StatsCache(db);
  const requeueAll = async (posts: MatchJob[]) => {
    let enqueued = 0;
    for (const post of posts) if (await requeueMatch(queues.matching, post)) enqueued++;
    return enqueued;
  };
  /** One regrouping job at a time, soon after the changes that call for it. */
  const regroupSoon = () =>
    (queues.matching as unknown as Queue).add(
      'regroup',
      {},
      { jobId: 'regroup', delay: 250, removeOnComplete: true, removeOnFail: true },
    );
  const matching = new Worker(
    QUEUES.matching,
    async (job: Job, token?: string) => {
      switch (job.name) {
        case 'match': {
          const result = await matchPost(db, stats, job.data);
          if (result.written > 0 && result.side === 'need') await regroupSoon();
          // A young marketplace's statistics swing with each post: the posts scored on a much smaller one are
          // scored again soon, by one job per corpus size however many posts arrive (at scale, the sweep finds
          // them each minute). Per size, not one id for all: a job of one id still running when the
          // marketplace grows again would swallow the next one, and leave that growth's stale posts a minute.
          if (stats.young) {
            await (queues.matching as unknown as Queue).add(
              'rescore-stale',
              {},
              { jobId: `rescore-stale-${stats.size}`, delay: 1000, removeOnComplete: true, removeOnFail: true },
            );
          }
          return result;
        }
        case 'rescore-stale':
          return { rescored: await requeueAll(await listStalePosts(db)) };
        case 'rematch-needs': {
          const result = await rematchNeeds(db, stats, job.data);
          if (result.written > 0) await regroupSoon();
          return result;
        }
        case 'regroup': {
          // While needs wait for matching (a rematch), regrouping would redo the same work each chunk: it
          // waits for them, for at most REGROUP_PATIENCE_MS, then goes ahead.
          const since = (job.data as { since?: number }).since ?? Date.now();
          if (Date.now() - since < REGROUP_PATIENCE_MS && (await hasNeedsPending(db))) {
            await job.updateData({ since });
            await job.moveToDelayed(Date.now() + 2000, token);
            throw new DelayedError();
          }
          return { regrouped: await regroupMarked(db) };
        }
        case 'sweep': {
          await pruneIdempotencyKeys(db, IDEMPOTENCY_KEY_TTL_HOURS);
          await pruneSessions(db);
          const enqueued = await requeueAll(await listUnmatchedPosts(db));
          const rescored = await requeueAll(await listStalePosts(db));
          if (await regroupOwed(db)) await regroupSoon();
          return { enqueued, rescored };
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

  const mailDeps = { db, mailer, config, logger };
  const notifications = new Worker(
    QUEUES.notifications,
    async (job: Job) => {
      switch (job.name) {
        case 'digest':
          return sendDigest(mailDeps, job.data);
        case 'digest-tick':
          return { enqueued: (await enqueueDueDigests(db, queues.notifications)).length };
        case 'introduction-email':
          return sendIntroductionEmails(mailDeps, job.data);
        case 'introductions-tick':
          return {
            ...(await introductionsTick(db, queues.notifications)),
            consortia: await consortiumTick(db, queues.notifications),
            organisationInvitations: await organisationInvitationTick(db, queues.notifications),
          };
        case 'consortium-email':
          return sendConsortiumEmails(mailDeps, job.data);
        case 'lifecycle-tick':
          return lifecycleTick(db, queues.notifications);
        case 'expiry-reminder':
          return sendExpiryReminder(mailDeps, job.data);
        case 'account-email':
          return sendAccountEmail(mailDeps, job.data);
        case 'signin-email':
          return sendSigninEmail(mailDeps, job.data);
        case 'organisation-invitation':
          return sendOrganisationInvitation(mailDeps, job.data);
        case 'member-removed':
          return sendMemberRemoved(mailDeps, job.data);
        default:
          throw new Error(`unknown job ${job.name}`);
      }
    },
    {
      connection,
      prefix: config.queuePrefix,
      concurrency: options.mailConcurrency ?? config.mailConcurrency,
      // Emails take milliseconds: a crashed worker's jobs are taken over within seconds, not half a minute.
      lockDuration: 10_000,
      stalledInterval: 5_000,
      // Every email job is safe to run again (its row is claimed, its sends recorded), so a job that two
      // crashed workers held in turn runs again rather than failing for good (BullMQ's default gives up at
      // the second stall); one that stalls five times is taken for a job that crashes the worker.
      maxStalledCount: 5,
      autorun: false,
    },
  );

  watchQueue(queues.matching as unknown as Queue);
  watchQueue(queues.notifications as unknown as Queue);
  for (const w of [matching, notifications]) {
    w.on('completed', (job) => {
      jobsTotal.inc({ queue: w.name, status: 'completed' });
      // A post's job is queued when it is saved: its age on completion is the wait for its matches.
      if (job.name === 'match') matchLatency.observe((Date.now() - job.timestamp) / 1000);
    });
    w.on('failed', () => jobsTotal.inc({ queue: w.name, status: 'failed' }));
    w.on('failed', (job, err) =>
      logger.warn(
        // A failed query's own message is in its cause (Drizzle wraps it).
        { queue: w.name, job: job?.name, jobId: job?.id, err: err.message, cause: (err.cause as Error)?.message },
        'job failed',
      ),
    );
    w.on('error', (err) => logger.warn({ queue: w.name, err: err.message }, 'worker error'));
  }

  /**
   * Creates the schedulers that are missing. Redis restarted without persistence (or its keys deleted) loses
   * them with every queued job, so this runs at start, on every reconnection and every
   * SCHEDULER_CHECK_MS; a scheduler found missing after start runs its job at once too, so that the sweep
   * re-enqueues unmatched posts and the digest tick the digests of the period that are not final.
   */
  let checking = false;
  const ensureSchedulers = async (catchUp: boolean) => {
    if (checking) return;
    checking = true;
    try {
      for (const [id, s] of Object.entries(SCHEDULES)) {
        const queue = queues[s.queue] as unknown as Queue;
        if (await queue.getJobScheduler(id)) continue;
        await queue.upsertJobScheduler(id, { every: s.every }, { name: s.job });
        if (catchUp) {
          await queue.add(s.job, {}, { jobId: `${id}-catch-up`, removeOnComplete: true, removeOnFail: true });
          logger.warn({ scheduler: id }, 'scheduler was missing (Redis lost its data?): re-created, running now');
        }
      }
    } finally {
      checking = false;
    }
  };
  await ensureSchedulers(false);
  // An upgrade that changed the analyser leaves posts that match nothing until they are analysed again;
  // one that changed scoring leaves old scores that would be ranked beside new ones.
  const upgraded = (await hasStaleAnalyses(db))
    ? 'posts analysed by an older analyser'
    : (await hasStaleScores(db))
      ? 'matches scored by an older version of scoring'
      : null;
  if (upgraded) {
    const run = await startRematch(db, queues.matching as unknown as Queue);
    logger.warn({ runId: run.runId }, `${upgraded}: rematching everything`);
  }
  const schedulerCheck = setInterval(() => {
    ensureSchedulers(true).catch((err: Error) => logger.warn({ err: err.message }, 'scheduler check failed'));
  }, SCHEDULER_CHECK_MS);
  producer.on('ready', () => {
    ensureSchedulers(true).catch((err: Error) => logger.warn({ err: err.message }, 'scheduler check failed'));
  });
  void matching.run();
  void notifications.run();
  logger.info({ prefix: config.queuePrefix, mail: mailer.destination }, 'worker started');

  return {
    worker: matching,
    notifications,
    queue: queues.matching,
    /** Waits for jobs in flight to finish, then closes the connections. */
    async close() {
      clearInterval(schedulerCheck);
      await Promise.all([matching.close(), notifications.close()]);
      await Promise.all([queues.matching.close(), queues.notifications.close()]);
      if (!options.mailer) mailer.close();
      connection.disconnect();
      producer.disconnect();
    },
  };
}
