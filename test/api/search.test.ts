import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleNeed, sampleOffering, signup, startTestApp, type TestApp } from '../helpers.js';

let t: TestApp;
let bio: Awaited<ReturnType<typeof signup>>;
let supplier: Awaited<ReturnType<typeof signup>>;
let academic: Awaited<ReturnType<typeof signup>>;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  bio = await signup(t.app, 'biomanufacturer', 'Halvard Biologics');
  supplier = await signup(t.app, 'supplier', 'Lumen Probes');
  academic = await signup(t.app, 'academic', 'Delft Bioprocess Lab');
  const offer = async (auth: Record<string, string>, key: string, body: Record<string, unknown>) => {
    const res = await request(t.app).post('/v1/offerings').set(auth).send(sampleOffering(body)).expect(201);
    ids[key] = res.body.id;
  };
  await offer(supplier.auth, 'patProbe', {
    title: 'PAT probes for bioreactors',
    description: 'Steam-sterilisable Raman probes for in-line glucose and lactate.',
    keywords: ['Raman'],
  });
  await offer(academic.auth, 'patPhrase', {
    title: 'Process analytical technology for chromatography',
    description: 'Our group builds UV and conductivity monitoring for downstream purification.',
    keywords: [],
    capabilities: ['pt.purification-technology'],
  });
  await offer(supplier.auth, 'scattered', {
    title: 'Technology for analytical laboratories',
    description: 'Sample preparation robots that process plates for analytical chemistry.',
    keywords: [],
    capabilities: ['af.robotics'],
  });
  await offer(academic.auth, 'glycanUs', {
    title: 'Glycan characterization by HILIC',
    description: 'Released N-glycan profiling of monoclonal antibodies.',
    keywords: [],
    capabilities: ['imrr.mass-spec-mam'],
  });
  await offer(supplier.auth, 'nir', {
    title: 'NIR spectroscopy for lyophilised cake moisture',
    description: 'Non-invasive near-infrared moisture measurement of lyophilised vials.',
    keywords: [],
    capabilities: ['pt.drug-product'],
  });
  const need = async (key: string, body: Record<string, unknown>) => {
    const res = await request(t.app).post('/v1/needs').set(bio.auth).send(sampleNeed(body)).expect(201);
    ids[key] = res.body.id;
  };
  await need('needPat', {
    title: 'PAT for continuous capture',
    description: 'We want in-line monitoring of the product concentration in the load of a continuous capture step.',
    keywords: [],
  });
  await need('needCharacterisation', {
    title: 'Raw material characterisation of cell culture media',
    description: 'We want trace element characterisation of lots of chemically defined media.',
    keywords: [],
    capabilities: ['spm.raw-material-variability'],
  });
});
afterAll(async () => {
  await t.close();
});

const search = async (side: 'needs' | 'offerings', q: string, extra = '') => {
  const res = await request(t.app)
    .get(`/v1/${side}?q=${encodeURIComponent(q)}${extra}`)
    .set(bio.auth)
    .expect(200);
  return (res.body.items as { id: string }[]).map((o) => o.id).sort();
};
const idsOf = (...keys: string[]) => keys.map((k) => ids[k]!).sort();

