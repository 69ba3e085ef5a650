import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import postgres from 'postgres';
import request from 'supertest';
import { Redis } from 'ioredis';
import { createApp } from '../api/app.js';
import type { AppDeps } from '../api/deps.js';
import { loadConfig, type Config } from '../config.js';
import { connectDatabase, type DbHandle } from '../db/client.js';
import { prepareDatabase } from '../db/migrate.js';
import type { OrgKind } from '../core/taxonomy.js';
import { matchingQueue, notificationsQueue, producerConnection } from '../worker/queues.js';

export const PG_SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const uniqueName = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

/** A test database's name: it carries the run's process id, so that the next run drops only what a dead run left. */
export const testDatabaseName = () => uniqueName(`rm_test_${process.env.RM_TEST_RUN ?? process.pid}`);

/** A database of the test's own, migrated and seeded, dropped by `drop`. */
export async function createTestDatabase(): Promise<{ url: string; handle: DbHandle; drop(): Promise<void> }> {
  const url = new URL(PG_SERVER);
  url.pathname = `/${testDatabaseName()}`;
  await prepareDatabase(url.toString());
  const handle = connectDatabase(url.toString(), { max: 5 });
  return {
    url: url.toString(),
    handle,
    async drop() {
      await handle.close();
      const admin = postgres(PG_SERVER, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists "${url.pathname.slice(1)}" with (force)`);
      await admin.end();
    },
  };
}

/** Removes every key under a test's queue prefix. */
export async function clearRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const stream = redis.scanStream({ match: `${prefix}:*`, count: 500 });
  for await (const keys of stream as AsyncIterable<string[]>) if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

/** The operator token of every test app (unless a test sets its own): the tests onboard through it. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-for-onboarding-0123456789';

export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: uniqueName('rmtest'),
    LOG_LEVEL: 'silent',
    // Emails of a worker without SMTP_URL go to a folder of the test's own.
    OUTBOX_DIR: join(tmpdir(), uniqueName('rm_outbox')),
    ...overrides,
  });
}

export interface TestApp {
  app: ReturnType<typeof createApp>['app'];
  openapi: ReturnType<typeof createApp>['openapi'];
  deps: AppDeps;
  db: DbHandle;
  config: Config;
  close(): Promise<void>;
}

/** Each test app's operator token, for `signup`. */
const adminTokens = new WeakMap<object, string>();

/** The real API on a private database and a private queue prefix, for supertest (logging to `logger`). */
export async function startTestApp(
  overrides: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = testConfig(database.url, overrides);
  const redis = producerConnection(config.redisUrl);
  redis.on('error', () => {});
  const queue = matchingQueue(redis, config.queuePrefix);
  const notifications = notificationsQueue(redis, config.queuePrefix);
  const deps: AppDeps = {
    config,
    db: database.handle.db,
    redis,
    logger: options.logger ?? pino({ level: 'silent' }),
    matchingQueue: queue,
    notificationsQueue: notifications,
  };
  const { app, openapi } = createApp(deps);
  adminTokens.set(app, config.adminToken!);
  return {
    app,
    openapi,
    deps,
    db: database.handle,
    config,
    async close() {
      for (const q of [queue, notifications]) {
        await q.obliterate({ force: true }).catch(() => {});
        await q.close();
      }
      redis.disconnect();
      await clearRedisPrefix(config.queuePrefix);
      await database.drop();
    },
  };
}

let counter = 0;

/**
 * Onboards an organisation with one verified person through the operator endpoint
 * (`POST /v1/admin/organisations`, as an operator would for a trusted organisation); answers the person's
 * token and the ids. (`POST /v1/signup` answers no token: its person confirms their address by email.)
 */
export async function signup(app: TestApp['app'], kind: OrgKind, name = `${kind} ${++counter}`) {
  const res = await request(app)
    .post('/v1/admin/organisations')
    .set('Authorization', `Bearer ${adminTokens.get(app) ?? TEST_ADMIN_TOKEN}`)
    .send({
      organisation: { name, kind, country: 'GB' },
      user: { name: `Person at ${name}`, email: `${uniqueName('person')}@example.com` },
    })
    .expect(201);
  return {
    token: res.body.token as string,
    organisationId: res.body.organisation.id as string,
    userId: res.body.user.id as string,
    name: res.body.user.name as string,
    email: res.body.user.email as string,
    organisationName: name,
    auth: { Authorization: `Bearer ${res.body.token as string}` },
  };
}

export const sampleNeed = (over: Record<string, unknown> = {}) => ({
  title: 'In-line Raman monitoring of glucose in fed-batch culture',
  description:
    'We want in-line Raman spectroscopy predicting glucose and lactate every few minutes in 2,000 L fed-batch bioreactors, feeding a closed-loop controller.',
  capabilities: ['imrr.spectroscopic-pat', 'imrr.advanced-process-control'],
  keywords: ['Raman', 'glucose control'],
  trlMin: 5,
  trlMax: 8,
  partnershipTypes: ['pilot', 'co-development'],
  openTo: ['supplier', 'academic'],
  anonymous: false,
  ...over,
});

export const sampleOffering = (over: Record<string, unknown> = {}) => ({
  title: 'Raman probes and chemometric models for bioreactor monitoring',
  description:
    'Steam-sterilisable Raman probes with calibration models for glucose, lactate and viable cell density in mammalian cell culture.',
  capabilities: ['imrr.spectroscopic-pat'],
  keywords: ['Raman', 'PAT'],
  trl: 7,
  partnershipTypes: ['supply', 'pilot'],
  ...over,
});

/** A worker as its own process (`main.ts worker`) on a test's database and queue prefix, for crash tests. */
export function spawnWorkerProcess(config: Config, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'main.ts', 'worker'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      ...process.env,
      DATABASE_URL: config.databaseUrl,
      REDIS_URL: config.redisUrl,
      QUEUE_PREFIX: config.queuePrefix,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
      ...env,
    },
    stdio: 'ignore',
  });
}

/** Stops a child process with `signal` (unless it has ended already) and waits until it has exited. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}
