import { describe, expect, it } from 'vitest';
import { pairViewFor } from '../../core/email/render.js';
import {
  ANONYMOUS_OWNER,
  consortiumStatusFor,
  conveningRefusal,
  counterpartOf,
  hashToken,
  INTRODUCTION_EXPIRY_DAYS,
  INTRODUCTION_MESSAGE_MAX,
  INTRODUCTION_REMINDER_DAYS,
  isLive,
  isPartyToIntroduction,
  isPartyToPair,
  mayAnswerIntroduction,
  maySeePost,
  MAX_OPEN_REQUESTS,
  needOwnerName,
  ownerCountKey,
  postingRefusal,
  revealsNeedOwner,
} from '../../core/policy.js';

const now = new Date('2026-03-02T12:00:00Z');
const later = new Date('2026-03-09T12:00:00Z');
const earlier = new Date('2026-02-23T12:00:00Z');

describe('who may post what', () => {
  it('lets only biomanufacturers post needs', () => {
    expect(postingRefusal('biomanufacturer', 'need')).toBeNull();
    for (const kind of ['supplier', 'academic', 'hub', 'regulator', 'agency'] as const)
      expect(postingRefusal(kind, 'need')).toMatch(/biomanufacturer/);
  });

  it('lets providers and hubs register offerings, and not regulators or agencies', () => {
    for (const kind of ['biomanufacturer', 'supplier', 'academic', 'hub'] as const)
      expect(postingRefusal(kind, 'offering')).toBeNull();
    for (const kind of ['regulator', 'agency'] as const) expect(postingRefusal(kind, 'offering')).toMatch(/follow/);
  });

  it('lets hubs and agencies convene, and a biomanufacturer only on needs that include its own', () => {
    expect(conveningRefusal('hub', false)).toBeNull();
    expect(conveningRefusal('agency', false)).toBeNull();
    expect(conveningRefusal('biomanufacturer', true)).toBeNull();
    expect(conveningRefusal('biomanufacturer', false)).toMatch(/its own/);
    expect(conveningRefusal('supplier', true)).not.toBeNull();
  });

  it('makes a consortium active at two biomanufacturers and one provider, and never undoes it', () => {
    expect(consortiumStatusFor('forming', ['biomanufacturer', 'supplier'])).toBe('forming');
    expect(consortiumStatusFor('forming', ['biomanufacturer', 'biomanufacturer', 'academic'])).toBe('active');
    expect(consortiumStatusFor('active', [])).toBe('active');
    expect(consortiumStatusFor('closed', ['biomanufacturer', 'biomanufacturer', 'supplier'])).toBe('closed');
  });
});

describe('what is live', () => {
  it('is open and not expired, the instant of expiry included in expired', () => {
    expect(isLive({ status: 'open', expiresAt: later }, now)).toBe(true);
    expect(isLive({ status: 'open', expiresAt: earlier }, now)).toBe(false);
    expect(isLive({ status: 'open', expiresAt: now }, now)).toBe(false);
    expect(isLive({ status: 'closed', expiresAt: later }, now)).toBe(false);
  });

  it('shows a live post to anyone, and a closed or expired one only to its organisation', () => {
    const closed = { organisationId: 'org-a', status: 'closed', expiresAt: later };
    const expired = { organisationId: 'org-a', status: 'open', expiresAt: earlier };
    const live = { organisationId: 'org-a', status: 'open', expiresAt: later };
    for (const post of [closed, expired, live]) expect(maySeePost(post, 'org-a', now)).toBe(true);
    expect(maySeePost(closed, 'org-b', now)).toBe(false);
    expect(maySeePost(expired, 'org-b', now)).toBe(false);
    expect(maySeePost(live, 'org-b', now)).toBe(true);
  });
});

