import { createServer } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastDueAt } from '../../core/digest/schedule.js';
import { sampleNeed, sampleOffering, signup, spawnWorkerProcess, startTestApp, stopProcess } from '../helpers.js';
import { startMailWorld, until } from '../mail-world.js';

const TOKEN = 'metrics-token-0123456789abcdef';
let w: Awaited<ReturnType<typeof startMailWorld>>;

beforeAll(async () => {
  w = await startMailWorld({ env: { METRICS_TOKEN: TOKEN } });
});
afterAll(async () => {
  await w?.close();
});

/** A metric's value in a Prometheus text exposition; undefined when the series is absent. */
function value(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const scrape = async () =>
  (await request(w.t.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200)).text;

describe('/metrics', () => {
  it('asks for METRICS_TOKEN when it is set', async () => {
    const res = await request(w.t.app).get('/metrics').expect(401);
    expect(res.headers['www-authenticate']).toMatch(/Bearer/);
    await request(w.t.app).get('/metrics').set('Authorization', 'Bearer wrong-token-0123456789').expect(401);
  });

  it('shows jobs, queue depths, emails, matching latency and digest lag after posts are matched and a digest sent', async () => {
    const bio = await signup(w.t.app, 'biomanufacturer', 'Metric Biologics');
    const supplier = await signup(w.t.app, 'supplier', 'Metric Probes');
    await request(w.t.app).post('/v1/needs').set(bio.auth).send(sampleNeed()).expect(201);
    await request(w.t.app).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    await w.matched();
    // Daily at this hour, so that the digest is due now and its lag is measured.
    await w.t.db.sql`
      update users set digest_frequency = 'daily', timezone = 'UTC', digest_hour = extract(hour from now() at time zone 'UTC')`;
    await w.runDigests();

    const body = await scrape();
    expect(value(body, 'roadmatch_jobs_total{queue="matching",status="completed"}')).toBeGreaterThanOrEqual(2);
    expect(value(body, 'roadmatch_jobs_total{queue="notifications",status="completed"}')).toBeGreaterThanOrEqual(2);
    for (const state of ['waiting', 'active', 'delayed', 'failed']) {
      expect(value(body, `roadmatch_queue_jobs{queue="matching",state="${state}"}`)).toBeGreaterThanOrEqual(0);
      expect(value(body, `roadmatch_queue_jobs{queue="notifications",state="${state}"}`)).toBeGreaterThanOrEqual(0);
    }
    expect(value(body, 'roadmatch_emails_total{kind="digest",result="sent"}')).toBeGreaterThanOrEqual(2);
    expect(value(body, 'roadmatch_match_latency_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(value(body, 'roadmatch_digest_lag_seconds_count')).toBeGreaterThanOrEqual(2);
    // Beside the API's own request durations and Node's defaults.
    expect(body).toContain('http_request_duration_seconds_bucket');
    expect(body).toContain('process_cpu_user_seconds_total');
  });

  it('marks digests as automatic and as a list', async () => {
    const [digest] = (await w.smtp.messages()).filter((m) => m.parsed.messageId?.startsWith('<digest.'));
    expect(digest).toBeDefined();
    expect(digest!.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    // mailparser reads List-Id into the headers' "list" entry.
    expect(digest!.parsed.headers.get('list')).toMatchObject({
      id: { name: 'Roadmatch digest', id: expect.stringMatching(/^digest\./) },
    });
  });
});

describe('the lag of a digest', () => {
  it('is measured from the start of the hour it fell due in, even in a timezone offset by 45 minutes', () => {
    const prefs = { frequency: 'daily' as const, weekday: 1, hour: 9, timezone: 'Asia/Kathmandu' };
    // 09:00 in Kathmandu (UTC+5:45) is 03:15 UTC.
    expect(lastDueAt(new Date('2026-12-01T03:40:00Z'), prefs)?.toISOString()).toBe('2026-12-01T03:15:00.000Z');
    expect(lastDueAt(new Date('2026-12-01T03:10:00Z'), prefs)?.toISOString()).toBe('2026-11-30T03:15:00.000Z');
    expect(lastDueAt(new Date('2026-12-01T03:40:00Z'), { ...prefs, frequency: 'off' })).toBeNull();
  });
});

describe('a worker run alone', () => {
  it('serves its own metrics on METRICS_PORT', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    const t = await startTestApp();
    const child = spawnWorkerProcess(t.config, { METRICS_PORT: String(port) });
    try {
      let body = '';
      await until(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
        body = res?.ok ? await res.text() : '';
        return body.includes('roadmatch_queue_jobs{queue="matching",state="waiting"}');
      }, 30_000);
      expect(body).toContain('# TYPE roadmatch_jobs_total counter');
      expect(body).toContain('# TYPE roadmatch_digest_lag_seconds histogram');
    } finally {
      await stopProcess(child);
      await t.close();
    }
  });
});
