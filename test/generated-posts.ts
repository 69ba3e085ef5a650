import { generateNeed, generateOffering, rng } from '../bench/generate.js';
import { insertNeed, insertOffering } from '../db/queries/posts.js';
import { organisations } from '../db/schema.js';
import type { TestApp } from './helpers.js';

/**
 * Generated needs of one biomanufacturer and offerings of ten suppliers, written straight into the database
 * (no job queued): the needs wait for matching, the offerings are marked matched. For the fault tests, which
 * need a matching run long enough to interrupt.
 */
export async function seedGeneratedPosts(t: TestApp, counts: { needs: number; offerings: number; seed: number }) {
  const random = rng(counts.seed);
  const [bio] = await t.db.db
    .insert(organisations)
    .values({ name: `Generated Bio ${counts.seed}`, kind: 'biomanufacturer', country: 'GB' })
    .returning();
  const suppliers = await t.db.db
    .insert(organisations)
    .values(
      Array.from({ length: 10 }, (_, i) => ({
        name: `Generated S${i} ${counts.seed}`,
        kind: 'supplier' as const,
        country: 'DE',
      })),
    )
    .returning();
  await t.db.db.transaction(async (tx) => {
    for (let i = 0; i < counts.needs; i++) {
      await insertNeed(tx, { ...generateNeed(random), organisationId: bio!.id } as never);
    }
    for (let i = 0; i < counts.offerings; i++) {
      await insertOffering(tx, { ...generateOffering(random), organisationId: suppliers[i % 10]!.id } as never);
    }
  });
  await t.db.sql`update offerings set matched_version = version, matched_at = now()`;
}

/** How many needs are not yet matched at their latest version. */
export async function pendingNeeds(t: TestApp): Promise<number> {
  const [row] = await t.db.sql<{ n: number }[]>`
    select count(*)::int as n from needs where matched_version is distinct from version`;
  return row!.n;
}