describe('who may see whom', () => {
  const anonymous = { id: 'need-1', anonymous: true, organisationId: 'org-a' };
  const named = { id: 'need-2', anonymous: false, organisationId: 'org-a' };

  it('hides an anonymous need’s owner from other organisations until an introduction is accepted', () => {
    expect(revealsNeedOwner(named, 'org-b')).toBe(true);
    expect(revealsNeedOwner(anonymous, 'org-a')).toBe(true);
    expect(revealsNeedOwner(anonymous, 'org-b')).toBe(false);
    expect(revealsNeedOwner(anonymous, 'org-b', true)).toBe(true);
    expect(needOwnerName(anonymous, 'Acme Bio', 'org-b')).toBe(ANONYMOUS_OWNER);
    expect(needOwnerName(anonymous, 'Acme Bio', 'org-a')).toBe('Acme Bio');
    expect(needOwnerName(named, 'Acme Bio', 'org-b')).toBe('Acme Bio');
  });

  it('counts each anonymous need of another organisation alone, so counts reveal no owner', () => {
    const second = { id: 'need-3', anonymous: true, organisationId: 'org-a' };
    const keys = (viewer: string) => new Set([anonymous, second, named].map((n) => ownerCountKey(n, viewer)));
    expect(keys('org-b').size).toBe(3);
    expect(keys('org-a').size).toBe(1);
  });

  it('shows a pair in emails and pages with the need’s owner hidden as the rule says', () => {
    const pair = {
      need: { title: 'Raman for glucose', anonymous: true },
      needOrg: { id: 'org-a', name: 'Acme Bio' },
      offering: { title: 'Raman probes' },
      offeringOrg: { name: 'Probe Co' },
      explanation: { summary: 'both about Raman' },
    };
    expect(pairViewFor(pair, 'org-b')).toEqual({
      needTitle: 'Raman for glucose',
      needOrganisation: ANONYMOUS_OWNER,
      offeringTitle: 'Raman probes',
      offeringOrganisation: 'Probe Co',
      summary: 'both about Raman',
    });
    expect(pairViewFor(pair, 'org-a').needOrganisation).toBe('Acme Bio');
    expect(pairViewFor({ ...pair, introduced: true }, 'org-b').needOrganisation).toBe('Acme Bio');
    expect(pairViewFor({ ...pair, explanation: null }, 'org-b').summary).toMatch(/no longer listed/);
  });
});

describe('who is party to a match or an introduction', () => {
  const pair = { need: { organisationId: 'org-a' }, offering: { organisationId: 'org-b' } };
  const introduction = { requesterOrganisationId: 'org-a', recipientOrganisationId: 'org-b' };

  it('is either side of a pair, and the other side is the counterpart', () => {
    expect(isPartyToPair(pair, 'org-a')).toBe(true);
    expect(isPartyToPair(pair, 'org-b')).toBe(true);
    expect(isPartyToPair(pair, 'org-c')).toBe(false);
    expect(counterpartOf(pair, 'org-a')).toBe('org-b');
    expect(counterpartOf(pair, 'org-b')).toBe('org-a');
  });

  it('lets both sides see an introduction and only the one asked answer it', () => {
    expect(isPartyToIntroduction(introduction, 'org-a')).toBe(true);
    expect(isPartyToIntroduction(introduction, 'org-b')).toBe(true);
    expect(isPartyToIntroduction(introduction, 'org-c')).toBe(false);
    expect(mayAnswerIntroduction(introduction, 'org-b')).toBe(true);
    expect(mayAnswerIntroduction(introduction, 'org-a')).toBe(false);
  });
});

describe('limits and secrets', () => {
  it('keeps the limits the design names', () => {
    expect(INTRODUCTION_MESSAGE_MAX).toBe(2000);
    expect(MAX_OPEN_REQUESTS).toBe(10);
    expect(INTRODUCTION_EXPIRY_DAYS).toBe(14);
    expect(INTRODUCTION_REMINDER_DAYS).toBeLessThan(INTRODUCTION_EXPIRY_DAYS);
  });

  it('stores a token as its SHA-256 in hex, never the token', () => {
    const hash = hashToken('rm_secret');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain('secret');
    expect(hashToken('rm_secret')).toBe(hash);
    expect(hashToken('rm_other')).not.toBe(hash);
  });
});
