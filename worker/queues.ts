import { Queue, UnrecoverableError } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { ORG_KINDS } from '../core/taxonomy.js';
import type { Database } from '../db/client.js';
import { prepareRematch } from '../db/queries/rematch.js';

/** Queue names; every queue lives under the configured `{prefix}` so one Redis Cluster slot holds them all. */
export const QUEUES = { matching: 'matching', notifications: 'notifications' } as const;

// ---- job payloads: each type is its zod schema's, and each processor parses its job with it ----

/**
 * A job's payload as its processor may trust it. What Redis hands back is whatever was enqueued (by an older
 * version, by hand, by a bug): a payload that does not fit fails its job at once, for good (a retry would
 * read the same payload), with a message that names the job and the fields at fault.
 */
export function parseJob<S extends z.ZodType>(schema: S, name: string, data: unknown): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const faults = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`);
  throw new UnrecoverableError(`malformed ${name} job: ${faults.join('; ')}`);
}

const id = z.guid();

export const MatchJobSchema = z.object({
  side: z.enum(['need', 'offering']),
  id,
  /** The post's version when the job was enqueued; the processor always matches the latest one. */
  version: z.number().int().positive(),
});
export type MatchJob = z.infer<typeof MatchJobSchema>;

/** One chunk of a full rematch: the needs to match, and the run whose statistics to score them with. */
export const RematchJobSchema = z.object({ runId: id, ids: z.array(id) });
export type RematchJob = z.infer<typeof RematchJobSchema>;

/** A connection for producers: commands fail at once while Redis is away instead of queueing up. */
export function producerConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false, ...options });
}

/** A connection for workers: BullMQ needs blocking commands that wait through reconnections. */
export function workerConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, ...options });
}

/**
 * A queue's connection errors are reported by the connection's own 'error' listener (the process logs
 * them once); without a listener here BullMQ would print each one to the console.
 */
function quiet<Q extends Queue>(queue: Q): Q {
  queue.on('error', () => {});
  return queue;
}

export function matchingQueue(connection: Redis, prefix: string): Queue<MatchJob> {
  return quiet(
    new Queue<MatchJob>(QUEUES.matching, {
      connection,
      prefix,
      defaultJobOptions: {
        attempts: 8,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    }),
  );
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
 * Enqueues a job that a sweep found owed, unless its job is still pending. A finished or failed job of the
 * same id (kept a while for inspection) would make `add` a no-op, so it is removed first.
 */
async function requeue<T>(
  queue: Queue<T>,
  name: string,
  data: T,
  jobId: string,
  options: { delay?: number } = {},
): Promise<boolean> {
  const existing = await queue.getJob(jobId);
  if (existing) {
    if (PENDING_STATES.has(await existing.getState())) return false;
    await existing.remove();
  }
  // BullMQ's types cannot follow a generic job name; the queue's data type is T all the same.
  await (queue as unknown as Queue).add(name, data, { ...options, jobId });
  return true;
}

/** Enqueues a post found unmatched by the sweep, unless its job is still pending. */
export const requeueMatch = (queue: Queue<MatchJob>, job: MatchJob) => requeue(queue, 'match', job, matchJobId(job));

/** Digests, introduction emails, and the ticks that find them due. */
export type NotificationJob =
  | DigestJob
  | IntroductionEmailJob
  | AccountEmailJob
  | SigninEmailJob
  | ConsortiumEmailJob
  | OrganisationInvitationJob
  | MemberRemovedJob
  | ExpiryReminderJob
  | Record<string, never>;

/**
 * A signup or a request for a sign-in link, looked up and emailed by the worker, so that the API answers
 * the same, in the same time, whether or not the address is registered. `requestId` names the link it
 * issues, so that a retried job issues one. (The signup was validated by the API's SignupBody.)
 */
export const AccountEmailJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('signin'), requestId: id, email: z.string().min(1) }),
  z.object({
    kind: z.literal('signup'),
    requestId: id,
    signup: z.object({
      organisation: z.object({ name: z.string().min(1), kind: z.enum(ORG_KINDS), country: z.string().min(1) }),
      user: z.object({ name: z.string().min(1), email: z.string().min(1), timezone: z.string().min(1) }),
    }),
  }),
]);
export type AccountEmailJob = z.infer<typeof AccountEmailJobSchema>;

/** An issued sign-in link to email (jobs of earlier versions; new ones are `AccountEmailJob`s). */
export const SigninEmailJobSchema = z.object({
  signinId: id,
  /** Sent after a signup: worded as a welcome. */
  welcome: z.boolean(),
});
export type SigninEmailJob = z.infer<typeof SigninEmailJobSchema>;

export const DigestJobSchema = z.object({
  userId: id,
  /** The user's period, e.g. `2026-W48`: one digest per user and period. */
  period: z.string().min(1),
});
export type DigestJob = z.infer<typeof DigestJobSchema>;

export const IntroductionEmailJobSchema = z.object({ introductionId: id });
export type IntroductionEmailJob = z.infer<typeof IntroductionEmailJobSchema>;

export function notificationsQueue(connection: Redis, prefix: string): Queue<NotificationJob> {
  return quiet(
    new Queue<NotificationJob>(QUEUES.notifications, {
      connection,
      prefix,
      defaultJobOptions: {
        // A mail server away for a while is waited out: 2 s doubling, about 9 hours over 14 attempts. After
        // that the digest tick finds the digest still unsent and tries again.
        attempts: 14,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 24 * 3600, count: 50_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    }),
  );
}

export const digestJobId = (job: DigestJob) => `digest-${job.userId}-${job.period}`;

/** Digest jobs under their deterministic ids; the tick and `--now` may both ask, one job runs. */
export async function enqueueDigests(queue: Queue<NotificationJob>, jobs: DigestJob[]): Promise<void> {
  for (let i = 0; i < jobs.length; i += 1000) {
    await queue.addBulk(
      jobs.slice(i, i + 1000).map((data) => ({ name: 'digest', data, opts: { jobId: digestJobId(data) } })),
    );
  }
}

/** Re-enqueues a digest claimed but never sent, unless its job is still pending. */
export const requeueDigest = (queue: Queue<NotificationJob>, job: DigestJob) =>
  requeue(queue, 'digest', job, digestJobId(job));

/**
 * The emails an introduction owes, under an id per state: a second ask for the same state is a no-op,
 * the next state (accepted after pending) gets its own job.
 */
export function introductionJobId(id: string, state: string): string {
  return `introduction-${id}-${state}`;
}

/** An account email's job, by the id of the link or signup request it issues (its request's id). */
export const accountEmailJobId = (requestId: string) => `account-${requestId}`;

export const enqueueAccountEmail = (queue: Queue<NotificationJob>, job: AccountEmailJob) =>
  queue.add('account-email', job, { jobId: accountEmailJobId(job.requestId), attempts: 5 });

export const enqueueIntroductionEmail = (queue: Queue<NotificationJob>, id: string, state: string) =>
  requeue(queue, 'introduction-email', { introductionId: id }, introductionJobId(id, state));

/** A consortium's emails: an invitation to the invited organisation's people, or the members once it is active. */
export const ConsortiumEmailJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('invitation'), invitationId: id }),
  z.object({ kind: z.literal('active'), consortiumId: id }),
]);
export type ConsortiumEmailJob = z.infer<typeof ConsortiumEmailJobSchema>;

export const consortiumEmailJobId = (job: ConsortiumEmailJob) =>
  job.kind === 'invitation' ? `consortium-invitation-${job.invitationId}` : `consortium-active-${job.consortiumId}`;

export const enqueueConsortiumEmail = (queue: Queue<NotificationJob>, job: ConsortiumEmailJob) =>
  requeue(queue, 'consortium-email', job, consortiumEmailJobId(job));

/** An invitation to join an organisation, to email; each send (`sendCount`) is its own job. */
export const OrganisationInvitationJobSchema = z.object({ invitationId: id, sendCount: z.number().int().positive() });
export type OrganisationInvitationJob = z.infer<typeof OrganisationInvitationJobSchema>;

const organisationInvitationJobId = (job: OrganisationInvitationJob) =>
  `organisation-invitation-${job.invitationId}-${job.sendCount}`;

export const enqueueOrganisationInvitation = (queue: Queue<NotificationJob>, job: OrganisationInvitationJob) =>
  queue.add('organisation-invitation', job, { jobId: organisationInvitationJobId(job) });

/** Enqueues a send of an invitation the tick found owed, unless its job is still pending. */
export const requeueOrganisationInvitation = (queue: Queue<NotificationJob>, job: OrganisationInvitationJob) =>
  requeue(queue, 'organisation-invitation', job, organisationInvitationJobId(job));

/**
 * The email telling a person that another member removed them from their organisation. Queued before their
 * account is deleted, so it carries their name and address; the worker sends it once the account is gone.
 */
export const MemberRemovedJobSchema = z.object({
  userId: id,
  name: z.string().min(1),
  email: z.string().min(1),
  organisationName: z.string().min(1),
  removedBy: z.string().min(1),
});
export type MemberRemovedJob = z.infer<typeof MemberRemovedJobSchema>;

/** One job per removed person (a finished one of the same id is replaced), run a second later: after the removal commits. */
export const enqueueMemberRemoved = (queue: Queue<NotificationJob>, job: MemberRemovedJob) =>
  requeue(queue, 'member-removed', job, `member-removed-${job.userId}`, { delay: 1000 });

/** The reminder that a post is about to expire, for the expiry it was found due for (Unix milliseconds). */
export const ExpiryReminderJobSchema = z.object({
  side: z.enum(['need', 'offering']),
  id,
  expiresAt: z.number().int(),
});
export type ExpiryReminderJob = z.infer<typeof ExpiryReminderJobSchema>;

/** One job per post and expiry date; the lifecycle tick asks again until the post is marked reminded. */
export const enqueueExpiryReminder = (queue: Queue<NotificationJob>, job: ExpiryReminderJob) =>
  requeue(queue, 'expiry-reminder', job, `expiry-reminder-${job.side}-${job.id}-${job.expiresAt}`);

/** Needs per rematch job: small enough to spread over workers and to lose little when one is killed. */
const REMATCH_CHUNK = 100;

/**
 * Starts a full rematch, for the API's operator endpoint and the scripts alike: the database is prepared
 * (db/queries/rematch.ts), then every need is matched by jobs spread over all workers. Safe at any time.
 * Offerings keep their matchedAt: their matches are rebuilt from the needs' side.
 */
export async function startRematch(db: Database, queue: Queue): Promise<{ runId: string; chunks: number }> {
  const { runId, chunks } = await prepareRematch(db, REMATCH_CHUNK);
  await queue.addBulk(
    chunks.map((ids, i) => ({
      name: 'rematch-needs',
      data: { runId, ids } satisfies RematchJob,
      opts: { jobId: `rematch-${runId}-${i}` },
    })),
  );
  return { runId, chunks: chunks.length };
}
