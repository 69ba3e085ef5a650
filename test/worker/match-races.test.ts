import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostSide } from '../../core/policy.js';
import { replaceMatches, searchSnapshot } from '../../db/queries/matching.js';
import { indexPost } from '../../db/queries/posts.js';
import { matchPost, StatsCache } from '../../worker/processors/match.js';
import { sampleNeed, sampleOffering, signup, startTestApp, type TestApp } from '../helpers.js';

// Both posts' jobs write a match. A post rescored while the marketplace grows may have searched before a
// new post of the other side was indexed; writing after that post's job, it must not remove the match that
// job found. It removes the matches with posts its search saw and did not find, and keeps those with posts
// indexed after its snapshot.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const post = async (side: 'needs' | 'offerings', auth: Record<string, string>) =>
  (
    await request(t.app)
      .post(`/v1/${side}`)
      .set(auth)
      .send(side === 'needs' ? sampleNeed() : sampleOffering())
      .expect(201)
  ).body.id as string;
/** The matches of a post, as need/offering pairs. */
const pairs = async (id: string) =>
  (
    await t.db.sql<{ pair: string }[]>`select need_id || '/' || offering_id as pair from matches
      where ${id} in (need_id, offering_id) order by 1`
  ).map((r) => r.pair);
/** What a post's job writes when its search, at snapshot `seen`, found nothing. */
const writeNothing = (side: PostSide, id: string, seen: string) =>
  t.db.db.transaction((tx) => replaceMatches(tx, side, [{ id, version: 1, found: [], seen }], 50));

describe('writing a post’s matches', () => {
  it.each([
    ['need', 'offering'],
    ['offering', 'need'],
  ] as const)(
    'keeps a match that a newer %s’s search never saw, and removes it once a search saw it',
    async (side, newer) => {
      const bio = await signup(t.app, 'biomanufacturer');
      const supplier = await signup(t.app, 'supplier');
      const first = await post(side === 'need' ? 'needs' : 'offerings', side === 'need' ? bio.auth : supplier.auth);
      await indexPost(t.db.db, side, first);
      // The first post's job searches now, before the other post exists...
      const before = await searchSnapshot(t.db.db);
      const second = await post(newer === 'need' ? 'needs' : 'offerings', newer === 'need' ? bio.auth : supplier.auth);
      // ...the newer post's job indexes it and finds the first,
      await matchPost(t.db.db, new StatsCache(t.db.db), { side: newer, id: second, version: 1 });
      const pair = side === 'need' ? `${first}/${second}` : `${second}/${first}`;
      expect(await pairs(first)).toEqual([pair]);
      // ...and the first post's job, writing after it what its search found (nothing), keeps that match.
      await writeNothing(side, first, before);
      expect(await pairs(first)).toEqual([pair]);
      // A search that saw the newer post and did not find it removes the match.
      await writeNothing(side, first, await searchSnapshot(t.db.db));
      expect(await pairs(first)).toEqual([]);
    },
  );
});
