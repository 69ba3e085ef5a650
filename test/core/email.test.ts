import { describe, expect, it } from 'vitest';
import { renderDigest, renderIntroductionClosed, type DigestItemView } from '../../core/email/render.js';
import { signLink, verifyLink } from '../../core/links.js';

const SECRET = 'a-test-secret-that-is-long-enough-to-use';

describe('signed links', () => {
  const claims = { action: 'request-introduction' as const, userId: 'u1', targetId: 'n1/o1', expiresAt: 2_000_000_000 };

  it('round-trips the claims of a link signed with the same secret', () => {
    expect(verifyLink(SECRET, signLink(SECRET, claims), new Date('2030-01-01'))).toEqual({ ok: true, claims });
  });

  it('refuses a changed payload, a changed signature, another secret, and garbage', () => {
    const token = signLink(SECRET, claims);
    const [payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ a: 'accept', u: 'u1', t: 'n1/o1' })).toString('base64url');
    expect(verifyLink(SECRET, `${forged}.${signature}`)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyLink(SECRET, `${payload}.${signature!.slice(0, -2)}xx`)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyLink('another-secret-that-is-long-enough!!', token)).toEqual({ ok: false, reason: 'bad_signature' });
    for (const junk of ['', 'abc', 'a.b.c', '%%%.%%%', `${payload}.`]) expect(verifyLink(SECRET, junk).ok).toBe(false);
  });

  it('refuses an expired link, and never expires one signed without an expiry', () => {
    expect(verifyLink(SECRET, signLink(SECRET, claims), new Date('2040-01-01'))).toEqual({
      ok: false,
      reason: 'expired',
      action: claims.action,
    });
    const unsubscribe = signLink(SECRET, { action: 'unsubscribe', userId: 'u1' });
    expect(verifyLink(SECRET, unsubscribe, new Date('2099-01-01')).ok).toBe(true);
  });
});

describe('email rendering', () => {
  const item: DigestItemView = {
    side: 'need',
    ownTitle: 'Glucose <control> & feeding',
    counterpartTitle: '<script>alert(1)</script> probes',
    counterpartOrganisation: 'Acme "Sensors" (supplier)',
    score: 0.714,
    summary: 'Matched on Raman.',
    capabilities: ['Spectroscopic process analytical technology'],
    terms: ['Raman'],
    requestIntroductionUrl: 'https://roadmatch.example/a/x.y',
    notRelevantUrl: 'https://roadmatch.example/a/z.w',
  };
  const view = {
    recipientName: 'Dana',
    organisationName: 'Northwind',
    frequency: 'weekly' as const,
    items: [item],
    unsubscribeUrl: 'https://roadmatch.example/u/t.s',
  };

  it('escapes every value in the HTML part and leaves the text part plain', () => {
    const email = renderDigest(view);
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; probes');
    expect(email.html).toContain('Glucose &lt;control&gt; &amp; feeding');
    expect(email.text).toContain('<script>alert(1)</script> probes');
    expect(email.text).toContain('match 71%');
    expect(email.subject).toBe('1 new match for Northwind: <script>alert(1)</script> probes');
  });

  it('says "week" or "day" as the person chose, and shortens a long subject', () => {
    const long = { ...item, counterpartTitle: 'x'.repeat(100) };
    const daily = renderDigest({ ...view, frequency: 'daily', items: [long, item] });
    expect(daily.text).toContain('2 new matches for Northwind today');
    expect(daily.subject.length).toBeLessThan(100);
    expect(daily.subject.endsWith('…')).toBe(true);
  });

  it('tells a requester of a decline without naming the other side beyond what they may see', () => {
    const email = renderIntroductionClosed({
      needTitle: 'Raman glucose',
      needOrganisation: 'an anonymous biomanufacturer',
      offeringTitle: 'Probes',
      offeringOrganisation: 'Acme',
      summary: 'Matched on Raman.',
      recipientName: 'Sam',
      outcome: 'declined',
    });
    expect(email.subject).toBe('Your introduction request was declined');
    expect(email.text).toContain('Need: Raman glucose (an anonymous biomanufacturer)');
  });
});
