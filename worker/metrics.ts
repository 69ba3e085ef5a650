import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { bearerMatches } from '../core/bearer.js';

// The service's metrics, one registry per process: the worker counts its jobs and emails here, and the API
// (under `npm start`, the same process) serves them beside its request durations. A worker run alone serves
// them on METRICS_PORT (worker/metrics-server.ts).

export const serviceRegistry = new Registry();
collectDefaultMetrics({ register: serviceRegistry });

export const jobsTotal = new Counter({
  name: 'roadmatch_jobs_total',
  help: 'Background jobs finished, by queue and status (completed, failed)',
  labelNames: ['queue', 'status'] as const,
  registers: [serviceRegistry],
});

export const emailsTotal = new Counter({
  name: 'roadmatch_emails_total',
  help: 'Emails handed to the mail server, by kind (digest, introduction, signin, ...) and result (sent, failed)',
  labelNames: ['kind', 'result'] as const,
  registers: [serviceRegistry],
});

// Every series exists from the start, at zero, so that a rate or an alert on it never starts from nothing.
for (const queue of ['matching', 'notifications']) {
  for (const status of ['completed', 'failed']) jobsTotal.inc({ queue, status }, 0);
}
for (const kind of [
  'digest',
  'introduction',
  'signin',
  'signup',
  'consortium-invitation',
  'consortium-active',
  'organisation-invitation',
  'expiry-reminder',
]) {
  for (const result of ['sent', 'failed']) emailsTotal.inc({ kind, result }, 0);
}

export const matchLatency = new Histogram({
  name: 'roadmatch_match_latency_seconds',
  help: 'From a post being saved (its matching job queued) to its matches written (matchedAt)',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers: [serviceRegistry],
});

export const digestLag = new Histogram({
  name: 'roadmatch_digest_lag_seconds',
  help: "From a digest falling due (the person's chosen hour) to its email being sent",
  buckets: [10, 30, 60, 300, 900, 1800, 3600, 7200, 21600],
  registers: [serviceRegistry],
});

/** The queues whose depths this process reports, by prefix and name (the latest one opened wins). */
const watched = new Map<string, Queue>();

/** Reports a queue's depths in `roadmatch_queue_jobs` until it is closed. */
export function watchQueue(queue: Queue): void {
  watched.set(`${queue.opts.prefix ?? 'bull'}:${queue.name}`, queue);
}

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

new Gauge({
  name: 'roadmatch_queue_jobs',
  help: 'Jobs in each queue, by state (waiting, active, delayed, failed), read from Redis at each scrape',
  labelNames: ['queue', 'state'] as const,
  registers: [serviceRegistry],
  async collect() {
    this.reset();
    for (const [key, queue] of watched) {
      if (queue.closing) {
        watched.delete(key);
        continue;
      }
      // Redis away: the scrape still answers, without this queue's depths.
      const counts = await queue.getJobCounts(...STATES).catch(() => undefined);
      if (!counts) continue;
      for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
    }
  },
});

/**
 * Answers a scrape: these metrics and those of `extra` registries (the API's request durations), behind
 * METRICS_TOKEN when it is set. Plain Node request and response, so that the API and a worker's own
 * server share it.
 */
export async function answerScrape(
  req: IncomingMessage,
  res: ServerResponse,
  token: string | undefined,
  extra: Registry[] = [],
): Promise<void> {
  if (token && !bearerMatches(req.headers.authorization, token)) {
    res.writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer realm="metrics"' });
    res.end('Metrics take "Authorization: Bearer <METRICS_TOKEN>".\n');
    return;
  }
  const registry = extra.length > 0 ? Registry.merge([serviceRegistry, ...extra]) : serviceRegistry;
  const body = await registry.metrics();
  res.writeHead(200, { 'Content-Type': registry.contentType });
  res.end(body);
}

/** A worker run alone: its metrics on `port` at /metrics (and a liveness answer at /healthz). */
export function startMetricsServer(port: number, token: string | undefined): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      answerScrape(req, res, token).catch(() => {
        res.writeHead(500).end();
      });
    } else if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: try /metrics\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}
