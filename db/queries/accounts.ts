import { and, eq, isNotNull, isNull, sql, type Placeholder } from 'drizzle-orm';
import { builtOnce, isTransaction, type Database, type Executor } from '../client.js';
import { FORMER_MEMBER, FORMER_ORGANISATION } from '../../core/policy.js';
import { apiTokens, organisations, users } from '../schema.js';
import { forgetPosts } from './forget.js';
import { adjustTermStats } from './term-stats.js';

export type OrgKind = (typeof organisations.$inferSelect)['kind'];

export async function createOrganisationWithUser(
  db: Executor,
  input: {
    organisation: { name: string; kind: OrgKind; country: string };
    user: { name: string; email: string; timezone: string };
    /**
     * The first API token's hash, for an operator's onboarding; none for a signup confirmed from its emailed
     * link, whose person signs in with a session and makes tokens on the settings page.
     */
    tokenHash?: string;
  },
) {
  const [organisation] = await db.insert(organisations).values(input.organisation).returning();
  // Made only once the address is known to be its owner's: from the emailed link, or by an operator.
  const [user] = await db
    .insert(users)
    .values({ ...input.user, organisationId: organisation!.id, verifiedAt: sql`now()` })
    .returning();
  const [token] = input.tokenHash
    ? await db
        .insert(apiTokens)
        .values({ userId: user!.id, name: 'Onboarding token', tokenHash: input.tokenHash })
        .returning()
    : [];
  return { organisation: organisation!, user: user!, token: token! };
}

