import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceCommonNeeds } from '../../db/queries/common-needs.js';
import { sampleNeed, signup, startTestApp, type TestApp } from '../helpers.js';

// Two needs' jobs write the same pair from its two sides. A need rescored while the marketplace grows may
// have searched before a new need was indexed; writing after the new need's job, it must not remove the
// pair that job found (a common need of three that lost one of its links fell apart this way in CI). It
// removes only pairs with needs it compared itself with, and pairs whose other need has left.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const postNeed = async (auth: Record<string, string>) =>
  (await request(t.app).post('/v1/needs').set(auth).send(sampleNeed()).expect(201)).body.id as string;
const pairCount = async () => (await t.db.sql<{ n: number }[]>`select count(*)::int as n from common_needs`)[0]!.n;
const write = (id: string, found: { other: string; similarity: number }[], evaluated: string[]) =>
  t.db.db.transaction((tx) =>
    replaceCommonNeeds(tx, [{ id, found: found.map((f) => ({ ...f, explanation: {} })), evaluated }]),
  );

describe('writing a need’s common needs', () => {
  it('keeps a pair with a need its search never saw, and removes one it compared and found apart', async () => {
    const a = await postNeed((await signup(t.app, 'biomanufacturer')).auth);
    const c = await postNeed((await signup(t.app, 'biomanufacturer')).auth);
    // The new need's job finds the pair...
    await write(c, [{ other: a, similarity: 0.7 }], [a]);
    expect(await pairCount()).toBe(1);
    // ...and a's job, whose search ran before c was indexed (c not among what it compared), keeps it.
    await write(a, [], []);
    expect(await pairCount()).toBe(1);
    // A search of a's that compared it with c and found them apart removes it.
    await write(a, [], [c]);
    expect(await pairCount()).toBe(0);
  });

  it('removes a pair whose other need has closed, compared or not', async () => {
    const bio = await signup(t.app, 'biomanufacturer');
    const a = await postNeed((await signup(t.app, 'biomanufacturer')).auth);
    const b = await postNeed(bio.auth);
    await write(b, [{ other: a, similarity: 0.7 }], [a]);
    expect(await pairCount()).toBe(1);
    await request(t.app).patch(`/v1/needs/${b}`).set(bio.auth).send({ status: 'closed' }).expect(200);
    expect(await pairCount()).toBe(1); // left to the matching jobs (none runs here)
    await write(a, [], []);
    expect(await pairCount()).toBe(0);
  });
});
