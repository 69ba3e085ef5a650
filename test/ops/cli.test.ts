import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDigestAudience } from '../../bench/digest-data.js';
import { DEMO } from '../../scripts/demo-data.js';
import {
  PG_SERVER,
  REDIS_URL,
  sampleNeed,
  signup,
  startTestApp,
  testDatabaseName,
  uniqueName,
  type TestApp,
} from '../helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;

/** Runs a tool as `npm run` does (tsx), and answers its exit code and output. */
function run(script: string, args: string[], env: Record<string, string> = {}) {
  const started = Date.now();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env };
  delete childEnv.SMTP_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 })),
  );
}

const databaseExists = async (name: string) => {
  const admin = postgres(PG_SERVER, { max: 1, onnotice: () => {} });
  try {
    return (await admin`select 1 from pg_database where datname = ${name}`).length > 0;
  } finally {
    await admin.end();
  }
};

describe('--help on every tool', () => {
  // A database that does not exist: a tool that did any work would create it (prepareDatabase).
  const missing = testDatabaseName();
  const env = {
    DATABASE_URL: Object.assign(new URL(PG_SERVER), { pathname: `/${missing}` }).toString(),
    REDIS_URL,
    QUEUE_PREFIX: uniqueName('rmtest'),
  };

  it.each([
    ['main.ts', 'node dist/main.js'],
    ['scripts/digest.ts', 'npm run digest --'],
    ['scripts/demo.ts', 'npm run demo --'],
    ['scripts/screenshots.ts', 'npm run screenshots --'],
    ['scripts/rematch.ts', 'npm run rematch --'],
    ['scripts/eval.ts', 'npm run eval --'],
    ['scripts/eval-common.ts', 'npm run eval:common --'],
    ['bench/matching.ts', 'npm run bench:matching --'],
    ['bench/digest.ts', 'npm run bench:digest --'],
    ['bench/api.ts', 'npm run bench:api --'],
    ['bench/eval-offline.ts', 'npx tsx bench/eval-offline.ts'],
    ['bench/eval-common-offline.ts', 'npx tsx bench/eval-common-offline.ts'],
  ])('%s --help prints its usage and exits 0 without doing any work', async (script, usage) => {
    const result = await run(script, ['--help'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Usage: ${usage}`);
    expect(result.stdout).toContain('--help');
    expect(result.seconds).toBeLessThan(15);
    expect(await databaseExists(missing)).toBe(false);
  });

  it('documents the options with their defaults', async () => {
    expect((await run('scripts/digest.ts', ['--help'], env)).stdout).toMatch(/--stall-timeout <seconds>[^]*120/);
    expect((await run('bench/digest.ts', ['--help'], env)).stdout).toMatch(/--recipients <n>[^]*20000/);
    expect((await run('bench/eval-offline.ts', ['--help'], env)).stdout).toMatch(/--folds <k>[^]*default: 5/);
  });

  it('main.ts with an unknown role exits 64, and a tool given a bad option exits 64 with its error', async () => {
    const role = await run('main.ts', ['janitor'], env);
    expect(role.code).toBe(64);
    expect(role.stderr).toContain('Unknown role "janitor"');
    const option = await run('scripts/digest.ts', ['--stall-timeout', 'soon'], env);
    expect(option.code).toBe(64);
    expect(option.stderr).toContain("option '--stall-timeout <seconds>' argument 'soon' is invalid");
    expect(await databaseExists(missing)).toBe(false);
  });
});

describe('tools run on a database', () => {
  let t: TestApp;
  const outbox = join(tmpdir(), uniqueName('rm_outbox'));
  const envOf = () => ({
    DATABASE_URL: t.config.databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: t.config.queuePrefix,
    OUTBOX_DIR: outbox,
  });

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
    await rm(outbox, { recursive: true, force: true });
  });

  it('npm run rematch gives up with a clear message when no worker takes the work', async () => {
    // A post that nothing matches: no worker runs in this test.
    const org = await signup(t.app, 'biomanufacturer');
    await request(t.app).post('/v1/needs').set(org.auth).send(sampleNeed()).expect(201);

    const result = await run('scripts/rematch.ts', ['--stall-timeout', '2'], envOf());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('No post has been matched in 2 s (0 of 1 done): is a worker running?');
    expect(result.stderr).toContain('npm run worker');
    expect(result.stderr).not.toContain('    at '); // the message alone, no stack
  }, 60_000);

  it("npm run demo emails its own organisations' people and nobody else", async () => {
    await seedDigestAudience(t.db.sql, 20);
    // Not due today, so that the demo worker's own digest tick leaves them alone: any digest they get is the demo's.
    await t.db.sql`
      update users set digest_weekday = extract(isodow from now() at time zone 'Europe/London')::int % 7 + 1`;
    const result = await run('scripts/demo.ts', [], envOf());
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`loading ${DEMO.length} demo organisations`);

    const recipients = await t.db.sql<{ email: string }[]>`
      select u.email from digests d join users u on u.id = d.user_id order by u.email`;
    expect(recipients.map((r) => r.email)).toEqual(DEMO.map((org) => org.user.email).sort());
  }, 180_000);
});
