import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.js';
import { connectDatabase, type DbHandle } from '../../db/client.js';
import { prepareDatabase } from '../../db/migrate.js';
import { matchingQueue, notificationsQueue, producerConnection } from '../../worker/queues.js';
import { clearRedisPrefix, testConfig, TEST_ADMIN_TOKEN } from '../helpers.js';
import { until } from '../mail-world.js';

// PostgreSQL stopped under a running API: a private server of the test's own (never the shared one),
// stopped and started again. The API keeps answering: 503 while the database is away, ready again after.

const BIN = '/usr/lib/postgresql/15/bin';
const dir = mkdtempSync(join(tmpdir(), 'rm-pg-'));
let port: number;
let db: DbHandle;
let app: ReturnType<typeof createApp>['app'];
let close: () => Promise<void>;

/** PostgreSQL's tools refuse to run as root: as root, they run as the postgres user, who owns the folder. */
const asRoot = process.getuid?.() === 0;
const run = (tool: string, args: string[]) =>
  asRoot
    ? execFileSync('runuser', ['-u', 'postgres', '--', `${BIN}/${tool}`, ...args], { stdio: 'ignore' })
    : execFileSync(`${BIN}/${tool}`, args, { stdio: 'ignore' });
const pgCtl = (...args: string[]) => run('pg_ctl', ['-D', join(dir, 'data'), '-w', ...args]);

beforeAll(async () => {
  port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres']);
  pgCtl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-l', join(dir, 'log'), 'start');
  const url = `postgres://postgres@127.0.0.1:${port}/roadmatch`;
  await prepareDatabase(url);
  db = connectDatabase(url, { max: 5 });
  const config = testConfig(url);
  const redis = producerConnection(config.redisUrl);
  redis.on('error', () => {});
  const queues = {
    matchingQueue: matchingQueue(redis, config.queuePrefix),
    notificationsQueue: notificationsQueue(redis, config.queuePrefix),
  };
  app = createApp({ config, db: db.db, redis, logger: pino({ level: 'silent' }), ...queues }).app;
  close = async () => {
    await queues.matchingQueue.close();
    await queues.notificationsQueue.close();
    redis.disconnect();
    await clearRedisPrefix(config.queuePrefix);
  };
}, 60_000);

afterAll(async () => {
  await close?.();
  await db?.close().catch(() => {});
  try {
    pgCtl('-m', 'immediate', 'stop');
  } catch {
    // already stopped
  }
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('the database away', () => {
  it('answers 503 from /readyz and from requests while it is away, and is ready again after', async () => {
    await until(async () => (await request(app).get('/readyz')).status === 200, 10_000);
    const onboard = await request(app)
      .post('/v1/admin/organisations')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({
        organisation: { name: 'Away Biologics', kind: 'biomanufacturer', country: 'GB' },
        user: { name: 'Ann Away', email: 'ann@away.example' },
      })
      .expect(201);
    const auth = { Authorization: `Bearer ${onboard.body.token as string}` };

    pgCtl('-m', 'immediate', 'stop');
    const ready = await request(app).get('/readyz').expect(503);
    expect(ready.body).toMatchObject({ status: 'not ready', postgres: 'unavailable' });
    const listing = await request(app).get('/v1/needs').set(auth).expect(503);
    expect(listing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(listing.body.code).toBe('unavailable');
    expect(listing.headers['retry-after']).toBeDefined();

    pgCtl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-l', join(dir, 'log'), 'start');
    await until(async () => (await request(app).get('/readyz')).status === 200, 30_000);
    await request(app).get('/v1/needs').set(auth).expect(200);
  }, 120_000);
});
