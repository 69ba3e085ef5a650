import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  introducesNeedOwner,
  isDueForReminder,
  isExpiringSoon,
  isLive,
  ownerCountKey,
  revealsNeedOwner,
} from '../../core/policy.js';
import {
  dueForReminderSql,
  expiringSoonSql,
  introducedSql,
  liveSql,
  organisationsSeenBy,
  ownerHiddenSql,
} from '../../db/policy.js';
import { createTestDatabase } from '../helpers.js';

// Each rule's SQL form (db/policy.ts) must answer as its TypeScript form (core/policy.ts) on the same rows.
let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const now = new Date('2026-03-02T12:00:00Z');
const posts = [
  { id: 'open-for-long', status: 'open', expiresAt: new Date('2099-12-31T00:00:00Z') },
  { id: 'open-until-later', status: 'open', expiresAt: new Date('2026-03-09T12:00:00Z') },
  { id: 'expired', status: 'open', expiresAt: new Date('2026-02-23T12:00:00Z') },
  { id: 'expiring-now', status: 'open', expiresAt: now },
  { id: 'closed', status: 'closed', expiresAt: new Date('2026-03-09T12:00:00Z') },
];
const ORG_A = '00000000-0000-4000-8000-00000000000a';
const ORG_B = '00000000-0000-4000-8000-00000000000b';
const needs = [
  { id: '00000000-0000-4000-8000-000000000001', anonymous: true, organisationId: ORG_A },
  { id: '00000000-0000-4000-8000-000000000002', anonymous: true, organisationId: ORG_A },
  { id: '00000000-0000-4000-8000-000000000003', anonymous: false, organisationId: ORG_A },
  { id: '00000000-0000-4000-8000-000000000004', anonymous: false, organisationId: ORG_B },
];

const postRows = sql.join(
  posts.map((p) => sql`(${p.id}, ${p.status}, ${p.expiresAt.toISOString()}::timestamptz)`),
  sql`, `,
);
const needRows = sql.join(
  needs.map((n) => sql`(${n.id}::uuid, ${n.anonymous}, ${n.organisationId}::uuid)`),
  sql`, `,
);

