import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { needSide } from '../../api/routes/posts.js';
import { addMonths } from '../../core/policy.js';
import { lifecycleTick, REMINDERS_PER_TICK } from '../../worker/processors/lifecycle.js';
import { notificationsQueue } from '../../worker/queues.js';
import { sampleNeed, sampleOffering, signup } from '../helpers.js';
import { startMailWorld, until, type MailWorld } from '../mail-world.js';
import { linksIn, type ReceivedMail } from '../smtp.js';

// The lifecycle job: 14 days before a post expires its owner is emailed, once per post and expiry date,
// with a link that renews it in one click; an expired post is out of matching and digests, and back in
// both, matched again, once renewed.

let w: MailWorld;
let bio: Awaited<ReturnType<typeof signup>>;
let supplier: Awaited<ReturnType<typeof signup>>;
const colleague = { name: 'Colleague at Reminder Biologics', email: 'colleague@reminder-bio.example' };

beforeAll(async () => {
  w = await startMailWorld();
  bio = await signup(w.t.app, 'biomanufacturer', 'Reminder Biologics');
  supplier = await signup(w.t.app, 'supplier', 'Reminder Probes');
  await w.t.db.sql`insert into users (organisation_id, name, email, verified_at)
    values (${bio.organisationId}, ${colleague.name}, ${colleague.email}, now())`;
}, 60_000);

afterAll(async () => {
  await w?.close();
});

const DAY = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const tick = () => lifecycleTick(w.t.db.db, w.t.deps.notificationsQueue);
const reminders = async (email: string) =>
  (await w.smtp.to(email)).filter((m) => linksIn(m.parsed.text ?? '', 'Renew for 12 months').length > 0);
const about = (mails: ReceivedMail[], title: string) => mails.filter((m) => m.parsed.text!.includes(`"${title}"`));
/** Waits until every reminder owed has been sent and marked: a tick then finds none due. */
const allReminded = () => until(async () => (await tick()).due === 0);

async function postNeed(title: string, over: Record<string, unknown> = {}) {
  const res = await request(w.t.app)
    .post('/v1/needs')
    .set(bio.auth)
    .send(sampleNeed({ title, ...over }))
    .expect(201);
  return res.body.id as string;
}

const expiryOf = async (id: string) =>
  new Date((await w.t.db.sql<{ e: Date }[]>`select expires_at as e from needs where id = ${id}`)[0]!.e);

