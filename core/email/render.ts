// Turns what an email says into its subject, HTML and text parts. Pure: the worker sends the result.

import { Eta } from 'eta';
import type { CommonNeedSection } from '../digest/compose.js';
import { needOwnerName } from '../policy.js';
import * as t from './templates.js';
import { EXPIRY_REMINDER_HTML, EXPIRY_REMINDER_TEXT } from './lifecycle-templates.js';
import {
  MEMBER_REMOVED_HTML,
  MEMBER_REMOVED_TEXT,
  ORGANISATION_INVITATION_HTML,
  ORGANISATION_INVITATION_TEXT,
} from './organisation-templates.js';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

interface Footer {
  /** Present on digests: the signed one-click unsubscribe link, also sent as `List-Unsubscribe`. */
  unsubscribeUrl?: string;
  /** The page of the reader's email settings, once the web pages exist. */
  settingsUrl?: string;
  /** Why the reader gets an email that is not a digest; an introduction's reason when absent. */
  reason?: string;
}

export interface DigestItemView {
  /** Which of the recipient's posts the item is about. */
  side: 'need' | 'offering';
  ownTitle: string;
  counterpartTitle: string;
  /** The other side's page (`/needs/{id}` or `/offerings/{id}`), as a match card links to it. */
  counterpartUrl?: string;
  /** The other side's organisation, or a description that does not identify an anonymous need. */
  counterpartOrganisation: string;
  score: number;
  summary: string;
  capabilities: string[];
  terms: string[];
  requestIntroductionUrl: string;
  notRelevantUrl: string;
}

export interface DigestView extends Footer {
  recipientName: string;
  organisationName: string;
  frequency: 'weekly' | 'daily';
  items: DigestItemView[];
  /** The recipient's needs that other organisations need too. */
  commonNeeds?: (CommonNeedSection & { url: string })[];
  /** In what the recipient follows: new common-need groups, and consortia forming or at work. */
  groups?: { title: string; needCount: number; organisationCount: number; url: string }[];
  consortia?: { title: string; status: string; url: string }[];
  unsubscribeUrl: string;
}

/** The pair an introduction is about, with the organisations as the reader may see them. */
export interface PairView {
  needTitle: string;
  needOrganisation: string;
  offeringTitle: string;
  offeringOrganisation: string;
  summary: string;
}

/** What an email or page about a pair shows to a reader of `organisationId` (anonymity: core/policy.ts). */
export function pairViewFor(
  p: {
    need: { title: string; anonymous: boolean };
    needOrg: { id: string; name: string };
    offering: { title: string };
    offeringOrg: { name: string };
    explanation: unknown;
    /** An accepted introduction reveals the need's organisation to the other side. */
    introduced?: boolean;
  },
  organisationId: string,
): PairView {
  return {
    needTitle: p.need.title,
    needOrganisation: needOwnerName(
      { anonymous: p.need.anonymous, organisationId: p.needOrg.id },
      p.needOrg.name,
      organisationId,
      p.introduced === true,
    ),
    offeringTitle: p.offering.title,
    offeringOrganisation: p.offeringOrg.name,
    summary: (p.explanation as { summary?: string } | null)?.summary ?? 'the match is no longer listed.',
  };
}

export interface IntroductionRequestView extends PairView, Footer {
  organisationName: string;
  /** Who asks, as the reader may see them ("Dana Lee of Acme", or "The anonymous biomanufacturer"). */
  requesterLabel: string;
  message: string;
  acceptUrl: string;
  declineUrl: string;
  expiresAt: Date;
  reminder: boolean;
}

export interface Person {
  /** `FORMER_MEMBER` (core/policy.ts) once the person has deleted their account. */
  name: string;
  /** Null once the person has deleted their account. */
  email: string | null;
  organisation: string;
}

export interface IntroductionAcceptedView extends PairView, Footer {
  you: Person;
  other: Person;
  message: string;
}

export interface IntroductionClosedView extends PairView, Footer {
  recipientName: string;
  outcome: 'declined' | 'expired';
}

