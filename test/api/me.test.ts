import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signup, startTestApp, type TestApp } from '../helpers.js';

let t: TestApp;
let user: Awaited<ReturnType<typeof signup>>;
beforeAll(async () => {
  t = await startTestApp();
  user = await signup(t.app, 'supplier', 'Lumen Probes');
});
afterAll(async () => {
  await t.close();
});

describe('/v1/me', () => {
  it('tells who is signed in', async () => {
    const res = await request(t.app).get('/v1/me').set(user.auth).expect(200);
    expect(res.body).toMatchObject({
      user: { id: user.userId },
      organisation: { name: 'Lumen Probes', kind: 'supplier' },
    });
  });

  it('starts with weekly digests on Monday at 08:00 and takes changes, keeping what is left out', async () => {
    const initial = await request(t.app).get('/v1/me/digest').set(user.auth).expect(200);
    expect(initial.body).toEqual({ frequency: 'weekly', weekday: 1, hour: 8, timezone: 'UTC' });
    const changed = await request(t.app)
      .put('/v1/me/digest')
      .set(user.auth)
      .send({ frequency: 'daily', hour: 7, timezone: 'America/New_York' })
      .expect(200);
    expect(changed.body).toEqual({ frequency: 'daily', weekday: 1, hour: 7, timezone: 'America/New_York' });
    const again = await request(t.app).get('/v1/me/digest').set(user.auth).expect(200);
    expect(again.body).toEqual(changed.body);
  });

  it.each([
    [{ frequency: 'hourly' }, 'frequency'],
    [{ weekday: 0 }, 'weekday'],
    [{ hour: 24 }, 'hour'],
    [{ hour: 7.5 }, 'hour'],
    [{ timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    [{ colour: 'blue' }, 'colour'],
  ])('refuses %j and changes nothing', async (body, field) => {
    const before = await request(t.app).get('/v1/me/digest').set(user.auth).expect(200);
    const res = await request(t.app).put('/v1/me/digest').set(user.auth).send(body).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    const after = await request(t.app).get('/v1/me/digest').set(user.auth).expect(200);
    expect(after.body).toEqual(before.body);
  });

  it('previews an empty digest, with when the next one is due', async () => {
    await request(t.app)
      .put('/v1/me/digest')
      .set(user.auth)
      .send({ frequency: 'weekly', weekday: 3, hour: 9, timezone: 'Europe/Paris' });
    const res = await request(t.app).get('/v1/me/digest/preview').set(user.auth).expect(200);
    expect(res.body.items).toEqual([]);
    const next = new Date(res.body.nextDigestAt);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Paris',
        weekday: 'long',
        hour: 'numeric',
        hourCycle: 'h23',
      }).format(next),
    ).toBe('Wednesday, 09');
    await request(t.app).put('/v1/me/digest').set(user.auth).send({ frequency: 'off' });
    const off = await request(t.app).get('/v1/me/digest/preview').set(user.auth).expect(200);
    expect(off.body.nextDigestAt).toBeNull();
  });
});
