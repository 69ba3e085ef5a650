import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../../worker/index.js';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../helpers.js';
import { until } from '../mail-world.js';

let t: TestApp;
const bearer = { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

describe('the queue dashboard at /admin/queues', () => {
  it('asks a browser for the operator token, and refuses a client without it', async () => {
    const page = await request(t.app).get('/admin/queues').set('Accept', 'text/html').expect(401);
    expect(page.text).toContain('Operator token');
    const api = await request(t.app).get('/admin/queues/api/queues').set('Accept', 'application/json').expect(401);
    expect(api.headers['content-type']).toMatch(/application\/problem\+json/);
    await request(t.app)
      .get('/admin/queues/api/queues')
      .set('Authorization', 'Bearer not-the-operator-token-0123456789')
      .expect(401);
  });

  it('opens with the bearer token, and with the cookie the prompt sets', async () => {
    const page = await request(t.app).get('/admin/queues').set(bearer).set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('Roadmatch queues');

    const wrong = await request(t.app).post('/admin/queues/sign-in').type('form').send({ token: 'guess' }).expect(401);
    expect(wrong.text).toContain('That is not the operator token.');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const signIn = await request(t.app)
      .post('/admin/queues/sign-in')
      .type('form')
      .send({ token: TEST_ADMIN_TOKEN })
      .expect(303);
    const cookie = (signIn.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('rm_admin_queues='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Path=\/admin\/queues/);
    expect(cookie).not.toContain(TEST_ADMIN_TOKEN);
    const queues = await request(t.app)
      .get('/admin/queues/api/queues')
      .set('Cookie', cookie!.split(';')[0]!)
      .expect(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['matching', 'notifications']);
  });

  it('shows a failed job with its error, and retries it', async () => {
    const worker = await startWorker({ config: t.config, logger: pino({ level: 'silent' }), db: t.db.db });
    try {
      await t.deps.matchingQueue.add('match', { side: 'need' } as never, { jobId: 'malformed-job' });
      await until(async () => (await t.deps.matchingQueue.getJob('malformed-job'))?.failedReason !== undefined);
    } finally {
      await worker.close();
    }
    const failed = await request(t.app)
      .get('/admin/queues/api/queues?activeQueue=matching&status=failed&page=1')
      .set(bearer)
      .expect(200);
    const matching = failed.body.queues.find((q: { name: string }) => q.name === 'matching');
    const job = matching.jobs.find((j: { id: string }) => j.id === 'malformed-job');
    expect(job.failedReason).toMatch(/malformed match job/);

    await request(t.app).put('/admin/queues/api/queues/matching/malformed-job/retry').set(bearer).expect(204);
    expect(await (await t.deps.matchingQueue.getJob('malformed-job'))!.getState()).toBe('waiting');
  });

  it('does not exist without ADMIN_TOKEN', async () => {
    const bare = await startTestApp({ ADMIN_TOKEN: '' });
    try {
      await request(bare.app).get('/admin/queues').set('Accept', 'text/html').expect(404);
    } finally {
      await bare.close();
    }
  });
});
