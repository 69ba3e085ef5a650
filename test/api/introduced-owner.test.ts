import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailWorld, type MailWorld } from '../mail-world.js';
import { sampleNeed, sampleOffering, signup } from '../helpers.js';
import { signInThroughPages } from '../web/forms.js';

let w: MailWorld;
beforeAll(async () => {
  w = await startMailWorld();
});
afterAll(async () => {
  await w?.close();
});

const app = () => w.t.app;
const SECRET_ORG = 'Revealed Later Biologics';

describe('an anonymous need after an accepted introduction', () => {
  it('shows its organisation to the other side of the introduction, on the need’s page, in the listings and in the API, and to no one else', async () => {
    const bio = await signup(app(), 'biomanufacturer', SECRET_ORG);
    const supplier = await signup(app(), 'supplier', 'Introduced Probes');
    const bystander = await signup(app(), 'supplier', 'Bystander Probes');
    const need = await request(app())
      .post('/v1/needs')
      .set(bio.auth)
      .send(sampleNeed({ anonymous: true, title: 'Anonymous need introduced later' }))
      .expect(201);
    const offering = await request(app()).post('/v1/offerings').set(supplier.auth).send(sampleOffering()).expect(201);
    await w.matched();
    const [match] = (await request(app()).get(`/v1/needs/${need.body.id}/matches`).set(bio.auth).expect(200)).body
      .items;

    const supplierAgent = request.agent(app());
    await signInThroughPages(w, supplierAgent, supplier.email);
    const seen = async () => ({
      api: (await request(app()).get(`/v1/needs/${need.body.id}`).set(supplier.auth).expect(200)).body.organisation,
      listed: (
        (await request(app()).get('/v1/needs?q=Raman').set(supplier.auth).expect(200)).body.items as {
          id: string;
          organisation: unknown;
        }[]
      ).find((n) => n.id === need.body.id)!.organisation,
      page: (await supplierAgent.get(`/needs/${need.body.id}`).expect(200)).text,
      browsed: (await supplierAgent.get('/needs?q=Raman').expect(200)).text,
    });

    // Asked but not yet accepted: still anonymous.
    const asked = await request(app())
      .post(`/v1/matches/${match.id}/introductions`)
      .set(supplier.auth)
      .send({ message: 'We make Raman probes.' })
      .expect(201);
    const before = await seen();
    expect(before.api).toBeNull();
    expect(before.listed).toBeNull();
    expect(before.page).toContain('an anonymous biomanufacturer');
    expect(before.page).not.toContain(SECRET_ORG);
    expect(before.browsed).toContain('Anonymous need introduced later');
    expect(before.browsed).not.toContain(SECRET_ORG);

    await request(app()).post(`/v1/introductions/${asked.body.id}/accept`).set(bio.auth).expect(200);

    const after = await seen();
    expect(after.api).toMatchObject({ id: bio.organisationId, name: SECRET_ORG });
    expect(after.listed).toMatchObject({ id: bio.organisationId, name: SECRET_ORG });
    expect(after.page).toContain(SECRET_ORG);
    expect(after.browsed).toContain(SECRET_ORG);
    const introduction = await request(app()).get(`/v1/introductions/${asked.body.id}`).set(supplier.auth).expect(200);
    expect(introduction.body.need.organisation).toEqual(after.api);

    // On the supplier's own offering, the match card names it too, however many introductions came since
    // (the page asks listNeedsIntroducedTo, as the API does, rather than reading its latest 500 introductions).
    const card = async () => (await supplierAgent.get(`/offerings/${offering.body.id}`).expect(200)).text;
    expect(await card()).toContain(SECRET_ORG);
    await w.t.db.sql`
      insert into introductions (requester_organisation_id, message, status, expires_at, notified_status)
      select ${supplier.organisationId}, 'Another request', 'expired', now(), 'expired' from generate_series(1, 501)`;
    expect(await card()).toContain(SECRET_ORG);

    // Anyone else still sees an anonymous need.
    const other = await request(app()).get(`/v1/needs/${need.body.id}`).set(bystander.auth).expect(200);
    expect(other.body.organisation).toBeNull();
    expect(JSON.stringify(other.body)).not.toContain(SECRET_ORG);
    const bystanderAgent = request.agent(app());
    await signInThroughPages(w, bystanderAgent, bystander.email);
    const page = (await bystanderAgent.get(`/needs/${need.body.id}`).expect(200)).text;
    expect(page).toContain('an anonymous biomanufacturer');
    expect(page).not.toContain(SECRET_ORG);
  });
});
