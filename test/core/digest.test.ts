import { describe, expect, it } from 'vitest';
import { composeDigest, pairKey, type DigestCandidate } from '../../core/digest/compose.js';
import { digestPeriod, dueDigestPeriod, isDigestDue, nextDigestAt } from '../../core/digest/schedule.js';

let n = 0;
const candidate = (over: Partial<DigestCandidate>): DigestCandidate => {
  n++;
  return {
    matchId: `m${String(n).padStart(3, '0')}`,
    needId: `need-${n}`,
    offeringId: `offering-${n}`,
    score: 0.5,
    ownPostId: 'post-a',
    counterpartOrganisationId: `org-${n}`,
    ...over,
  };
};

describe('composeDigest', () => {
  it('orders best first and leaves out what was sent before', () => {
    const low = candidate({ score: 0.4 });
    const high = candidate({ score: 0.9 });
    const sent = candidate({ score: 0.95 });
    const digest = composeDigest([low, high, sent], new Set([pairKey(sent)]));
    expect(digest.map((c) => c.matchId)).toEqual([high.matchId, low.matchId]);
  });

  it('holds at most three items per post of the recipient', () => {
    const items = Array.from({ length: 5 }, (_, i) => candidate({ score: 0.9 - i / 100, ownPostId: 'post-a' }));
    const other = candidate({ score: 0.1, ownPostId: 'post-b' });
    const digest = composeDigest([...items, other], new Set());
    expect(digest.filter((c) => c.ownPostId === 'post-a')).toHaveLength(3);
    expect(digest).toContain(other);
  });

  it('holds at most two items from one counterpart organisation, an anonymous need counting alone', () => {
    const fromOne = Array.from({ length: 4 }, (_, i) =>
      candidate({ score: 0.9 - i / 100, counterpartOrganisationId: 'org-big', ownPostId: `p${i}` }),
    );
    const anonymous = Array.from({ length: 3 }, (_, i) =>
      candidate({ score: 0.5, counterpartOrganisationId: null, ownPostId: `q${i}` }),
    );
    const digest = composeDigest([...fromOne, ...anonymous], new Set());
    expect(digest.filter((c) => c.counterpartOrganisationId === 'org-big')).toHaveLength(2);
    expect(digest.filter((c) => c.counterpartOrganisationId === null)).toHaveLength(3);
  });

  it('holds at most ten items, and nothing when there is nothing new', () => {
    const many = Array.from({ length: 30 }, (_, i) => candidate({ ownPostId: `p${i}` }));
    expect(composeDigest(many, new Set())).toHaveLength(10);
    expect(composeDigest(many, new Set(many.map(pairKey)))).toEqual([]);
  });

  it('composes the same digest on a retry, ties included', () => {
    const ties = Array.from({ length: 12 }, (_, i) => candidate({ ownPostId: `p${i}` }));
    const a = composeDigest(ties, new Set());
    const b = composeDigest([...ties].reverse(), new Set());
    expect(b).toEqual(a);
  });
});

