import { describe, expect, it } from 'vitest';
import {
  addMonths,
  defaultExpiry,
  expiryRefusal,
  hasExpired,
  isDueForReminder,
  isExpiringSoon,
  latestExpiry,
  renewalRefusal,
} from '../../core/policy.js';

// The lifecycle rules of core/policy.ts: how long a post lives, how far ahead its expiry may be set, when
// its owner is reminded, and what may be renewed.

const now = new Date('2026-12-01T10:00:00Z');
const days = (n: number) => new Date(now.getTime() + n * 86_400_000);

describe('a post’s lifetime', () => {
  it('counts calendar months, on the last day of a shorter month', () => {
    expect(defaultExpiry(now).toISOString()).toBe('2027-12-01T10:00:00.000Z');
    expect(addMonths(new Date('2027-01-31T08:00:00Z'), 1).toISOString()).toBe('2027-02-28T08:00:00.000Z');
    expect(addMonths(new Date('2027-08-31T08:00:00Z'), 6).toISOString()).toBe('2028-02-29T08:00:00.000Z');
  });

  it('takes an expiry in the future up to the end of the day 24 months ahead', () => {
    expect(latestExpiry(now).toISOString()).toBe('2028-12-01T23:59:59.999Z');
    expect(expiryRefusal(now, now)).toBe('must be in the future');
    expect(expiryRefusal(days(-1), now)).toBe('must be in the future');
    expect(expiryRefusal(days(1), now)).toBeNull();
    expect(expiryRefusal(new Date('2028-12-01T23:59:59Z'), now)).toBeNull();
    expect(expiryRefusal(new Date('2028-12-02T00:00:00Z'), now)).toBe('must be at most 24 months from now');
  });

  it('renews open and expired posts, not closed ones', () => {
    expect(renewalRefusal({ status: 'open' }, 'need')).toBeNull();
    expect(renewalRefusal({ status: 'closed' }, 'offering')).toBe(
      'This offering is closed: reopen it first, then renew it.',
    );
  });
});

describe('the reminder before expiry', () => {
  const post = (expiresAt: Date, over: Partial<{ status: string; expiryRemindedFor: Date | null }> = {}) => ({
    status: 'open',
    expiresAt,
    expiryRemindedFor: null,
    ...over,
  });

  it('is due within 14 days of an open post’s expiry, once per expiry date', () => {
    expect(isDueForReminder(post(days(14)), now)).toBe(true);
    expect(isDueForReminder(post(days(1)), now)).toBe(true);
    expect(isDueForReminder(post(days(15)), now)).toBe(false);
    expect(isDueForReminder(post(days(-1)), now)).toBe(false); // expired: too late
    expect(isDueForReminder(post(now), now)).toBe(false); // the instant of expiry is expired
    expect(isDueForReminder(post(days(3), { status: 'closed' }), now)).toBe(false);
    expect(isDueForReminder(post(days(3), { expiryRemindedFor: days(3) }), now)).toBe(false);
    // Renewed to a date that comes round again: reminded of the new one.
    expect(isDueForReminder(post(days(3), { expiryRemindedFor: days(-300) }), now)).toBe(true);
  });
});

describe('a post about to expire', () => {
  const post = (expiresAt: Date, status = 'open') => ({ status, expiresAt });

  it('is a live post within 14 days of its expiry, whatever it was reminded of', () => {
    expect(isExpiringSoon(post(days(14)), now)).toBe(true);
    expect(isExpiringSoon(post(new Date(now.getTime() + 1)), now)).toBe(true);
    expect(isExpiringSoon(post(new Date(days(14).getTime() + 1)), now)).toBe(false);
    expect(isExpiringSoon(post(now), now)).toBe(false);
    expect(isExpiringSoon(post(days(3), 'closed'), now)).toBe(false);
    // The reminder is owed exactly while the post is about to expire and was not reminded of this date.
    for (const d of [-1, 0, 1, 13, 14, 15])
      expect(isDueForReminder({ ...post(days(d)), expiryRemindedFor: null }, now)).toBe(
        isExpiringSoon(post(days(d)), now),
      );
  });

  it('has expired from the instant of its expiry, open or closed', () => {
    expect(hasExpired(post(now), now)).toBe(true);
    expect(hasExpired(post(days(-1), 'closed'), now)).toBe(true);
    expect(hasExpired(post(new Date(now.getTime() + 1)), now)).toBe(false);
  });
});
