import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../../worker/index.js';
import { sampleNeed, signup, startTestApp, TEST_ADMIN_TOKEN, type TestApp, stopProcess } from '../helpers.js';
import { submit } from '../web/forms.js';
import { until } from '../mail-world.js';

// Redis stopped under a running API and worker: a private redis-server of the test's own (never the shared
// one), stopped and started again.

let port: number;
let redis: ChildProcess | undefined;
let t: TestApp;
let worker: Awaited<ReturnType<typeof startWorker>>;
const dir = mkdtempSync(join(tmpdir(), 'rm-redis-'));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
}

async function startRedis(): Promise<void> {
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  await until(answers, 10_000);
}

/** Does the private server take connections? (redis-server listens once it is ready.) */
function answers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function stopRedis(): Promise<void> {
  const child = redis!;
  await stopProcess(child, 'SIGKILL');
  redis = undefined;
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  t = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${port}` });
  worker = await startWorker({ config: t.config, logger: pino({ level: 'silent' }), db: t.db.db });
}, 30_000);

afterAll(async () => {
  if (!redis) await startRedis(); // so that the queues can close
  await until(async () => t.deps.redis.status === 'ready', 30_000).catch(() => {});
  await worker?.close().catch(() => {});
  await t?.close().catch(() => {});
  if (redis) await stopRedis();
}, 120_000);

describe('Redis down', () => {
  it('refuses writes with 503 and changes nothing, reads go on, and everything works again when Redis is back', async () => {
    const bio = await signup(t.app, 'biomanufacturer', 'Redisless Biologics');
    await stopRedis();
    // Once the API's connection has seen it go (a command already on its way when Redis died was taken).
    await until(async () => t.deps.redis.status !== 'ready', 10_000);

    const ready = await request(t.app).get('/readyz').expect(503);
    expect(ready.body).toMatchObject({ status: 'not ready', redis: 'unavailable', postgres: 'ok' });

    const newcomer = {
      organisation: { name: 'Queueless Labs', kind: 'academic', country: 'GB' },
      user: { name: 'Ada Queueless', email: 'ada@queueless.example' },
    };
    const signupAnswer = await request(t.app).post('/v1/signup').send(newcomer).expect(503);
    expect(signupAnswer.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(signupAnswer.headers['retry-after']).toBeDefined();

    const rematch = await request(t.app)
      .post('/v1/admin/rematch')
      .set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(503);
    expect(rematch.headers['content-type']).toMatch(/application\/problem\+json/);
    const [marked] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from needs where matched_version is distinct from version`;
    expect(marked!.n).toBe(0);

    // A browser asking for a sign-in link gets a page saying so, not JSON.
    const browser = request.agent(t.app).set('Accept', 'text/html');
    const page = await submit(browser, '/signin', '/signin', { email: bio.email });
    expect(page.status).toBe(503);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('try again in a moment');

    // Every write is refused before it changes anything; reads go on.
    const need = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(503);
    expect(need.headers['retry-after']).toBeDefined();
    expect((await t.db.sql`select count(*)::int as n from needs`)[0]).toEqual({ n: 0 });
    await request(t.app).get('/v1/needs').set(bio.auth).expect(200);

    await startRedis();
    // The connections come back by themselves, after their reconnection delay.
    await until(async () => (await request(t.app).get('/readyz')).status === 200, 30_000);
    // And the worker with them: a need posted now is matched.
    const saved = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    await until(async () => {
      const res = await request(t.app).get(`/v1/needs/${saved.body.id}`).set(bio.auth);
      return res.body.matchedAt !== null;
    }, 60_000);
    await request(t.app).post('/v1/signup').send(newcomer).expect(202);
  }, 180_000);
});