describe('digest schedule', () => {
  const weekly = { frequency: 'weekly' as const, weekday: 1, hour: 8, timezone: 'Europe/London' };

  it('is due at the chosen local hour and weekday, in the person’s timezone', () => {
    // Monday 30 November 2026, 08:00 in London is 08:00 UTC (GMT in winter).
    expect(isDigestDue(new Date('2026-11-30T08:15:00Z'), weekly)).toBe(true);
    expect(isDigestDue(new Date('2026-11-30T07:59:00Z'), weekly)).toBe(false);
    expect(isDigestDue(new Date('2026-12-01T08:15:00Z'), weekly)).toBe(false);
    // In summer London is UTC+1: 08:00 local is 07:00 UTC.
    expect(isDigestDue(new Date('2026-06-01T07:30:00Z'), weekly)).toBe(true);
    const tokyo = { ...weekly, timezone: 'Asia/Tokyo' };
    // Monday 08:00 in Tokyo is Sunday 23:00 UTC.
    expect(isDigestDue(new Date('2026-11-29T23:10:00Z'), tokyo)).toBe(true);
  });

  it('is never due when off, and every day at the hour when daily', () => {
    expect(isDigestDue(new Date('2026-11-30T08:15:00Z'), { ...weekly, frequency: 'off' })).toBe(false);
    const daily = { ...weekly, frequency: 'daily' as const };
    expect(isDigestDue(new Date('2026-12-02T08:15:00Z'), daily)).toBe(true);
  });

  it('names periods by local ISO week or local date', () => {
    expect(digestPeriod(new Date('2026-11-30T08:00:00Z'), weekly)).toBe('2026-W49');
    // Late Sunday in UTC is already Monday in Tokyo: the next week there.
    expect(digestPeriod(new Date('2026-11-29T23:10:00Z'), { ...weekly, timezone: 'Asia/Tokyo' })).toBe('2026-W49');
    expect(digestPeriod(new Date('2026-11-29T23:10:00Z'), weekly)).toBe('2026-W48');
    expect(digestPeriod(new Date('2027-01-01T12:00:00Z'), weekly)).toBe('2026-W53');
    expect(digestPeriod(new Date('2026-11-29T23:10:00Z'), { frequency: 'daily', timezone: 'Asia/Tokyo' })).toBe(
      '2026-11-30',
    );
  });

  it('catches up within the grace hours, in the period of the hour that was due', () => {
    // Due Sunday 23:00 in London; a tick at Monday 02:00 (the worker was down) still sends week 48's digest.
    const sunday = { ...weekly, weekday: 7, hour: 23 };
    expect(dueDigestPeriod(new Date('2026-11-29T23:05:00Z'), sunday)).toBe('2026-W48');
    expect(dueDigestPeriod(new Date('2026-11-30T02:00:00Z'), sunday)).toBe('2026-W48');
    // Past the grace hours, nothing: a person signing up on Wednesday waits for their Monday.
    expect(dueDigestPeriod(new Date('2026-11-30T06:00:00Z'), sunday)).toBeNull();
    expect(dueDigestPeriod(new Date('2026-12-02T10:00:00Z'), weekly)).toBeNull();
    // Half-hour timezones: Monday 08:00 in Kolkata is 02:30 UTC; a tick at 02:30 or 02:45 reaches it.
    const kolkata = { ...weekly, timezone: 'Asia/Kolkata' };
    expect(dueDigestPeriod(new Date('2026-11-30T02:15:00Z'), kolkata)).toBeNull();
    expect(dueDigestPeriod(new Date('2026-11-30T02:30:00Z'), kolkata)).toBe('2026-W49');
  });

  it('sends on the nights clocks change: a skipped hour moves to the next, a repeated one is due once', () => {
    // London skips 01:00-02:00 on 29 March 2026 (GMT to BST at 01:00 UTC).
    const oneAm = { frequency: 'daily' as const, weekday: 1, hour: 1, timezone: 'Europe/London' };
    expect(isDigestDue(new Date('2026-03-29T01:10:00Z'), oneAm)).toBe(true); // 02:10 BST, the first hour after
    expect(isDigestDue(new Date('2026-03-29T02:10:00Z'), oneAm)).toBe(false); // 03:10 BST
    expect(dueDigestPeriod(new Date('2026-03-29T01:20:00Z'), oneAm)).toBe('2026-03-29');
    // 01:00-02:00 happens twice on 25 October 2026: once as BST (00:00 UTC), once as GMT (01:00 UTC).
    expect(isDigestDue(new Date('2026-10-25T00:10:00Z'), oneAm)).toBe(true);
    expect(isDigestDue(new Date('2026-10-25T01:10:00Z'), oneAm)).toBe(false);
    // New York skips 02:00 on Sunday 8 March 2026 (07:00 UTC); a weekly Sunday 02:00 digest goes at 03:00 EDT.
    const sunday2 = { frequency: 'weekly' as const, weekday: 7, hour: 2, timezone: 'America/New_York' };
    expect(dueDigestPeriod(new Date('2026-03-08T07:05:00Z'), sunday2)).toBe('2026-W10');
  });

  it('tells when the next digest is due, to the quarter hour in offset timezones', () => {
    const kolkata = { frequency: 'weekly' as const, weekday: 1, hour: 8, timezone: 'Asia/Kolkata' };
    // Monday 08:00 in Kolkata (UTC+5:30) is 02:30 UTC.
    expect(nextDigestAt(new Date('2026-11-26T12:00:00Z'), kolkata)?.toISOString()).toBe('2026-11-30T02:30:00.000Z');
    expect(nextDigestAt(new Date('2026-11-26T12:00:00Z'), { ...kolkata, frequency: 'off' })).toBeNull();
  });

  it('skips a period whose digest is already finished: the next one is in the next period', () => {
    const daily = { frequency: 'daily' as const, weekday: 1, hour: 9, timezone: 'Europe/London' };
    const at = new Date('2026-12-01T09:31:00Z'); // Tuesday 09:31 in London
    // Not yet sent today: due at the next tick of today's hour.
    expect(nextDigestAt(at, daily)?.toISOString()).toBe('2026-12-01T09:45:00.000Z');
    // Sent today: tomorrow at 09:00.
    expect(nextDigestAt(at, daily, new Set(['2026-12-01']))?.toISOString()).toBe('2026-12-02T09:00:00.000Z');
    // Another day's digest finished changes nothing.
    expect(nextDigestAt(at, daily, new Set(['2026-11-30']))?.toISOString()).toBe('2026-12-01T09:45:00.000Z');
    // Weekly: this week's Monday 08:00 digest sent, the next is a week on, across the change of ISO week.
    const weekly = { frequency: 'weekly' as const, weekday: 1, hour: 8, timezone: 'Europe/London' };
    const monday = new Date('2026-11-30T08:10:00Z');
    expect(nextDigestAt(monday, weekly)?.toISOString()).toBe('2026-11-30T08:15:00.000Z');
    expect(nextDigestAt(monday, weekly, new Set(['2026-W49']))?.toISOString()).toBe('2026-12-07T08:00:00.000Z');
  });
});
