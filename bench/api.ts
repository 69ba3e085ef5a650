/**
 * `npm run bench:api [-- --duration S --connections 1,16]`: `POST /v1/needs` on the real API (the API
 * alone, as `npm run api` runs it: no worker in the process) beside a bare Express handler that INSERTs
 * the same fields into a plain table of the same database through a pool of the same size, side by side
 * in one run. Each target gets a warm-up and then a fixed duration of autocannon at each connection
 * count; the table gives requests/s, p50/p95/p99 latency and non-2xx answers, with Roadmatch / bare ratios.
 *
 * The load generator (autocannon) runs in a child process of its own, as the autocannon CLI would beside
 * `npm run api`: in this process it would share the servers' event loop and slow the faster target most.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { InvalidArgumentError, Option } from 'commander';
import express from 'express';
import postgres from 'postgres';
import { cliProgram, seconds } from '../scripts/cli.js';
import { onboard, startHarness } from '../scripts/harness.js';
import { generateNeed, rng } from './generate.js';

const connectionList = (value: string): number[] => {
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError('expected whole numbers >= 1 separated by commas, such as 1,16');
  }
  return list;
};

const options = cliProgram(
  'npm run bench:api --',
  'Measures POST /v1/needs on the API alone (requests/s, p50/p95/p99) beside a bare Express handler that ' +
    'INSERTs the same fields into a plain table of the same PostgreSQL database, at each connection count, ' +
    'and prints the Roadmatch / bare ratios.',
)
  .option('--duration <seconds>', 'measured seconds per target and connection count', seconds, 10)
  .option('--warmup <seconds>', 'unmeasured seconds before each measurement', seconds, 2)
  .addOption(
    new Option('--connections <list>', 'connection counts, comma-separated')
      .argParser(connectionList)
      .default([1, 16], '1,16'),
  )
  .addOption(new Option('--load-generator', 'run as the child process that sends the load').hideHelp())
  .parse()
  .opts<{ duration: number; warmup: number; connections: number[]; loadGenerator?: boolean }>();

/** One measurement the parent asks of the load generator. */
interface LoadJob {
  url: string;
  token: string;
  connections: number;
  duration: number;
  warmup: number;
}

interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  responses: number;
  non2xx: number;
  errors: number;
  firstFailure?: string;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

// ---------- the load generator (child process) ----------

/** Realistic need bodies (bench/generate.ts), every title different; the same sequence for every target. */
function needBodies() {
  const random = rng(2026);
  const pool = Array.from({ length: 500 }, () => generateNeed(random));
  let i = 0;
  return () => {
    const n = pool[i % pool.length]!;
    i++;
    return JSON.stringify({ ...n, title: `${n.title} (bench post ${i})` });
  };
}