describe('the SQL forms of the rules', () => {
  it('liveSql answers as isLive, at a given time and at the database’s now()', async () => {
    const at = await database.handle.db.execute<{ id: string; live: boolean }>(
      sql`select p.id, ${liveSql('p', now)} as live from (values ${postRows}) as p(id, status, expires_at)`,
    );
    expect(at.length).toBe(posts.length);
    for (const row of at)
      expect(row.live, row.id).toBe(
        isLive(
          posts.find((p) => p.id === row.id)!,
          now,
        ),
      );

    const today = await database.handle.db.execute<{ id: string; live: boolean }>(
      sql`select p.id, ${liveSql('p')} as live from (values ${postRows}) as p(id, status, expires_at)`,
    );
    const clock = new Date();
    expect(today.length).toBe(posts.length);
    for (const row of today)
      expect(row.live, row.id).toBe(
        isLive(
          posts.find((p) => p.id === row.id)!,
          clock,
        ),
      );
  });

  it('expiringSoonSql and dueForReminderSql answer as isExpiringSoon and isDueForReminder', async () => {
    const HOUR = 3_600_000;
    const DAY = 24 * HOUR;
    /** Posts around the reminder window of `base`; `edge` is how close to each bound they come. */
    const around = (base: Date, edge: number) => {
      const at = (ms: number) => new Date(base.getTime() + ms);
      return [
        { id: 'expired', status: 'open', expiresAt: at(-DAY), expiryRemindedFor: null },
        { id: 'expiring-at-once', status: 'open', expiresAt: at(edge), expiryRemindedFor: null },
        { id: 'in-a-week', status: 'open', expiresAt: at(7 * DAY), expiryRemindedFor: null },
        { id: 'at-the-window-edge', status: 'open', expiresAt: at(14 * DAY - edge), expiryRemindedFor: null },
        { id: 'past-the-window', status: 'open', expiresAt: at(14 * DAY + edge), expiryRemindedFor: null },
        { id: 'in-a-month', status: 'open', expiresAt: at(30 * DAY), expiryRemindedFor: null },
        { id: 'reminded', status: 'open', expiresAt: at(3 * DAY), expiryRemindedFor: at(3 * DAY) },
        { id: 'reminded-of-another-date', status: 'open', expiresAt: at(3 * DAY), expiryRemindedFor: at(-300 * DAY) },
        { id: 'closed', status: 'closed', expiresAt: at(3 * DAY), expiryRemindedFor: null },
      ];
    };
    const check = async (rows: ReturnType<typeof around>, clock?: Date) => {
      const values = sql.join(
        rows.map(
          (p) =>
            sql`(${p.id}, ${p.status}, ${p.expiresAt.toISOString()}::timestamptz, ${p.expiryRemindedFor?.toISOString() ?? null}::timestamptz)`,
        ),
        sql`, `,
      );
      const answered = await database.handle.db.execute<{ id: string; soon: boolean; due: boolean }>(
        sql`select p.id, ${expiringSoonSql('p', clock)} as soon, ${dueForReminderSql('p', clock)} as due
            from (values ${values}) as p(id, status, expires_at, expiry_reminded_for)`,
      );
      const at = clock ?? new Date();
      expect(answered.length).toBe(rows.length);
      for (const row of answered) {
        const post = rows.find((p) => p.id === row.id)!;
        expect(row.soon, row.id).toBe(isExpiringSoon(post, at));
        expect(row.due, row.id).toBe(isDueForReminder(post, at));
      }
      return answered.filter((r) => r.due).map((r) => r.id);
    };
    // At a given time, to the millisecond of each bound; at the database's now(), an hour inside them.
    const due = ['expiring-at-once', 'in-a-week', 'at-the-window-edge', 'reminded-of-another-date'].sort();
    expect((await check(around(now, 1), now)).sort()).toEqual(due);
    expect((await check(around(new Date(), HOUR))).sort()).toEqual(due);
  });

  it('ownerHiddenSql and organisationsSeenBy answer as revealsNeedOwner and ownerCountKey', async () => {
    for (const viewer of [ORG_A, ORG_B]) {
      const hidden = await database.handle.db.execute<{ id: string; hidden: boolean }>(
        sql`select n.id, ${ownerHiddenSql('n', viewer)} as hidden
            from (values ${needRows}) as n(id, anonymous, organisation_id)`,
      );
      expect(hidden.length).toBe(needs.length);
      for (const row of hidden)
        expect(row.hidden, row.id).toBe(
          !revealsNeedOwner(
            needs.find((n) => n.id === row.id)!,
            viewer,
          ),
        );

      const [counted] = await database.handle.db.execute<{ n: number }>(
        sql`select ${organisationsSeenBy('n', viewer)} as n from (values ${needRows}) as n(id, anonymous, organisation_id)`,
      );
      expect(counted!.n).toBe(new Set(needs.map((n) => ownerCountKey(n, viewer))).size);
    }
  });

  it('introducedSql answers as introducesNeedOwner, also with a side gone, and reveals what revealsNeedOwner says', async () => {
    const ORG_C = '00000000-0000-4000-8000-00000000000c';
    const [n1, n2, n3] = needs.map((n) => n.id);
    // Need 1 (anonymous, A's): accepted with B (B asked). Need 2 (anonymous, A's): declined with B, pending
    // with C, accepted between A and C where A asked. Need 3: nothing.
    const intros = [
      { needId: n1!, status: 'accepted', requesterOrganisationId: ORG_B, recipientOrganisationId: ORG_A },
      { needId: n2!, status: 'declined', requesterOrganisationId: ORG_B, recipientOrganisationId: ORG_A },
      { needId: n2!, status: 'pending', requesterOrganisationId: ORG_C, recipientOrganisationId: ORG_A },
      { needId: n2!, status: 'accepted', requesterOrganisationId: ORG_A, recipientOrganisationId: ORG_C },
      { needId: n3!, status: 'expired', requesterOrganisationId: ORG_B, recipientOrganisationId: ORG_A },
      // Sides gone (a need deleted; the organisation that asked gone with its last member): they reveal
      // nothing to anyone (introductions outlive their posts and organisations, set null).
      { needId: null, status: 'accepted', requesterOrganisationId: ORG_C, recipientOrganisationId: ORG_A },
      { needId: n1!, status: 'accepted', requesterOrganisationId: null, recipientOrganisationId: ORG_A },
    ];
    const introRows = sql.join(
      intros.map(
        (i) =>
          sql`(${i.needId}::uuid, ${i.status}, ${i.requesterOrganisationId}::uuid, ${i.recipientOrganisationId}::uuid)`,
      ),
      sql`, `,
    );
    // The rules read the table `introductions`: here a CTE of that name stands for it.
    const withIntros = sql`with introductions(need_id, status, requester_organisation_id, recipient_organisation_id)
      as (values ${introRows})`;
    let revealedSomewhere = 0;
    for (const viewer of [ORG_A, ORG_B, ORG_C]) {
      const rows = await database.handle.db.execute<{ id: string; introduced: boolean; hidden: boolean }>(
        sql`${withIntros} select n.id, ${introducedSql('n', viewer)} as introduced,
              ${ownerHiddenSql('n', viewer)} as hidden
            from (values ${needRows}) as n(id, anonymous, organisation_id)`,
      );
      expect(rows.length).toBe(needs.length);
      for (const row of rows) {
        const need = needs.find((n) => n.id === row.id)!;
        const introduced = intros.some((i) => introducesNeedOwner(i, need.id, viewer));
        expect(row.introduced, `${viewer} ${row.id}`).toBe(introduced);
        // As listNeedsIntroducedTo's callers combine them (api/serialize.ts `toNeed`, the post and browse pages).
        expect(!row.hidden || row.introduced, `${viewer} ${row.id}`).toBe(revealsNeedOwner(need, viewer, introduced));
        if (introduced && need.anonymous && need.organisationId !== viewer) revealedSomewhere++;
      }
    }
    // The introduction is what reveals: B sees need 1's owner, C need 2's, and no one else's.
    expect(revealedSomewhere).toBe(2);
  });
});
