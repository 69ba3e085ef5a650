import postgres from 'postgres';
import { Redis } from 'ioredis';

/** Fails fast, with a message a newcomer can act on, when PostgreSQL or Redis is not running. */
export default async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
    // Databases left behind by an interrupted run.
    const stale = await sql<{ datname: string }[]>`
      select datname from pg_database where datname like 'rm_test_%'`;
    for (const { datname } of stale) await sql.unsafe(`drop database if exists "${datname}" with (force)`);
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
