import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NeedCreateBody } from '../../api/schemas.js';
import { startTestApp, type TestApp } from '../helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('service endpoints', () => {
  it('serves an OpenAPI 3.1 document generated from the request schemas', async () => {
    const res = await request(t.app).get('/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/signup',
      '/v1/tokens',
      '/v1/tokens/{id}',
      '/v1/capabilities',
      '/v1/needs',
      '/v1/needs/{id}',
      '/v1/offerings',
      '/v1/offerings/{id}',
    ]) {
      expect(Object.keys(res.body.paths)).toContain(path);
    }
    const needCreate = res.body.components.schemas.NeedCreate;
    // The documented fields are exactly those the validator accepts.
    expect(Object.keys(needCreate.properties).sort()).toEqual(Object.keys(NeedCreateBody.shape).sort());
    expect(needCreate.additionalProperties).toBe(false);
    expect(res.body.paths['/v1/needs'].post.responses['400'].content['application/problem+json']).toBeDefined();
  });

  it('serves a browsable reference at /docs', async () => {
    const res = await request(t.app).get('/docs/').expect(200);
    expect(res.text).toContain('swagger-ui');
  });

  it('answers /healthz and, with PostgreSQL and Redis up, /readyz', async () => {
    await request(t.app).get('/healthz').expect(200, { status: 'ok' });
    const ready = await request(t.app).get('/readyz').expect(200);
    expect(ready.body).toEqual({ status: 'ready', postgres: 'ok', redis: 'ok' });
  });

  it('exposes Prometheus metrics, with request durations by route', async () => {
    await request(t.app).get('/v1/capabilities').expect(200);
    const res = await request(t.app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('http_request_duration_seconds_bucket');
    expect(res.text).toMatch(/route="\/v1\/capabilities"/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });
});
