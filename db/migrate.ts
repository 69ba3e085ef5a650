import { sql as dsql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { AREAS, CAPABILITIES } from '../core/taxonomy.js';
import { capabilities, capabilityAreas } from './schema.js';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));
/** Arbitrary, fixed: every process that migrates takes this lock first. */
const MIGRATION_LOCK_ID = 0x526d6d67;

/** Creates the database named in the URL when it does not exist; safe when several processes race. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const sql = postgres(maintenance.toString(), { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select 1 as ok from pg_database where datname = ${name}`;
    if (row) return;
    await sql.unsafe(`create database "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
      // 42P04: duplicate_database; 23505: another process created it between our check and create.
      if (err.code !== '42P04' && err.code !== '23505') throw err;
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Applies the committed migrations and seeds the taxonomy, under a session advisory lock so that
 * processes starting together do not race. One connection, so the lock and the work share a session.
 */
export async function migrateDatabase(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const db = drizzle(sql);
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
    try {
      await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
      await seedTaxonomy(db);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function seedTaxonomy(db: ReturnType<typeof drizzle>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(capabilityAreas)
      .values(AREAS.map((a, i) => ({ slug: a.slug, name: a.name, position: i })))
      .onConflictDoUpdate({
        target: capabilityAreas.slug,
        set: { name: dsql`excluded.name`, position: dsql`excluded.position` },
      });
    await tx
      .insert(capabilities)
      .values(
        CAPABILITIES.map((c, i) => ({
          slug: c.slug,
          areaSlug: c.area,
          name: c.name,
          description: c.covers,
          position: i,
        })),
      )
      .onConflictDoUpdate({
        target: capabilities.slug,
        set: {
          areaSlug: dsql`excluded.area_slug`,
          name: dsql`excluded.name`,
          description: dsql`excluded.description`,
          position: dsql`excluded.position`,
        },
      });
  });
}

export async function prepareDatabase(url: string): Promise<void> {
  await ensureDatabase(url);
  await migrateDatabase(url);
}
