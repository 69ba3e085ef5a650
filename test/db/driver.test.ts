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
      for (let round = 0; round < 20; round++) {
        const outcome = sql
          .begin(async (tx) => {
            const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
            await killer`select pg_terminate_backend(${row!.pid})`;
            await new Promise((r) => setTimeout(r, 20 * (round % 5)));
            await tx`select 1`;
          })
          .then(
            () => 'committed',
            (err: { code?: string; message?: string }) => err.code ?? err.message,
          );
        // Unpatched, the ROLLBACK sent after the failure threw from a setImmediate callback: the process died.
        // The server's own notice (57P01) or the closed socket, whichever the driver reads first.
        expect(['CONNECTION_CLOSED', '57P01']).toContain(await outcome);
      }
      // Every answer goes to its own query: no late query of a lost transaction was sent out of turn.
      const answers = await Promise.all(
        Array.from({ length: 20 }, async (_, i) => (await sql<{ n: number }[]>`select ${i}::int as n`)[0]!.n),
      );
      expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => i));
    } finally {
      await killer.end();
      await sql.end({ timeout: 1 });
    }
  });
});
