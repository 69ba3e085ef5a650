import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import postgres from 'postgres';
import { startApi } from '../api/server.js';
import { loadConfig, type Config } from '../config.js';
import { connectDatabase, type DbHandle } from '../db/client.js';
import { prepareDatabase } from '../db/migrate.js';
import { countPendingMatching, listStalePosts, listUnmatchedPosts } from '../db/queries/matching.js';
import { startWorker } from '../worker/index.js';
import { matchingQueue, notificationsQueue, producerConnection } from '../worker/queues.js';

/**
 * The whole service (API and one worker) in this process on a fresh database and a private queue
 * prefix, for the evaluation and the benchmarks, with an operator token (organisations are onboarded with
 * `onboard`) and no rate limits; `stop` drops the database unless asked to keep it.
 */
export interface Harness {
  url: string;
  config: Config;
  db: DbHandle;
  adminToken: string;
  stop(options?: { keepDatabase?: boolean }): Promise<void>;
}

export async function startHarness(
  options: { database?: string; worker?: boolean; concurrency?: number } = {},
): Promise<Harness> {
  const base = loadConfig();
  const name = options.database ?? `rm_run_${randomBytes(5).toString('hex')}`;
  const dbUrl = Object.assign(new URL(base.databaseUrl), { pathname: `/${name}` }).toString();
  const adminToken = randomBytes(24).toString('hex');
  const config: Config = {
    ...base,
    databaseUrl: dbUrl,
    port: 0,
    queuePrefix: `{rm-run-${randomBytes(4).toString('hex')}}`,
    adminToken,
    // The evaluation and the benchmarks load thousands of posts through a few tokens (RATE_LIMITS=off).
    rateLimits: { ...base.rateLimits, enabled: false },
  };
  await prepareDatabase(dbUrl);
  const db = connectDatabase(dbUrl, { max: 10 });
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const worker =
    options.worker === false
      ? undefined
      : await startWorker({ config, logger, db: db.db }, { concurrency: options.concurrency ?? 4 });
  const redis = producerConnection(config.redisUrl);
  const queue = matchingQueue(redis, config.queuePrefix);
  const notifications = notificationsQueue(redis, config.queuePrefix);
  const api = await startApi({
    config,
    logger,
    db: db.db,
    redis,
    matchingQueue: queue,
    notificationsQueue: notifications,
  });
  const url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
  return {
    url,
    config,
    db,
    adminToken,
    async stop({ keepDatabase = false } = {}) {
      await api.close();
      await worker?.close();
      // The run's queue keys go with it, whether or not its workers ran in this process.
      for (const q of [queue, notifications]) {
        await q.obliterate({ force: true }).catch(() => {});
        await q.close();
      }
      redis.disconnect();
      await db.close();
      if (!keepDatabase) {
        const admin = postgres(Object.assign(new URL(base.databaseUrl), { pathname: '/postgres' }).toString(), {
          max: 1,
          onnotice: () => {},
        });
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
        await admin.end();
      }
    },
  };
}

/**
 * Onboards an organisation and its first person through the operator endpoint (`POST /v1/admin/organisations`)
 * and answers the person's API token.
 */
export async function onboard(
  url: string,
  adminToken: string,
  body: {
    organisation: { name: string; kind: string; country: string };
    user: { name: string; email: string; timezone?: string };
  },
): Promise<string> {
  const res = await apiClient(url, adminToken)<{ token: string }>('POST', '/v1/admin/organisations', body);
  return res.token;
}

/** A small JSON client of the public API that throws on any non-2xx, with the problem's detail. */
export function apiClient(base: string, token?: string) {
  return async function call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

/**
 * Waits until no need or offering is pending matching: unmatched at its version, or scored on statistics
 * that have moved since (a young marketplace's first posts are scored again as it grows).
 */
export async function waitForMatching(db: DbHandle, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const started = Date.now();
    const pending = await countPendingMatching(db.db);
    if (pending === 0) return;
    if (Date.now() > deadline) {
      const unmatched = (await listUnmatchedPosts(db.db, 10)).map((p) => `${p.side} ${p.id} unmatched`);
      const stale = (await listStalePosts(db.db, 10)).map((p) => `${p.side} ${p.id} stale`);
      throw new Error(
        `${pending} posts still pending matching after ${timeoutMs} ms: ${[...unmatched, ...stale].join(', ') || 'none listed (saved in the last 30 s, waiting for a rematch, or regrouping)'}`,
      );
    }
    // On a large marketplace the count itself takes a while: it waits four times as long, so that the
    // waiting takes no more than a fifth of the database's time from the work it waits for.
    await new Promise((r) => setTimeout(r, Math.max(250, 4 * (Date.now() - started))));
  }
}
