import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listUnmatchedPosts, REMATCH_STALL_SECONDS } from '../../db/queries/matching.js';
import { prepareRematch, recordRematchProgress } from '../../db/queries/rematch.js';
import { sampleNeed, signup, startTestApp, type TestApp } from '../helpers.js';

// The sweep re-queues posts whose matching job was lost. The needs a full rematch marked are its chunks'
// to match while it is at work: queued one by one too, each would be matched twice, and the rematch would
// wait behind thousands of single jobs. Once the rematch stalls (no chunk finished for a while), the sweep
// takes them.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.close();
});

const sweptNeeds = async () =>
  (await listUnmatchedPosts(t.db.db))
    .filter((p) => p.side === 'need')
    .map((p) => p.id)
    .sort();

describe('the sweep during a full rematch', () => {
  it("leaves the rematch's needs to its chunks while it is at work, and takes them once it stalls", async () => {
    const bio = await signup(t.app, 'biomanufacturer');
    const ids: string[] = [];
    for (const title of ['Raman for glucose', 'Perfusion cell retention', 'Viral clearance by filtration']) {
      const res = await request(t.app)
        .post('/v1/needs')
        .set(bio.auth)
        .send({ ...sampleNeed(), title })
        .expect(201);
      ids.push(res.body.id as string);
    }
    ids.sort();
    // Saved a while ago and matched since (no worker runs here: marked as their jobs would leave them).
    await t.db.sql`update needs set updated_at = now() - interval '10 minutes', matched_version = version,
      matched_at = now() - interval '9 minutes'`;
    expect(await sweptNeeds()).toEqual([]);

    const { runId } = await prepareRematch(t.db.db, 100);
    // Just prepared: every need waits for its chunk, none is swept.
    expect(await sweptNeeds()).toEqual([]);

    // At work: begun a while ago, a chunk finished a moment ago (one need matched); the others wait.
    await t.db.sql`update needs set matched_version = version, matched_at = now() where id = ${ids[0]!}`;
    await t.db.sql`update rematches set started_at = now() - interval '5 minutes',
      progress_at = now() - interval '4 minutes'`;
    await recordRematchProgress(t.db.db, runId);
    expect(await sweptNeeds()).toEqual([]);

    // A need edited after the rematch began is its own job's, and swept when that is lost.
    await t.db
      .sql`update needs set version = version + 1, updated_at = now() - interval '1 minute' where id = ${ids[1]!}`;
    expect(await sweptNeeds()).toEqual([ids[1]]);

    // Stalled: no chunk finished for longer than REMATCH_STALL_SECONDS (its last chunks were lost with Redis's
    // data). A need matched by its own job meanwhile does not keep the rematch at work.
    await t.db.sql`update rematches set progress_at = now() - make_interval(secs => ${REMATCH_STALL_SECONDS + 60})`;
    await t.db.sql`update needs set matched_at = now() where id = ${ids[0]!}`;
    expect(await sweptNeeds()).toEqual([ids[1], ids[2]].sort());
  });
});
