// Turns what an email says into its subject, HTML and text parts. Pure: the worker sends the result.

import { Eta } from 'eta';
import * as t from './templates.js';

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
}

export interface DigestItemView {
  /** Which of the recipient's posts the item is about. */
  side: 'need' | 'offering';
  ownTitle: string;
  counterpartTitle: string;
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
  name: string;
  email: string;
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
text.loadTemplate('@text-footer', t.TEXT_FOOTER);
text.loadTemplate('@digest', t.DIGEST_TEXT);
text.loadTemplate('@introduction-request', t.INTRODUCTION_REQUEST_TEXT);
text.loadTemplate('@introduction-accepted', t.INTRODUCTION_ACCEPTED_TEXT);
text.loadTemplate('@introduction-closed', t.INTRODUCTION_CLOSED_TEXT);
text.loadTemplate('@signin', t.SIGNIN_TEXT);

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
  const best = view.items[0]?.counterpartTitle ?? '';
  const subject = `${n === 1 ? '1 new match' : `${n} new matches`} for ${view.organisationName}: ${truncate(best, 60)}`;
  return render('@digest', subject, {
    ...view,
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
export function renderSignin(view: { name: string; url: string; minutes: number; welcome: boolean }): RenderedEmail {
  return render('@signin', view.welcome ? 'Welcome to Roadmatch: sign in' : 'Your Roadmatch sign-in link', view);
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`;
}
