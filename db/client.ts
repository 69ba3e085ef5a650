import { is, type SQL } from 'drizzle-orm';
import { PgTransaction, type PgDialect } from 'drizzle-orm/pg-core';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Database = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };
/** An open transaction, as `Database.transaction` hands it to its callback. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** A database handle or an open transaction: data-access functions take either. */
export type Executor = Database | Transaction;

export interface DbHandle {
  db: Database;
  sql: postgres.Sql;
  close(): Promise<void>;
}

export function connectDatabase(url: string, options: { max?: number } = {}): DbHandle {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Keep timestamps as Date objects and bigint counts as numbers where they fit.
    types: { bigint: postgres.BigInt },
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

/**
 * Runs a raw query as a named prepared statement, on the database's pool or in a transaction. Drizzle's
 * `execute` has PostgreSQL parse and plan every call; the hot queries (the matcher's candidates, a digest's
 * matches) run thousands of times with the same text, so they keep their plan.
 */
export async function executePrepared<T>(db: Executor, query: SQL): Promise<T[]> {
  const { sql: text, params } = (db as unknown as { dialect: PgDialect }).dialect.sqlToQuery(query);
  // A transaction's statements go to its own connection (drizzle's postgres-js session holds it).
  const client = isTransaction(db)
    ? (db as unknown as { session: { client: postgres.Sql } }).session.client
    : (db as Database).$client;
  return (await client.unsafe(text, params as postgres.ParameterOrJSON<never>[], {
    prepare: true,
  })) as unknown as T[];
}

/** Whether `db` is an open transaction rather than the database (its pool). */
export const isTransaction = (db: Executor): boolean => is(db, PgTransaction);

/**
 * A drizzle query built once per database handle, then run with placeholder values (`sql.placeholder`):
 * drizzle otherwise builds a query's text anew on every call, a large part of a hot request's time. It
 * runs on the database's pool, never inside a transaction: callers in a transaction build the query as usual.
 */
export function builtOnce<Q>(build: (db: Database) => Q): (db: Database) => Q {
  const built = new WeakMap<Database, Q>();
  return (db) => {
    let query = built.get(db);
    if (query === undefined) built.set(db, (query = build(db)));
    return query;
  };
}

/** A deadlock or a serialisation failure: PostgreSQL stopped this transaction, and it may simply run again. */
function isRetryableTransactionError(err: unknown): boolean {
  const codeOf = (e: unknown) => (e as { code?: unknown } | null)?.code;
  const code = codeOf(err) ?? codeOf((err as { cause?: unknown } | null)?.cause);
  return code === '40P01' || code === '40001';
}

/**
 * Runs `work` in a transaction, again (up to `attempts` in all) when PostgreSQL stops it as one side of a
 * deadlock or a serialisation failure: a deletion whose cascades meet a matching job writing the same rows
 * is the usual case, and the job has gone ahead by then. `work` must do nothing outside the database.
 */
export async function transactionRetrying<T>(
  db: Database,
  work: (tx: Transaction) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (err) {
      if (attempt >= attempts || !isRetryableTransactionError(err)) throw err;
    }
  }
}