export async function findUserByEmail(db: Executor, email: string) {
  const [user] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`);
  return user;
}

export async function getOrganisation(db: Executor, id: string) {
  const [organisation] = await db.select().from(organisations).where(eq(organisations.id, id));
  return organisation;
}

const viewerColumns = {
  credentialId: apiTokens.id,
  lastUsedAt: apiTokens.lastUsedAt,
  userId: users.id,
  name: users.name,
  email: users.email,
  organisationId: organisations.id,
  organisationKind: organisations.kind,
};

const viewerQuery = (db: Executor, tokenHash: string | Placeholder) =>
  db
    .select(viewerColumns)
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .innerJoin(organisations, eq(organisations.id, users.organisationId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt), isNotNull(users.verifiedAt)));

/** Every authenticated request looks its token up: the query is built once. */
const preparedViewerQuery = builtOnce((db) => viewerQuery(db, sql.placeholder('tokenHash')).prepare('find_viewer'));

/**
 * The viewer behind a live token of a verified person, with the token's last use refreshed at most once a
 * minute.
 */
export async function findViewerByTokenHash(db: Executor, tokenHash: string) {
  const [row] = isTransaction(db)
    ? await viewerQuery(db, tokenHash)
    : await preparedViewerQuery(db as Database).execute({ tokenHash });
  if (!row) return undefined;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.credentialId));
  }
  const { lastUsedAt: _lastUsedAt, ...viewer } = row;
  return viewer;
}

export async function createToken(db: Executor, userId: string, name: string, tokenHash: string) {
  const [token] = await db.insert(apiTokens).values({ userId, name, tokenHash }).returning();
  return token!;
}

export async function listTokens(db: Executor, userId: string) {
  return db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .orderBy(apiTokens.createdAt);
}

/** Revokes one of the user's own tokens; false when there is no such live token. */
export async function revokeToken(db: Executor, userId: string, tokenId: string): Promise<boolean> {
  const revoked = await db
    .update(apiTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return revoked.length > 0;
}

export async function getUser(db: Executor, id: string) {
  const [user] = await db.select().from(users).where(eq(users.id, id));
  return user;
}

/**
 * The consortia an organisation convenes that other organisations are members of and that are not closed:
 * deleting the organisation would delete them for everyone (the convener's foreign key cascades).
 */
export async function listConvenedConsortiaWithOthers(db: Executor, organisationId: string) {
  const rows = await db.execute<{ id: string; title: string }>(sql`
    select c.id, c.title from consortia c
    where c.convener_organisation_id = ${organisationId} and c.status <> 'closed'
      and exists (select 1 from consortium_members m
        where m.consortium_id = c.id and m.organisation_id <> c.convener_organisation_id and m.left_at is null)
    order by c.created_at`);
  return [...rows];
}

/** Locks an organisation's row until the transaction ends, and answers how many people it has. */
export async function lockOrganisationMembers(tx: Executor, organisationId: string): Promise<number> {
  await tx.execute(sql`select 1 from organisations where id = ${organisationId} for update`);
  const [row] = await tx.execute<{ n: number }>(
    sql`select count(*)::int as n from users where organisation_id = ${organisationId}`,
  );
  return row?.n ?? 0;
}

/** What of a deleted person is still in Redis, to remove once the deletion is committed (api/usecases/me.ts). */
export interface AccountTraces {
  /** The ids of their sign-in links and signup requests: each was issued by an account-email job of that id. */
  accountRequestIds: string[];
  /** The periods of their digests: each was sent by a digest job named by their id and it. */
  digestPeriods: string[];
}

/**
 * Deletes a person and everything keyed to them, in the caller's transaction (after `lockOrganisationMembers`):
 * their API tokens, sessions, sign-in links, digests with their items and notices, the emails recorded as sent
 * to them, their signup requests, the invitation they joined by, and their idempotency keys, their own and
 * their signup's (`signup:<address>`, holding the address) (the foreign keys' cascades, and deletes by address
 * and scope). What they did for their organisation stays with it without them: introductions they asked for
 * or answered ("a former member", their message kept), feedback and its reasons, flags of what they wrote,
 * posts they wrote, consortium actions (the foreign keys set null; the consortium log's entries stay, their
 * names erased: `eraseFromConsortiumLog`). With `withOrganisation` (they were its last member) the
 * organisation goes too, with its posts and everything hanging from them: matches, postings, common-need pairs
 * and group places, feedback, flags, consortia it convened, its memberships and invitations, and other
 * people's digest items and notices about its posts (`forgetPosts`). Its introductions stay with the other
 * side, its side null ("a former member", the post withdrawn): pending ones are closed as expired, and the
 * messages its people wrote are blanked (the other side's stay: they are its correspondence). Answers what of
 * the person Redis may still hold.
 */
export async function deleteAccount(
  tx: Executor,
  user: { id: string; email: string; organisationId: string },
  withOrganisation: boolean,
): Promise<AccountTraces> {
  const traces = await listAccountTraces(tx, user);
  await tx.execute(sql`delete from idempotency_keys
    where scope = ${user.id} or scope = ${`signup:${user.email.trim().toLowerCase()}`}`);
  await tx.execute(sql`delete from signup_requests where lower(email) = lower(${user.email})`);
  // The invitation they joined by (or any still open to them) holds their address.
  await tx.execute(sql`delete from organisation_invitations where lower(email) = lower(${user.email})`);
  await eraseFromConsortiumLog(tx, user, withOrganisation);
  await tx.delete(users).where(eq(users.id, user.id));
  if (!withOrganisation) return traces;
  const organisationId = user.organisationId;
  // Locked, so that a matching job indexing one of them finishes first or finds it gone.
  const posts: { side: 'need' | 'offering'; id: string; indexedTerms: string[] }[] = [];
  for (const side of ['need', 'offering'] as const) {
    const rows = await tx.execute<{ id: string; indexedTerms: string[] }>(sql`
      select id, indexed_terms as "indexedTerms" from ${sql.raw(side === 'need' ? 'needs' : 'offerings')}
      where organisation_id = ${organisationId} order by id for update`);
    posts.push(...rows.map((r) => ({ side, ...r })));
  }
  const ids = (side: 'need' | 'offering') => posts.filter((p) => p.side === side).map((p) => p.id);
  await forgetPosts(tx, { needIds: ids('need'), offeringIds: ids('offering') }, organisationId);
  await tx.execute(sql`update introductions set message = '' where requester_organisation_id = ${organisationId}`);
  // The statistics forget the terms they counted for these posts (as `deletePost` does).
  for (const p of posts) await adjustTermStats(tx, p.side, p.indexedTerms, []);
  await tx.execute(sql`delete from digest_notices where subject_id in
    (select id from consortia where convener_organisation_id = ${organisationId})`);
  await tx.delete(organisations).where(eq(organisations.id, organisationId));
  return traces;
}

/**
 * Their jobs Redis may still hold: those of the last 8 days (a finished job is kept a day, a failed one 7).
 */
async function listAccountTraces(tx: Executor, user: { id: string; email: string }): Promise<AccountTraces> {
  const requests = await tx.execute<{ id: string }>(sql`
    select id from signin_links where user_id = ${user.id} and created_at > now() - interval '8 days'
    union select id from signup_requests
      where lower(email) = lower(${user.email}) and created_at > now() - interval '8 days'`);
  const digests = await tx.execute<{ period: string }>(sql`
    select period from digests where user_id = ${user.id} and updated_at > now() - interval '8 days'`);
  return { accountRequestIds: requests.map((r) => r.id), digestPeriods: digests.map((d) => d.period) };
}

/**
 * The consortium log is append-only, but the names it wrote are personal data: a person who leaves is
 * "a former member" in every entry, and when their organisation goes with them, so is the organisation, and
 * an invitation of one of its posts keeps no id or title of it ("withdrawn"). Only `detail` changes (the log's trigger
 * allows that and nothing else, in a transaction that sets roadmatch.erasure).
 */
async function eraseFromConsortiumLog(
  tx: Executor,
  user: { id: string; organisationId: string },
  withOrganisation: boolean,
): Promise<void> {
  await tx.execute(sql`select set_config('roadmatch.erasure', 'on', true)`);
  await tx.execute(sql`
    update consortium_log set detail = detail || jsonb_build_object('user', ${FORMER_MEMBER}::text)
    where user_id = ${user.id} and detail ? 'user'`);
  if (withOrganisation) {
    await tx.execute(sql`
      update consortium_log set detail = detail || jsonb_build_object('organisation', ${FORMER_ORGANISATION}::text)
      where organisation_id = ${user.organisationId} and detail ? 'organisation'`);
    await tx.execute(sql`
      update consortium_log set detail = detail - 'needId' - 'offeringId' - 'title' || '{"withdrawn": true}'::jsonb
      where (detail->>'needId')::uuid in (select id from needs where organisation_id = ${user.organisationId})
         or (detail->>'offeringId')::uuid in (select id from offerings where organisation_id = ${user.organisationId})`);
  }
  await tx.execute(sql`select set_config('roadmatch.erasure', '', true)`);
}

/** What an organisation holds that goes with its last member: its people, needs and offerings, counted. */
export async function countOrganisationHoldings(db: Executor, organisationId: string) {
  const [row] = await db.execute<{ members: number; needs: number; offerings: number }>(sql`
    select (select count(*) from users where organisation_id = ${organisationId})::int as members,
      (select count(*) from needs where organisation_id = ${organisationId})::int as needs,
      (select count(*) from offerings where organisation_id = ${organisationId})::int as offerings`);
  return row!;
}