const html = new Eta({ autoEscape: true, autoTrim: false });
const text = new Eta({ autoEscape: false, autoTrim: false });
html.loadTemplate('@html-layout', t.HTML_LAYOUT);
html.loadTemplate('@digest', t.DIGEST_HTML);
html.loadTemplate('@introduction-request', t.INTRODUCTION_REQUEST_HTML);
html.loadTemplate('@introduction-accepted', t.INTRODUCTION_ACCEPTED_HTML);
html.loadTemplate('@introduction-closed', t.INTRODUCTION_CLOSED_HTML);
html.loadTemplate('@signin', t.SIGNIN_HTML);
html.loadTemplate('@signup', t.SIGNUP_HTML);
html.loadTemplate('@consortium-invitation', t.CONSORTIUM_INVITATION_HTML);
html.loadTemplate('@consortium-active', t.CONSORTIUM_ACTIVE_HTML);
html.loadTemplate('@expiry-reminder', EXPIRY_REMINDER_HTML);
html.loadTemplate('@organisation-invitation', ORGANISATION_INVITATION_HTML);
html.loadTemplate('@member-removed', MEMBER_REMOVED_HTML);
text.loadTemplate('@text-footer', t.TEXT_FOOTER);
text.loadTemplate('@digest', t.DIGEST_TEXT);
text.loadTemplate('@introduction-request', t.INTRODUCTION_REQUEST_TEXT);
text.loadTemplate('@introduction-accepted', t.INTRODUCTION_ACCEPTED_TEXT);
text.loadTemplate('@introduction-closed', t.INTRODUCTION_CLOSED_TEXT);
text.loadTemplate('@signin', t.SIGNIN_TEXT);
text.loadTemplate('@signup', t.SIGNUP_TEXT);
text.loadTemplate('@consortium-invitation', t.CONSORTIUM_INVITATION_TEXT);
text.loadTemplate('@consortium-active', t.CONSORTIUM_ACTIVE_TEXT);
text.loadTemplate('@expiry-reminder', EXPIRY_REMINDER_TEXT);
text.loadTemplate('@organisation-invitation', ORGANISATION_INVITATION_TEXT);
text.loadTemplate('@member-removed', MEMBER_REMOVED_TEXT);

function render(name: string, subject: string, data: object): RenderedEmail {
  const it = { ...data, subject };
  return { subject, html: html.render(name, it), text: tidy(text.render(name, it)) };
}

/** Template control lines leave blank runs in the text part; no more than one blank line in a row. */
const tidy = (s: string) =>
  s
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim() + '\n';

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

export function renderDigest(view: DigestView): RenderedEmail {
  const n = view.items.length;
  const commonNeeds = view.commonNeeds ?? [];
  const groups = view.groups ?? [];
  const consortia = view.consortia ?? [];
  const best = view.items[0]?.counterpartTitle ?? '';
  const community = commonNeeds.length + groups.length + consortia.length;
  const subject =
    n > 0
      ? `${n === 1 ? '1 new match' : `${n} new matches`} for ${view.organisationName}: ${truncate(best, 60)}`
      : commonNeeds.length > 0
        ? `Others need this too: ${truncate(commonNeeds[0]!.ownTitle, 60)}`
        : `${community === 1 ? 'News' : `${community} news items`} in the capabilities you follow`;
  return render('@digest', subject, {
    ...view,
    commonNeeds,
    groups,
    consortia,
    periodPhrase: view.frequency === 'daily' ? 'today' : 'this week',
    items: view.items.map((i) => ({ ...i, scorePercent: Math.round(i.score * 100) })),
  });
}

export function renderIntroductionRequest(view: IntroductionRequestView): RenderedEmail {
  const subject = `${view.reminder ? 'Reminder: ' : ''}Introduction request about "${truncate(view.needTitle, 60)}"`;
  return render('@introduction-request', subject, { ...view, expiresOn: dateFormat.format(view.expiresAt) });
}

export function renderIntroductionAccepted(view: IntroductionAcceptedView): RenderedEmail {
  return render(
    '@introduction-accepted',
    `Introduction: ${view.you.organisation} meets ${view.other.organisation}`,
    view,
  );
}

export function renderIntroductionClosed(view: IntroductionClosedView): RenderedEmail {
  const declined = view.outcome === 'declined';
  const headline = declined ? 'Your introduction request was declined' : 'Your introduction request expired';
  const explanation = declined
    ? 'the other side has declined your introduction request about this match, and the pair will not be suggested to you again.'
    : 'your introduction request about this match was not answered within 14 days and has expired. You may ask again.';
  return render('@introduction-closed', headline, { ...view, headline, explanation });
}

