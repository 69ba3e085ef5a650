import request from 'supertest';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceMatches, searchSnapshot } from '../../db/queries/matching.js';
import { startWorker } from '../../worker/index.js';
import { sampleNeed, sampleOffering, signup, startTestApp, type TestApp } from '../helpers.js';

let t: TestApp;
let worker: Awaited<ReturnType<typeof startWorker>>;
let bio: Awaited<ReturnType<typeof signup>>;
let supplier: Awaited<ReturnType<typeof signup>>;
let academic: Awaited<ReturnType<typeof signup>>;

beforeAll(async () => {
  t = await startTestApp();
  worker = await startWorker({
    config: t.config,
    logger: pino({ level: process.env.TEST_LOG ?? 'silent' }),
    db: t.db.db,
  });
  bio = await signup(t.app, 'biomanufacturer', 'Halvard Biologics');
  supplier = await signup(t.app, 'supplier', 'Lumen Probes');
  academic = await signup(t.app, 'academic', 'Delft Bioprocess Lab');
});
afterAll(async () => {
  await worker.close();
  await t.close();
});

/** Waits until the post's current version has been matched, as a client would. */
async function matched(side: 'needs' | 'offerings', id: string, auth: Record<string, string>) {
  for (let i = 0; i < 200; i++) {
    const res = await request(t.app).get(`/v1/${side}/${id}`).set(auth);
    if (res.body.matchedAt) return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${side} ${id} was never matched`);
}

async function post(side: 'needs' | 'offerings', auth: Record<string, string>, body: object) {
  const res = await request(t.app).post(`/v1/${side}`).set(auth).send(body).expect(201);
  await matched(side, res.body.id, auth);
  return res.body.id as string;
}

async function matchesOf(side: 'needs' | 'offerings', id: string, auth: Record<string, string>) {
  const res = await request(t.app).get(`/v1/${side}/${id}/matches`).set(auth).expect(200);
  return res.body.items as {
    id: string;
    score: number;
    need: { id: string; organisation: unknown };
    offering: { id: string };
    explanation: { summary: string; terms: string[]; capabilities: { slug: string }[] };
  }[];
}

const unrelatedOffering = sampleOffering({
  title: 'Temperature-controlled shipping containers for frozen drug substance',
  description: 'Dry-ice and liquid nitrogen shippers with live tracking for clinical supply logistics.',
  capabilities: ['spm.cold-chain-logistics'],
  keywords: ['cold chain'],
  trl: 9,
  partnershipTypes: ['supply'],
});

describe('matching', () => {
  it('matches a need with the offering that fits, explains why, and leaves out the one that does not', async () => {
    const fits = await post('offerings', supplier.auth, sampleOffering());
    const unrelated = await post('offerings', supplier.auth, unrelatedOffering);
    const need = await post('needs', bio.auth, sampleNeed());

    const items = await matchesOf('needs', need, bio.auth);
    const ids = items.map((m) => m.offering.id);
    expect(ids).toContain(fits);
    expect(ids).not.toContain(unrelated);
    const m = items.find((i) => i.offering.id === fits)!;
    expect(m.score).toBeGreaterThan(0);
    expect(m.score).toBeLessThanOrEqual(1);
    expect(m.explanation.capabilities.map((c) => c.slug)).toContain('imrr.spectroscopic-pat');
    expect(m.explanation.terms.join(' ').toLowerCase()).toContain('raman');
    expect(m.explanation.summary.length).toBeGreaterThan(10);

    // The offering's owners see the same match from their side.
    const fromOffering = await matchesOf('offerings', fits, supplier.auth);
    expect(fromOffering.map((x) => x.need.id)).toContain(need);
  });

  it('matches a need written in other words: perfusion and continuous culture with cell retention', async () => {
    const offering = await post(
      'offerings',
      academic.auth,
      sampleOffering({
        title: 'Continuous culture with cell retention for CHO processes',
        description:
          'We run long continuous cultures of CHO cells with acoustic and hollow-fibre cell retention devices at bench scale and model the steady state.',
        capabilities: [],
        keywords: [],
        trl: 5,
        partnershipTypes: ['research-collaboration'],
      }),
    );
    const need = await post(
      'needs',
      bio.auth,
      sampleNeed({
        title: 'Perfusion process development for a monoclonal antibody',
        description: 'We want to intensify our upstream process with perfusion at high cell density.',
        capabilities: [],
        keywords: [],
        trlMin: 3,
        trlMax: 6,
        partnershipTypes: ['research-collaboration', 'co-development'],
      }),
    );
    const items = await matchesOf('needs', need, bio.auth);
    expect(items.map((m) => m.offering.id)).toContain(offering);
  });

  it('never matches an organisation kind outside openTo', async () => {
    // A supplier's and a lab's offering that both fit the need: only the lab's may be matched.
    const fromSupplier = await post('offerings', supplier.auth, sampleOffering());
    const fromLab = await post(
      'offerings',
      academic.auth,
      sampleOffering({ title: 'Raman chemometrics for glucose monitoring in bioreactors', trl: 6 }),
    );
    const need = await post(
      'needs',
      bio.auth,
      sampleNeed({ openTo: ['academic'], title: 'Raman glucose, academic partners only' }),
    );
    const items = await matchesOf('needs', need, bio.auth);
    const ids = items.map((m) => m.offering.id);
    expect(ids).toContain(fromLab);
    expect(ids).not.toContain(fromSupplier);
    expect(items.map((m) => (m.offering as { organisation?: { kind: string } }).organisation?.kind)).toEqual(
      items.map(() => 'academic'),
    );
  });

  it('updates matches when a post changes, and drops them when it closes', async () => {
    const offering = await post(
      'offerings',
      supplier.auth,
      sampleOffering({ title: 'Raman probe for bioreactors, changing soon' }),
    );
    const need = await post('needs', bio.auth, sampleNeed());
    expect((await matchesOf('needs', need, bio.auth)).map((m) => m.offering.id)).toContain(offering);

    await request(t.app)
      .patch(`/v1/offerings/${offering}`)
      .set(supplier.auth)
      .send({ ...unrelatedOffering })
      .expect(200);
    await matched('offerings', offering, supplier.auth);
    expect((await matchesOf('needs', need, bio.auth)).map((m) => m.offering.id)).not.toContain(offering);

    await request(t.app).patch(`/v1/needs/${need}`).set(bio.auth).send({ status: 'closed' }).expect(200);
    await matched('needs', need, bio.auth);
    expect(await matchesOf('needs', need, bio.auth)).toEqual([]);
  });

  it('a job that computed for an old version writes nothing', async () => {
    const need = await post('needs', bio.auth, sampleNeed());
    await request(t.app)
      .patch(`/v1/needs/${need}`)
      .set(bio.auth)
      .send({ title: 'Raman glucose, version two' })
      .expect(200);
    const before = await t.db.sql`select count(*)::int as n from matches where need_id = ${need}`;
    const written = await t.db.db.transaction(async (tx) =>
      replaceMatches(tx, 'need', [{ id: need, version: 1, found: [], seen: await searchSnapshot(tx) }], 50),
    );
    expect(written.size).toBe(0);
    const after = await t.db.sql`select count(*)::int as n from matches where need_id = ${need}`;
    expect(after[0]!.n).toBe(before[0]!.n);
    const got = await matched('needs', need, bio.auth);
    expect(got.title).toBe('Raman glucose, version two');
  });

  it('hides an anonymous need in the offering owners’ match listing', async () => {
    const secretive = await signup(t.app, 'biomanufacturer', 'Quietly Confidential Biologics');
    const offering = await post(
      'offerings',
      supplier.auth,
      sampleOffering({ title: 'Raman probes, for the anonymity test' }),
    );
    const need = await post('needs', secretive.auth, sampleNeed({ anonymous: true }));
    await matched('offerings', offering, supplier.auth);
    const res = await request(t.app).get(`/v1/offerings/${offering}/matches`).set(supplier.auth).expect(200);
    const item = res.body.items.find((m: { need: { id: string } }) => m.need.id === need);
    expect(item).toBeDefined();
    expect(item.need.organisation).toBeNull();
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('Quietly Confidential Biologics');
    expect(text).not.toContain(secretive.organisationId);
    expect(text).not.toContain(secretive.userId);
  });

  it('a rematch re-analyses a post analysed by an older analyser', async () => {
    const { need, offering } = await freshPair('plasmid DNA');
    await t.db.sql`update needs set analysis = jsonb_set(analysis, '{version}', '0') where id = ${need}`;
    const { startRematch } = await import('../../worker/queues.js');
    await startRematch(t.db.db, t.deps.matchingQueue);
    await matched('needs', need, bio.auth);
    const [row] = await t.db.sql`select (analysis->>'version')::int as version from needs where id = ${need}`;
    expect(row!.version).toBeGreaterThan(0);
    expect((await matchesOf('needs', need, bio.auth)).map((m) => m.offering.id)).toContain(offering);
  });

  it('stops showing a match once the other side’s post has expired, in listings and the digest preview', async () => {
    const { need, offering, match } = await freshPair('viral clearance');
    // Expiry comes with the clock, not with a save: no job runs for it.
    await t.db.sql`update offerings set expires_at = now() - interval '1 minute' where id = ${offering}`;
    expect((await matchesOf('needs', need, bio.auth)).map((m) => m.offering.id)).not.toContain(offering);
    const preview = await request(t.app).get('/v1/me/digest/preview').set(bio.auth).expect(200);
    expect(preview.body.items.map((m: { id: string }) => m.id)).not.toContain(match.id);
  });

  it('shows a post’s matches only to its organisation', async () => {
    const need = await post('needs', bio.auth, sampleNeed());
    await request(t.app).get(`/v1/needs/${need}/matches`).set(supplier.auth).expect(404);
  });
});

/** A fresh pair on a topic of its own, so that each feedback test starts from one clear match. */
async function freshPair(topic: string) {
  const offering = await post(
    'offerings',
    supplier.auth,
    sampleOffering({
      title: `Periodic counter-current chromatography for ${topic}`,
      description: `Multi-column continuous capture chromatography skids with process control software for ${topic}.`,
      capabilities: ['pt.continuous-downstream'],
      keywords: ['PCC', topic],
      trl: 7,
      partnershipTypes: ['supply', 'pilot'],
    }),
  );
  const need = await post(
    'needs',
    bio.auth,
    sampleNeed({
      title: `Continuous capture chromatography for ${topic}`,
      description: `We want to move protein A capture of ${topic} from batch to multi-column continuous chromatography.`,
      capabilities: ['pt.continuous-downstream'],
      keywords: [topic],
      trlMin: 5,
      trlMax: 8,
      partnershipTypes: ['pilot'],
    }),
  );
  const match = (await matchesOf('needs', need, bio.auth)).find((m) => m.offering.id === offering);
  expect(match).toBeDefined();
  return { need, offering, match: match! };
}

describe('digest preview', () => {
  it('holds the new matches of the organisation’s posts, and hides an anonymous need’s owner', async () => {
    const { match } = await freshPair('cell-free protein synthesis');
    const mine = await request(t.app).get('/v1/me/digest/preview').set(bio.auth).expect(200);
    expect(mine.body.items.map((m: { id: string }) => m.id)).toContain(match.id);
    expect(mine.body.items.length).toBeLessThanOrEqual(10);

    const secretive = await signup(t.app, 'biomanufacturer', 'Discreet Biologics');
    await post('needs', secretive.auth, sampleNeed({ anonymous: true, title: 'Raman glucose control, anonymously' }));
    const theirs = await request(t.app).get('/v1/me/digest/preview').set(supplier.auth).expect(200);
    const text = JSON.stringify(theirs.body);
    expect(text).not.toContain('Discreet Biologics');
    expect(text).not.toContain(secretive.organisationId);
  });
});

describe('feedback', () => {
  it('a pair marked not relevant disappears and never comes back, even after a full rematch', async () => {
    const { need, offering, match } = await freshPair('bispecific antibodies');

    const res = await request(t.app)
      .post(`/v1/matches/${match.id}/feedback`)
      .set(bio.auth)
      .send({ verdict: 'not_relevant', reason: 'We already use this probe' })
      .expect(200);
    expect(res.body).toMatchObject({ verdict: 'not_relevant', reason: 'We already use this probe' });
    expect((await matchesOf('needs', need, bio.auth)).map((m) => m.offering.id)).not.toContain(offering);

    // A change to either post, and a full rematch, keep it out.
    await request(t.app).patch(`/v1/offerings/${offering}`).set(supplier.auth).send({ trl: 6 }).expect(200);
    await matched('offerings', offering, supplier.auth);
    const { startRematch } = await import('../../worker/queues.js');
    await startRematch(t.db.db, t.deps.matchingQueue);
    await matched('needs', need, bio.auth);
    expect((await matchesOf('needs', need, bio.auth)).map((m) => m.offering.id)).not.toContain(offering);
  });

  it('records "relevant" and shows it on the match', async () => {
    const { need, match } = await freshPair('fusion proteins');
    await request(t.app)
      .post(`/v1/matches/${match.id}/feedback`)
      .set(bio.auth)
      .send({ verdict: 'relevant' })
      .expect(200);
    const again = await request(t.app).get(`/v1/needs/${need}/matches`).set(bio.auth).expect(200);
    expect(again.body.items.find((m: { id: string }) => m.id === match.id).feedback).toBe('relevant');
  });

  it('refuses feedback from outsiders and bad verdicts', async () => {
    const { match } = await freshPair('enzymes');
    const outsider = await signup(t.app, 'academic');
    await request(t.app)
      .post(`/v1/matches/${match.id}/feedback`)
      .set(outsider.auth)
      .send({ verdict: 'relevant' })
      .expect(404);
    const bad = await request(t.app)
      .post(`/v1/matches/${match.id}/feedback`)
      .set(bio.auth)
      .send({ verdict: 'meh' })
      .expect(400);
    expect(bad.body.errors[0].field).toBe('verdict');
  });
});