describe('the reminder before a post expires', () => {
  const soon = 'Single-use bag leak testing expiring soon';
  const later = 'Single-use bag leak testing expiring later';
  const closed = 'Single-use bag leak testing closed';
  const orphan = 'Single-use bag leak testing whose author left';
  const ids = { soon: '', later: '', closed: '', orphan: '' };

  beforeAll(async () => {
    ids.soon = await postNeed(soon, { expiresAt: inDays(13) });
    ids.later = await postNeed(later, { expiresAt: inDays(20) });
    ids.closed = await postNeed(closed, { expiresAt: inDays(10) });
    await request(w.t.app).patch(`/v1/needs/${ids.closed}`).set(bio.auth).send({ status: 'closed' }).expect(200);
    ids.orphan = await postNeed(orphan, { expiresAt: inDays(12) });
    // Its author has left: the organisation's people are told instead.
    await w.t.db.sql`update needs set created_by = null where id = ${ids.orphan}`;
  });

  it('emails the author once, 14 days before, and the organisation when the author is gone', async () => {
    expect((await tick()).due).toBe(2);
    await until(async () => (await reminders(colleague.email)).length === 1);
    await allReminded();

    const toAuthor = await reminders(bio.email);
    expect(toAuthor.map((m) => m.parsed.subject).sort()).toEqual(
      [`Your need "${soon}" expires on`, `Your need "${orphan}" expires on`].map((s) => expect.stringContaining(s)),
    );
    expect(about(toAuthor, later)).toEqual([]); // 20 days ahead: not yet
    expect(about(toAuthor, closed)).toEqual([]); // closed: nothing to keep alive
    const [toColleague] = await reminders(colleague.email);
    expect(toColleague!.parsed.subject).toContain(orphan);
    const [mail] = about(toAuthor, soon);
    expect(mail!.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail!.parsed.text).toContain('leaves Roadmatch on');
    expect(mail!.parsed.text).toContain(`Its page: ${w.t.config.publicUrl}/needs/${ids.soon}`);
  });

  it('sends nothing twice: not on the next tick, nor after a crash before the post was marked', async () => {
    expect((await tick()).due).toBe(0);
    // As if the worker had died between sending and marking: the job runs again, its sends are recorded.
    await w.t.db.sql`update needs set expiry_reminded_for = null where id = ${ids.soon}`;
    expect((await tick()).due).toBe(1);
    await allReminded();
    expect(about(await reminders(bio.email), soon)).toHaveLength(1);
    expect(await reminders(colleague.email)).toHaveLength(1);
  });

  it('renews the post from the emailed link: the link shows a page, its button renews, once', async () => {
    const link = new URL(linksIn(about(await reminders(bio.email), soon)[0]!.parsed.text!, 'Renew for 12 months')[0]!);
    const before = await expiryOf(ids.soon);

    // Opening the link (as a mail scanner does) changes nothing.
    const page = await request(w.t.app).get(link.pathname).expect(200);
    expect(page.text).toContain('Renew your need?');
    expect(page.text).toContain(soon);
    expect(await expiryOf(ids.soon)).toEqual(before);

    // Locked once: to compare the expiry the email was about, then renewed under that lock.
    const locks = vi.spyOn(needSide, 'lock');
    const done = await request(w.t.app).post(link.pathname).type('form').send('').expect(200);
    expect(locks).toHaveBeenCalledTimes(1);
    locks.mockRestore();
    const renewed = await expiryOf(ids.soon);
    expect(Math.abs(renewed.getTime() - addMonths(new Date(), 12).getTime())).toBeLessThan(60_000);
    const longDate = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(renewed);
    expect(done.text).toContain(`is open until ${longDate}`);

    // A second click (or a replayed form) renews nothing more, and says where the post stands.
    const again = await request(w.t.app).post(link.pathname).type('form').send('').expect(200);
    expect(again.text).toContain(`is open until ${longDate}`);
    expect(await expiryOf(ids.soon)).toEqual(renewed);
    // A new expiry, a year away: no reminder owed for it yet.
    expect((await tick()).due).toBe(0);
  });

  it('does not renew a post closed since the email, and says so', async () => {
    const link = new URL(linksIn((await reminders(colleague.email))[0]!.parsed.text!, 'Renew for 12 months')[0]!);
    const before = await expiryOf(ids.orphan);
    await request(w.t.app).patch(`/v1/needs/${ids.orphan}`).set(bio.auth).send({ status: 'closed' }).expect(200);
    const page = await request(w.t.app).post(link.pathname).type('form').send('').expect(409);
    expect(page.text).toContain('This need is closed');
    expect(await expiryOf(ids.orphan)).toEqual(before);
  });
});

describe('an expired post', () => {
  const needTitle = 'Viral clearance for a continuous capture step at 500 L';
  let needId: string;
  let firstOffering: string;

  const matchesOf = async (side: 'needs' | 'offerings', id: string, who: typeof bio) =>
    (await request(w.t.app).get(`/v1/${side}/${id}/matches`).set(who.auth).expect(200)).body.items as {
      need: { id: string };
      offering: { id: string };
    }[];
  const offering = async (title: string) =>
    (
      await request(w.t.app)
        .post('/v1/offerings')
        .set(supplier.auth)
        .send(
          sampleOffering({
            title,
            description: `${title}: multi-column continuous capture chromatography skids with viral clearance studies.`,
            capabilities: ['pt.continuous-downstream'],
            keywords: ['viral clearance', 'continuous chromatography'],
          }),
        )
        .expect(201)
    ).body.id as string;
  /** The supplier's digest emails that name the need. */
  const digestsNaming = async () =>
    (await w.smtp.to(supplier.email)).filter(
      (m) => /new match/.test(m.parsed.subject ?? '') && m.parsed.text!.includes(needTitle),
    );

  beforeAll(async () => {
    needId = await postNeed(needTitle, {
      description: 'Validated viral clearance for a continuous multi-column capture chromatography step at 500 L.',
      capabilities: ['pt.continuous-downstream'],
      keywords: ['viral clearance', 'continuous chromatography'],
    });
    firstOffering = await offering('Continuous chromatography skids');
    await w.matched();
    expect((await matchesOf('needs', needId, bio)).map((m) => m.offering.id)).toContain(firstOffering);
  }, 60_000);

  it('leaves matching and digests, and comes back, matched again, when renewed', async () => {
    await w.t.db.sql`update needs set expires_at = now() - interval '1 minute' where id = ${needId}`;
    expect((await matchesOf('offerings', firstOffering, supplier)).map((m) => m.need.id)).not.toContain(needId);
    // An offering posted while the need is expired is not matched with it.
    const secondOffering = await offering('Continuous capture skids with clearance data');
    await w.matched();
    expect((await matchesOf('offerings', secondOffering, supplier)).map((m) => m.need.id)).not.toContain(needId);
    await w.runDigests();
    expect(await digestsNaming()).toEqual([]);

    await request(w.t.app).post(`/v1/needs/${needId}/renew`).set(bio.auth).send({}).expect(200);
    await w.matched();
    const found = (await matchesOf('needs', needId, bio)).map((m) => m.offering.id);
    expect(found).toEqual(expect.arrayContaining([firstOffering, secondOffering]));
    expect((await matchesOf('offerings', secondOffering, supplier)).map((m) => m.need.id)).toContain(needId);
    // The next week's digest brings it to the supplier.
    await w.runDigests(new Date(Date.now() + 8 * DAY));
    expect(await digestsNaming()).toHaveLength(1);
  });
});

