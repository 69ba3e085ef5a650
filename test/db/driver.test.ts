import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers.js';

// The driver's own failure on a cut connection (porsager/postgres#1154, #1208), patched in
// patches/postgres+3.4.9.patch: a query on a connection whose backend was terminated threw a TypeError from
// a setImmediate callback, which no caller can catch, and the process died.
let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('the database driver on a terminated connection', () => {
  it('fails a transaction whose backend was terminated, rolls back without dying, and the pool goes on', async () => {
    const sql = postgres(database.url, { max: 2, onnotice: () => {} });
    const killer = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      // The socket's error, its close and the next query race: rounds with different pauses meet each order.
      for (let round = 0; round < 5; round++) {
        const outcome = sql
          .begin(async (tx) => {
            const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
            await killer`select pg_terminate_backend(${row!.pid})`;
            await new Promise((r) => setTimeout(r, 20 * round));
            await tx`select 1`;
          })
          .then(
            () => 'committed',
            (err: { code?: string }) => err.code,
          );
        // Unpatched, the ROLLBACK sent after the failure threw from a setImmediate callback: the process died.
        expect(await outcome).toBe('CONNECTION_CLOSED');
      }
      const [ok] = await sql<{ n: number }[]>`select 1 as n`;
      expect(ok!.n).toBe(1);
    } finally {
      await killer.end();
      await sql.end({ timeout: 1 });
    }
  });
});
