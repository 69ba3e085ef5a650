import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARTER } from '../../core/charter.js';
import { labOffering, sterilityNeeds } from '../community-fixtures.js';
import { signup } from '../helpers.js';
import { startMailWorld, type MailWorld } from '../mail-world.js';

let w: MailWorld;
type Party = Awaited<ReturnType<typeof signup>>;
let alpha: Party;
let beta: Party;
let gamma: Party;
let regulator: Party;
let hub: Party;
let consortiumTitle: string;
const app = () => w.t.app;

beforeAll(async () => {
  w = await startMailWorld();
  alpha = await signup(app(), 'biomanufacturer', 'Alpha Biologics');
  beta = await signup(app(), 'biomanufacturer', 'Beta Vectors');
  gamma = await signup(app(), 'biomanufacturer', 'Gamma Therapeutics');
  regulator = await signup(app(), 'regulator', 'Medicines Regulator');
  hub = await signup(app(), 'hub', 'Quiet Innovation Hub');
  const lab = await signup(app(), 'academic', 'Institute of Rapid Microbiology');
  const ids: Record<string, string> = {};
  for (const [key, who, body] of [
    ['alpha', alpha, sterilityNeeds.alpha],
    ['beta', beta, { ...sterilityNeeds.beta, anonymous: true }],
    ['gamma', gamma, { ...sterilityNeeds.gamma, anonymous: false }],
  ] as const) {
    ids[key] = (await request(app()).post('/v1/needs').set(who.auth).send(body).expect(201)).body.id;
  }
  await request(app()).post('/v1/offerings').set(lab.auth).send(labOffering).expect(201);
  await request(app())
    .put('/v1/me/follows')
    .set(regulator.auth)
    .send({ areas: ['imrr'] })
    .expect(200);
  await w.matched();
  consortiumTitle = 'Rapid sterility release: shared validation protocol';
  await request(app())
    .post('/v1/consortia')
    .set(alpha.auth)
    .send({
      title: consortiumTitle,
      scope: 'Agree a common validation protocol for rapid sterility methods and pool comparison data.',
      needIds: [ids.alpha],
      acceptCharter: true,
      charterVersion: CHARTER.version,
    })
    .expect(201);
}, 60_000);

afterAll(async () => {
  await w?.close();
});

const digestsTo = async (who: Party) =>
  (await w.smtp.to(who.email)).filter((m) => m.raw.includes('List-Unsubscribe-Post'));

describe('community news in digests', () => {
  it("tells a need's owner that other biomanufacturers need it too, anonymous ones unnamed", async () => {
    await w.runDigests();
    const [mail] = await digestsTo(alpha);
    const text = mail!.parsed.text ?? '';
    expect(text).toContain('2 other biomanufacturers need this too');
    expect(text).toContain(sterilityNeeds.beta.title);
    expect(text).toContain('an anonymous biomanufacturer');
    expect(text).toContain('Gamma Therapeutics');
    expect(mail!.raw).not.toContain('Beta Vectors');
    expect(mail!.parsed.html).toContain('other biomanufacturers need this too');
  });

  it('carries the new common-need groups and forming consortia to those who follow their area', async () => {
    const [mail] = await digestsTo(regulator);
    expect(mail).toBeDefined();
    const text = mail!.parsed.text ?? '';
    expect(text).toContain('In the capabilities you follow');
    expect(text).toMatch(/Common need: .+\(3 organisations, 3 needs\)/);
    expect(text).toContain(`Consortium forming: ${consortiumTitle}`);
    expect(mail!.parsed.subject).toMatch(/follow/);
    expect(mail!.raw).not.toContain('Beta Vectors');
  });

  it('sends nothing to a hub that follows nothing and has no matches', async () => {
    expect(await digestsTo(hub)).toEqual([]);
  });

  it('never sends the same news twice', async () => {
    await w.runDigests(new Date(Date.now() + 8 * 86_400_000));
    // Nothing new for either of them in the next period: no news, no matches, no email.
    expect(await digestsTo(regulator)).toHaveLength(1);
    expect(await digestsTo(alpha)).toHaveLength(1);
  });
});