async function load(job: LoadJob, duration: number, record: boolean): Promise<LoadResult> {
  const nextBody = needBodies();
  const latencies: number[] = [];
  let firstFailure: string | undefined;
  let done!: (result: autocannon.Result) => void;
  let fail!: (err: unknown) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => ((done = resolve), (fail = reject)));
  const instance = autocannon(
    {
      url: job.url,
      connections: job.connections,
      duration,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${job.token}` },
      requests: [
        {
          method: 'POST',
          path: '/v1/needs',
          setupRequest: (req) => ({ ...req, body: nextBody() }),
          onResponse: (status, body) => {
            if ((status < 200 || status > 299) && firstFailure === undefined) {
              firstFailure = `${status} ${body.slice(0, 500)}`;
            }
          },
        },
      ],
    },
    (err, result) => (err ? fail(err) : done(result)),
  );
  if (record) {
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
    });
  }
  const result = await finished;
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: result.requests.total / result.duration,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    responses: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    firstFailure,
  };
}

function loadGenerator() {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (job: LoadJob) => {
    void (async () => {
      await load(job, job.warmup, false);
      process.send!(await load(job, job.duration, true));
    })().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
}

// ---------- the bare handler ----------

/** A bare Express app on its own port: `express.json()` and one INSERT of the same fields, 201 with the id. */
async function startBare(databaseUrl: string, poolSize: number, organisationId: string) {
  const sql = postgres(databaseUrl, { max: poolSize, onnotice: () => {} });
  await sql`
    create table if not exists bench_bare_needs (
      id uuid primary key default gen_random_uuid(),
      organisation_id uuid,
      title text,
      description text,
      capabilities text[],
      keywords text[],
      trl_min int,
      trl_max int,
      partnership_types text[],
      open_to text[],
      anonymous boolean,
      created_at timestamptz default now()
    )`;
  const app = express();
  app.use(express.json());
  app.post('/v1/needs', async (req, res) => {
    const b = req.body as {
      title: string;
      description: string;
      capabilities: string[];
      keywords: string[];
      trlMin: number;
      trlMax: number;
      partnershipTypes: string[];
      openTo: string[];
      anonymous: boolean;
    };
    const [row] = await sql<{ id: string }[]>`
      insert into bench_bare_needs
        (organisation_id, title, description, capabilities, keywords, trl_min, trl_max, partnership_types,
         open_to, anonymous)
      values (${organisationId}, ${b.title}, ${b.description}, ${b.capabilities}, ${b.keywords}, ${b.trlMin},
        ${b.trlMax}, ${b.partnershipTypes}, ${b.openTo}, ${b.anonymous})
      returning id`;
    res.status(201).json({ id: row!.id });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await sql`drop table if exists bench_bare_needs`;
      await sql.end({ timeout: 5 });
    },
  };
}

// ---------- the run ----------

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

async function main() {
  const command =
    `npm run bench:api -- --duration ${options.duration} --warmup ${options.warmup} ` +
    `--connections ${options.connections.join(',')}`;
  console.log(`command: ${command}`);
  console.log(
    `node ${process.version}, ${os.cpus().length} cores, load average (1 min) ${os.loadavg()[0]!.toFixed(2)} at start`,
  );

  // The API alone, as `npm run api`: no worker in this process to compete for the cores. Matching jobs are
  // queued as in production and dropped with the run's queue prefix.
  const harness = await startHarness({ worker: false });
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--load-generator'], {
    execArgv: ['--import', 'tsx'],
    stdio: 'inherit',
  });
  let bare: Awaited<ReturnType<typeof startBare>> | undefined;
  try {
    const token = await onboard(harness.url, harness.adminToken, {
      organisation: { name: 'Bench API Bio', kind: 'biomanufacturer', country: 'GB' },
      user: { name: 'Bench', email: 'bench-api@example.com' },
    });
    const [org] = await harness.db.sql<{ id: string }[]>`
      select id from organisations where name = 'Bench API Bio'`;
    // The same pool size as the API's (the harness's connection, which only the API uses here).
    const poolSize = harness.db.sql.options.max;
    bare = await startBare(harness.config.databaseUrl, poolSize, org!.id);

    const measure = (url: string, connections: number) =>
      new Promise<LoadResult>((resolve, reject) => {
        child.once('message', (m) => resolve(m as LoadResult));
        child.once('exit', (code) => reject(new Error(`the load generator exited with ${code}`)));
        const job: LoadJob = { url, token, connections, duration: options.duration, warmup: options.warmup };
        child.send(job);
      });

    const targets = [
      { name: 'Roadmatch', url: harness.url },
      { name: 'bare', url: bare.url },
    ];
    const rows: { target: string; connections: number; r: LoadResult }[] = [];
    for (const connections of options.connections) {
      for (const target of targets) {
        console.log(
          `${target.name} at ${connections} connection(s): ${options.warmup} s warm-up, ${options.duration} s`,
        );
        const r = await measure(target.url, connections);
        child.removeAllListeners('exit');
        rows.push({ target: target.name, connections, r });
        if (r.firstFailure) console.log(`  first non-2xx answer: ${r.firstFailure}`);
      }
    }

    console.log(`\n| target | connections | req/s | p50 (ms) | p95 (ms) | p99 (ms) | non-2xx | errors |`);
    console.log(`|---|---|---|---|---|---|---|---|`);
    for (const { target, connections, r } of rows) {
      console.log(
        `| ${target} | ${connections} | ${r.requestsPerSecond.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${r.non2xx} | ${r.errors} |`,
      );
    }
    console.log('');
    for (const connections of options.connections) {
      const rm = rows.find((x) => x.target === 'Roadmatch' && x.connections === connections)!.r;
      const b = rows.find((x) => x.target === 'bare' && x.connections === connections)!.r;
      console.log(
        `ratio Roadmatch / bare at ${connections} connection(s): req/s ${(rm.requestsPerSecond / b.requestsPerSecond).toFixed(2)}` +
          `; latency p50 ${(rm.p50 / b.p50).toFixed(1)}x, p95 ${(rm.p95 / b.p95).toFixed(1)}x, p99 ${(rm.p99 / b.p99).toFixed(1)}x`,
      );
    }
    console.log(`\ncommand: ${command}`);
    const failed = rows.filter((x) => x.target === 'Roadmatch' && (x.r.non2xx > 0 || x.r.errors > 0));
    if (failed.length > 0) {
      throw new Error(
        `Roadmatch gave non-2xx answers or connection errors (${failed.map((x) => `${x.r.non2xx} + ${x.r.errors} at ${x.connections}`).join(', ')}): the figures are not comparable`,
      );
    }
  } finally {
    child.removeAllListeners('exit');
    if (child.connected) child.disconnect();
    await bare?.close();
    await harness.stop();
  }
}

if (options.loadGenerator) {
  loadGenerator();
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
