import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDigestAudience } from '../../bench/digest-data.js';
import { enqueueDueDigests } from '../../worker/processors/digest.js';
import { startMailWorld, until, waitForDigests, type MailWorld } from '../mail-world.js';

let w: MailWorld;
const RECIPIENTS = 300;

beforeAll(async () => {
  w = await startMailWorld();
  await seedDigestAudience(w.t.db.sql, RECIPIENTS);
}, 60_000);

afterAll(async () => {
  await w?.close();
});

const perRecipient = async () => {
  const counts = new Map<string, number>();
  for (const m of await w.smtp.messages()) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
  return counts;
};

describe('delivery when the mail server misbehaves', () => {
  it('records a permanent 5xx rejection, keeps its matches for later, and delivers the rest', async () => {
    const refused = 'seed-00001-bio@example.com';
    const answers4xx = new Map<string, number>();
    const flaky = 'seed-00002-sup@example.com';
    w.smtp.setRefusal((to) => {
      if (to === refused) return { code: 550, message: 'No such mailbox' };
      if (to === flaky && (answers4xx.get(to) ?? 0) < 2) {
        answers4xx.set(to, (answers4xx.get(to) ?? 0) + 1);
        return { code: 451, message: 'Greylisted, try again later' };
      }
      return null;
    });
    // Only these two and a few others, so the backoff of the flaky one is all the test waits for.
    const users = await w.t.db.sql<{ id: string; email: string }[]>`
      select id, email from users where email in (${refused}, ${flaky}, 'seed-00003-bio@example.com')`;
    const jobs = users.map((u) => ({ userId: u.id, period: '2026-W01' }));
    await w.t.deps.notificationsQueue.addBulk(
      jobs.map((data) => ({ name: 'digest', data, opts: { jobId: `digest-${data.userId}-${data.period}` } })),
    );
    const rows = await waitForDigests(w.t, jobs, 30_000);
    const status = Object.fromEntries(rows.map((r) => [users.find((u) => u.id === r.userId)!.email, r.status]));
    expect(status).toEqual({ [refused]: 'failed', [flaky]: 'sent', 'seed-00003-bio@example.com': 'sent' });
    expect(answers4xx.get(flaky)).toBe(2);
    const counts = await perRecipient();
    expect(counts.get(flaky)).toBe(1);
    expect(counts.get(refused)).toBeUndefined();
    const [failed] = await w.t.db.sql<{ error: string; items: number }[]>`
      select d.error, (select count(*)::int from digest_items i where i.digest_id = d.id) as items
      from digests d join users u on u.id = d.user_id where u.email = ${refused}`;
    expect(failed!.error).toMatch(/550/);
    // Nobody saw those matches: they may go in a later digest.
    expect(failed!.items).toBe(0);
    w.smtp.setRefusal(() => null);
  }, 60_000);

  it('delivers every digest exactly once when the mail server goes down mid-run and comes back', async () => {
    const before = await perRecipient();
    let failedAttempts = 0;
    w.worker.notifications.on('failed', () => failedAttempts++);
    const now = new Date('2026-11-30T09:00:00Z');
    const jobs = await enqueueDueDigests(w.t.db.db, w.t.deps.notificationsQueue, { now, everyone: true });
    expect(jobs).toHaveLength(RECIPIENTS);
    await until(async () => (await w.smtp.messages()).length >= before.size + 60, 30_000);
    // While the server is down the worker's sends fail (waited for as an event, not a pause), and the
    // digests they were for stay owed: none is marked sent without its email.
    const sendFailed = new Promise<Error>((resolve) =>
      w.worker.notifications.once('failed', (_job, err) => resolve(err)),
    );
    await w.smtp.stop();
    const delivered = (await w.smtp.messages()).length;
    expect((await sendFailed).message).not.toBe('');
    const [owed] = await w.t.db.sql<{ sent: number }[]>`
      select count(*)::int as sent from digests where period = ${jobs[0]!.period} and status = 'sent'`;
    const deliveredBefore = [...before.values()].reduce((a, b) => a + b, 0);
    expect(owed!.sent).toBeLessThanOrEqual(delivered - deliveredBefore);
    expect(owed!.sent).toBeLessThan(RECIPIENTS - 2);
    await w.smtp.restart();

    const rows = await waitForDigests(w.t, jobs, 90_000);
    // The outage was felt: sends failed and were retried.
    expect(failedAttempts).toBeGreaterThan(0);
    // The two delivered in the test before have nothing new; the refused one's matches come now.
    expect(rows.filter((r) => r.status === 'empty')).toHaveLength(2);
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(RECIPIENTS - 2);
    const counts = await perRecipient();
    const thisRun = [...counts].map(([to, n]) => n - (before.get(to) ?? 0));
    expect(thisRun.filter((n) => n === 1)).toHaveLength(RECIPIENTS - 2);
    expect(thisRun.filter((n) => n > 1)).toEqual([]);
  }, 120_000);
});