/** A one-time sign-in link; `welcome` after a signup. */
export function renderSignin(view: {
  name: string;
  url: string;
  minutes: number;
  welcome: boolean;
  /** Sent for a signup with an address that already has an account. */
  registered?: boolean;
}): RenderedEmail {
  return render('@signin', view.welcome ? 'Welcome to Roadmatch: sign in' : 'Your Roadmatch sign-in link', {
    reason: 'Roadmatch sends this because someone asked to sign in with this address.',
    registered: false,
    ...view,
  });
}

/** The link that confirms a signup's address: it makes the organisation and the person, and signs them in. */
export function renderSignup(view: {
  name: string;
  organisationName: string;
  /** "a biomanufacturer", "a supplier", ... */
  organisationKind: string;
  country: string;
  url: string;
  hours: number;
}): RenderedEmail {
  return render('@signup', 'Confirm your address to finish signing up to Roadmatch', {
    reason: 'Roadmatch sends this because someone asked to sign up with this address.',
    ...view,
  });
}

export interface ConsortiumInvitationView extends Footer {
  recipientName: string;
  organisationName: string;
  title: string;
  scope: string;
  /** "need “…”" or "offering “…”": what the invitation was made for. */
  because: string;
  /** Members so far, by kind only: "2 biomanufacturers, 1 regional innovation hub". */
  membersLine: string;
  status: string;
  charterVersion: string;
  charterText: string;
  joinUrl: string;
  declineUrl: string;
}

export function renderConsortiumInvitation(view: ConsortiumInvitationView): RenderedEmail {
  return render('@consortium-invitation', `Invitation to a consortium: ${truncate(view.title, 70)}`, {
    reason: 'Roadmatch sends this because a consortium invited your organisation.',
    ...view,
  });
}

export interface ConsortiumActiveView extends Footer {
  recipientName: string;
  title: string;
  url: string;
  charterVersion: string;
  members: { organisation: string; kind: string; people: { name: string; email: string }[] }[];
}

export function renderConsortiumActive(view: ConsortiumActiveView): RenderedEmail {
  return render('@consortium-active', `${truncate(view.title, 70)} is active: meet its members`, {
    reason: 'Roadmatch sends this because your organisation is a member of this consortium.',
    ...view,
  });
}

/** An invitation to join an organisation: the link asks the invitee's name, makes their account and signs them in. */
export function renderOrganisationInvitation(view: {
  inviterName: string;
  organisationName: string;
  /** "a biomanufacturer", "a supplier", ... */
  organisationKind: string;
  country: string;
  url: string;
  expiresAt: Date;
}): RenderedEmail {
  return render(
    '@organisation-invitation',
    `${truncate(view.inviterName, 60)} invites you to join ${truncate(view.organisationName, 60)} on Roadmatch`,
    {
      reason: `Roadmatch sends this because a member of ${view.organisationName} invited this address.`,
      ...view,
      expiresOn: dateFormat.format(view.expiresAt),
    },
  );
}

/** Tells a person that another member removed them from their organisation, and their account is deleted. */
export function renderMemberRemoved(view: {
  name: string;
  organisationName: string;
  removedBy: string;
}): RenderedEmail {
  return render(
    '@member-removed',
    `${truncate(view.removedBy, 60)} removed you from ${truncate(view.organisationName, 60)} on Roadmatch`,
    { reason: `Roadmatch sends this because your account with ${view.organisationName} was deleted.`, ...view },
  );
}

export interface ExpiryReminderView extends Footer {
  recipientName: string;
  side: 'need' | 'offering';
  title: string;
  expiresAt: Date;
  /** How long a renewal by the link keeps it open. */
  months: number;
  renewUrl: string;
  postUrl: string;
}

/** A need or an offering is about to expire: its one-click renew link (ExpiryReminderView). */
export function renderExpiryReminder(view: ExpiryReminderView): RenderedEmail {
  const expiresOn = dateFormat.format(view.expiresAt);
  return render('@expiry-reminder', `Your ${view.side} "${truncate(view.title, 60)}" expires on ${expiresOn}`, {
    reason: `Roadmatch sends this because you posted this ${view.side}, or are in the organisation that did.`,
    ...view,
    noun: view.side,
    expiresOn,
  });
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`;
}
