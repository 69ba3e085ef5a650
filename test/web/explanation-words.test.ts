import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARTER } from '../../core/charter.js';
import { labOffering, sterilityNeeds } from '../community-fixtures.js';
import { signup } from '../helpers.js';
import { startMailWorld, type MailWorld } from '../mail-world.js';
import { signInThroughPages, type Agent } from './forms.js';

// Why two posts match, and why two needs are common, as people read it in the pages and the emails:
// capabilities and partnership types by their names, never by their slugs.

let w: MailWorld;
let alpha: Awaited<ReturnType<typeof signup>>;
let web: Agent;
const ids: Record<string, string> = {};

const PARTNERSHIP = ['research-collaboration', 'pilot'];
/** Every slug the posts carry, as a person must not read it. */
const SLUGS = /imrr\.|rapid-microbiology|real-time-release|research-collaboration/;

/** The "Why:" lines of a page, as text. */
const whyLines = (html: string) => [...html.matchAll(/<strong>Why:<\/strong> ([^<]*)</g)].map((m) => m[1]!);

beforeAll(async () => {
  w = await startMailWorld();
  const app = w.t.app;
  alpha = await signup(app, 'biomanufacturer', 'Alpha Words Biologics');
  const gamma = await signup(app, 'biomanufacturer', 'Gamma Words Therapeutics');
  const lab = await signup(app, 'academic', 'Institute of Worded Microbiology');
  const need = (body: Record<string, unknown>) => ({ ...body, partnershipTypes: PARTNERSHIP });
  ids.alpha = (
    await request(app).post('/v1/needs').set(alpha.auth).send(need(sterilityNeeds.alpha)).expect(201)
  ).body.id;
  ids.gamma = (
    await request(app).post('/v1/needs').set(gamma.auth).send(need(sterilityNeeds.gamma)).expect(201)
  ).body.id;
  await request(app)
    .post('/v1/offerings')
    .set(lab.auth)
    .send({ ...labOffering, partnershipTypes: ['research-collaboration', 'service'] })
    .expect(201);
  await w.matched();
  web = request.agent(app);
  expect((await signInThroughPages(w, web, alpha.email)).status).toBe(303);
}, 90_000);

afterAll(async () => {
  await w?.close();
});

describe('explanations in words', () => {
  it('names capabilities and partnership types in a match on the need’s page and in the digest', async () => {
    const page = await web.get(`/needs/${ids.alpha}`).expect(200);
    const [why] = whyLines(page.text);
    expect(why).toContain('Capability: Rapid microbiological methods');
    expect(why).toContain('Partnership: research collaboration (1 of the 2 the need accepts).');
    expect(why).not.toMatch(SLUGS);

    await w.runDigests();
    const [digest] = (await w.smtp.to(alpha.email)).filter((m) => /new match/.test(m.parsed.subject ?? ''));
    expect(digest).toBeDefined();
    for (const part of [digest!.parsed.text!, String(digest!.parsed.html)]) {
      expect(part).toContain('Capabilities in common: Rapid microbiological methods');
      expect(part).toContain('Partnership: research collaboration (1 of the 2 the need accepts).');
      expect(part).not.toMatch(SLUGS);
    }
  });

  it('names them in why a need is common, on the consortium’s page', async () => {
    const consortium = await request(w.t.app)
      .post('/v1/consortia')
      .set(alpha.auth)
      .send({
        title: 'Rapid sterility release',
        scope: 'A shared validation package for rapid sterility methods: requirements, test panels and criteria.',
        needIds: [ids.alpha],
        acceptCharter: true,
        charterVersion: CHARTER.version,
      })
      .expect(201);
    const page = await web.get(`/consortia/${consortium.body.id}`).expect(200);
    const reasons = whyLines(page.text).filter((l) => l.startsWith('Both need'));
    expect(reasons).toHaveLength(1); // the other biomanufacturer's need
    expect(reasons[0]).toContain('Capability: Rapid microbiological methods');
    expect(reasons[0]).toContain('Partnership: research collaboration, pilot project.');
    expect(reasons[0]).not.toMatch(SLUGS);
  });
});
