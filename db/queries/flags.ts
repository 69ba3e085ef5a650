import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { organisations, sensitiveFlags } from '../schema.js';

export interface FlagInput {
  field: string;
  phrase: string;
  category: string;
  reason: string;
}

export type FlagSubject = {
  organisationId: string;
  userId: string;
  subjectType: 'need' | 'offering' | 'introduction' | 'consortium';
  subjectId: string;
};

/** Records text saved after its author acknowledged the warning, in the transaction that saved it. */
export async function recordFlags(db: Executor, flags: FlagInput[], subject: FlagSubject): Promise<void> {
  if (flags.length === 0) return;
  await db.insert(sensitiveFlags).values(flags.map((f) => ({ ...f, ...subject })));
}

/** Flags for the operator, newest first. */
export async function listFlags(db: Executor, limit: number, cursor?: { createdAt: Date; id: string }) {
  const rows = await db
    .select({ flag: sensitiveFlags, organisation: organisations })
    .from(sensitiveFlags)
    .innerJoin(organisations, eq(organisations.id, sensitiveFlags.organisationId))
    .where(
      cursor
        ? or(
            lt(sensitiveFlags.createdAt, cursor.createdAt),
            and(eq(sensitiveFlags.createdAt, cursor.createdAt), lt(sensitiveFlags.id, cursor.id)),
          )
        : undefined,
    )
    .orderBy(desc(sensitiveFlags.createdAt), desc(sensitiveFlags.id))
    .limit(limit + 1);
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}