describe('search through the thesaurus', () => {
  it('finds an acronym by its phrase and the phrase by its acronym', async () => {
    expect(await search('offerings', 'PAT')).toEqual(idsOf('patProbe', 'patPhrase'));
    expect(await search('offerings', 'process analytical technology')).toEqual(idsOf('patProbe', 'patPhrase'));
    expect(await search('needs', 'process analytical technology')).toEqual(idsOf('needPat'));
  });

  it('reads a phrase that is a concept as one part, not as words that must all be there', async () => {
    // The scattered words "process", "analytical" and "technology" do not make a post about PAT.
    expect(await search('offerings', 'process analytical technology')).not.toContain(ids.scattered);
    expect(await search('offerings', 'analytical technology')).toContain(ids.scattered);
  });

  it('folds British and American spelling', async () => {
    expect(await search('offerings', 'characterisation')).toEqual(idsOf('glycanUs'));
    expect(await search('needs', 'characterization')).toEqual(idsOf('needCharacterisation'));
    expect(await search('offerings', 'lyophilized')).toEqual(idsOf('nir'));
  });

  it('requires every part (AND), with concepts as parts', async () => {
    expect(await search('offerings', 'PAT Raman')).toEqual(idsOf('patProbe'));
    expect(await search('offerings', 'process analytical technology chromatography')).toEqual(idsOf('patPhrase'));
    expect(await search('offerings', 'PAT glycan')).toEqual([]);
  });

  it('does not widen a word that is only one member of a group', async () => {
    // Raman is a kind of spectroscopy; searching it must not find near-infrared.
    expect(await search('offerings', 'Raman')).toEqual(idsOf('patProbe'));
    expect(await search('offerings', 'near infrared')).toEqual(idsOf('nir'));
    expect(await search('offerings', 'spectroscopy')).toEqual(idsOf('patProbe', 'nir'));
  });

  it('takes OR and exclusions', async () => {
    expect(await search('offerings', 'glycan OR NIR')).toEqual(idsOf('glycanUs', 'nir'));
    expect(await search('offerings', 'PAT -Raman')).toEqual(idsOf('patPhrase'));
    expect(await search('offerings', 'PAT -"in-line"')).toEqual(idsOf('patPhrase'));
  });

  it('searches closed posts of ones own organisation by their terms too', async () => {
    await request(t.app).patch(`/v1/needs/${ids.needPat}`).set(bio.auth).send({ status: 'closed' }).expect(200);
    expect(await search('needs', 'process analytical technology', '&status=closed')).toEqual(idsOf('needPat'));
    expect(await search('needs', 'PAT')).toEqual([]);
    await request(t.app).patch(`/v1/needs/${ids.needPat}`).set(bio.auth).send({ status: 'open' }).expect(200);
    expect(await search('needs', 'PAT')).toEqual(idsOf('needPat'));
  });

  it('falls back to plain full text when no searchable word is left', async () => {
    expect(await search('offerings', 'the')).toEqual([]);
  });
});

describe('capabilities forgiving of people', () => {
  it('says "did you mean" with the nearest slugs for an unknown slug', async () => {
    const res = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .send(sampleNeed({ capabilities: ['imrr.spectroscopic-pta'] }))
      .expect(400);
    expect(res.body.errors[0].field).toBe('capabilities[0]');
    expect(res.body.errors[0].message).toMatch(/did you mean imrr\.spectroscopic-pat\b/);
    const q = await request(t.app).get('/v1/offerings?capability=upstream-intensificaton').set(bio.auth).expect(400);
    expect(q.body.errors[0]).toMatchObject({ field: 'capability' });
    expect(q.body.errors[0].message).toMatch(/did you mean pt\.upstream-intensification\b/);
    const common = await request(t.app).get('/v1/common-needs?capability=Rapid%20microbiology').set(bio.auth);
    expect(common.status).toBe(400);
    expect(common.body.errors[0].message).toMatch(/did you mean imrr\.rapid-microbiology\b/);
  });

  it('accepts the display name of a capability wherever a slug is taken, and answers the slug', async () => {
    const res = await request(t.app)
      .post('/v1/needs')
      .set(bio.auth)
      .send(
        sampleNeed({
          capabilities: [
            'Spectroscopic process analytical technology',
            'imrr.spectroscopic-pat',
            'Upstream Intensification',
          ],
        }),
      )
      .expect(201);
    expect(res.body.capabilities).toEqual(['imrr.spectroscopic-pat', 'pt.upstream-intensification']);
    const byName = await request(t.app)
      .get(`/v1/offerings?capability=${encodeURIComponent('Multi-attribute method and mass spectrometry')}`)
      .set(bio.auth)
      .expect(200);
    expect(byName.body.items.map((o: { id: string }) => o.id)).toEqual([ids.glycanUs]);
    const follows = await request(t.app)
      .put('/v1/me/follows')
      .set(bio.auth)
      .send({ capabilities: ['rapid microbiological methods'], areas: [] })
      .expect(200);
    expect(follows.body.capabilities).toEqual(['imrr.rapid-microbiology']);
    // British or American spelling of a name.
    const modelling = await request(t.app)
      .get(`/v1/needs?capability=${encodeURIComponent('Process modeling and digital twins')}`)
      .set(bio.auth)
      .expect(200);
    expect(modelling.body.items).toEqual([]);
  });
});