describe('many posts due at once', () => {
  // As 0015's backfill left the posts saved before expiry existed: one expiry, to the microsecond, for all.
  // A tick enqueues at most REMINDERS_PER_TICK new reminders a side (here a cap of 2); the next tick goes on
  // with the rest, passing over those whose job is still waiting, until every post is reminded once.
  const CAP = 2;
  let backfilled: Awaited<ReturnType<typeof signup>>;
  const ids: string[] = [];

  beforeAll(async () => {
    backfilled = await signup(w.t.app, 'biomanufacturer', 'Backfilled Biologics');
    for (let i = 0; i < 5; i++) {
      const res = await request(w.t.app)
        .post('/v1/needs')
        .set(backfilled.auth)
        .send(sampleNeed({ title: `Backfilled need number ${i}`, expiresAt: inDays(60) }))
        .expect(201);
      ids.push(res.body.id as string);
    }
    await w.t.db.sql`update needs set expires_at = date_trunc('second', now()) + interval '10 days 0.123456 seconds'
      where id in ${w.t.db.sql(ids)}`;
    const [shared] = await w.t.db.sql<{ n: number; at: string }[]>`
      select count(distinct expires_at)::int as n, min(expires_at)::text as at from needs where id in ${w.t.db.sql(ids)}`;
    expect(shared).toMatchObject({ n: 1, at: expect.stringMatching(/\.123456\+/) });
  });

  it('caps a tick, and the next tick takes the rest rather than the ones still waiting', async () => {
    expect(REMINDERS_PER_TICK).toBe(5000);
    // A queue no worker reads: the jobs a tick enqueues stay waiting.
    const idle = notificationsQueue(w.t.deps.redis, `${w.t.config.queuePrefix}-idle`);
    try {
      const waiting = async () => (await idle.getJobs(['waiting'])).map((j) => (j.data as { id: string }).id).sort();
      expect(await lifecycleTick(w.t.db.db, idle, new Date(), CAP)).toEqual({ due: 2, enqueued: 2, more: true });
      expect(await lifecycleTick(w.t.db.db, idle, new Date(), CAP)).toEqual({ due: 4, enqueued: 2, more: true });
      expect(await lifecycleTick(w.t.db.db, idle, new Date(), CAP)).toEqual({ due: 5, enqueued: 1, more: false });
      expect(await waiting()).toEqual([...ids].sort());
      // All asked for: a tick asks for none again while they wait.
      expect(await lifecycleTick(w.t.db.db, idle, new Date(), CAP)).toEqual({ due: 5, enqueued: 0, more: false });
    } finally {
      await idle.obliterate({ force: true });
      await idle.close();
    }
  });

  it('reminds each of them once, over the ticks it takes', async () => {
    const ticks: { enqueued: number }[] = [];
    await until(async () => {
      const result = await lifecycleTick(w.t.db.db, w.t.deps.notificationsQueue, new Date(), CAP);
      ticks.push(result);
      return result.due === 0;
    }, 60_000);
    expect(Math.max(...ticks.map((t) => t.enqueued))).toBeLessThanOrEqual(CAP);
    const mails = await reminders(backfilled.email);
    expect(mails.map((m) => /"(Backfilled need number \d)"/.exec(m.parsed.subject ?? '')?.[1]).sort()).toEqual(
      ids.map((_, i) => `Backfilled need number ${i}`),
    );
    const [marked] = await w.t.db.sql<{ n: number }[]>`select count(*)::int as n from needs
      where id in ${w.t.db.sql(ids)} and expiry_reminded_for = expires_at`;
    expect(marked!.n).toBe(ids.length);
  }, 90_000);
});
