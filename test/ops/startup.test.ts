import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../../core/taxonomy.js';
import { clearRedisPrefix, PG_SERVER, REDIS_URL, testDatabaseName, uniqueName } from '../helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const journal = JSON.parse(readFileSync(`${ROOT}db/migrations/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
const database = testDatabaseName();
const prefix = uniqueName('rmtest');
const databaseUrl = Object.assign(new URL(PG_SERVER), { pathname: `/${database}` }).toString();

function start(role: string): { child: ChildProcess; listening: Promise<number>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts', role], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      PORT: '0',
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (line.includes('"API listening"')) resolve(JSON.parse(line).port);
        if (line.includes('"worker started"') && role === 'worker') resolve(0);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, listening, exited };
}

afterAll(async () => {
  const admin = postgres(PG_SERVER, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${database}" with (force)`);
  await admin.end();
  await clearRedisPrefix(`{${prefix}}`);
});

describe('starting the service', () => {
  it('two processes started at once against a missing database create, migrate and seed it once', async () => {
    const a = start('api');
    const b = start('all');
    const [portA, portB] = await Promise.all([a.listening, b.listening]);

    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const migrations = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    const capabilities = await sql`select count(*)::int as n from capabilities`;
    await sql.end();
    expect(migrations[0]!.n).toBe(journal.entries.length);
    expect(capabilities[0]!.n).toBe(CAPABILITIES.length);

    for (const port of [portA, portB]) {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(200);
    }

    // SIGTERM: both stop cleanly.
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  }, 60_000);

  it('refuses to start with a bad configuration, naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
      cwd: ROOT,
      env: { ...process.env, PORT: 'eighty', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toContain('PORT: must be a port number');
    expect(stderr).toContain('APP_SECRET: is required when NODE_ENV=production');
  }, 30_000);
});
