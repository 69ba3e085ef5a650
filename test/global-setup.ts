import postgres from 'postgres';
import { Redis } from 'ioredis';

/** Fails fast, with a message a newcomer can act on, when PostgreSQL or Redis is not running. */
export default async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
    // This run's databases carry its process id; those of a run whose process is gone were left behind by an
    // interruption. A run still going on the same server keeps its own.
    process.env.RM_TEST_RUN = String(process.pid);
    const ours = await sql<{ datname: string }[]>`
      select datname from pg_database where datname ~ '^rm_test_[0-9]+_'`;
    for (const { datname } of ours) {
      const pid = Number(/^rm_test_(\d+)_/.exec(datname)![1]);
      if (!isAlive(pid)) await sql.unsafe(`drop database if exists "${datname}" with (force)`);
    }
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${url} (${(err as Error).message}). Start it first.`);
  } finally {
    await sql.end();
  }
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis is not reachable (${(err as Error).message}). Start it first.`);
  } finally {
    redis.disconnect();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
