// What every page module shares: the page context, form-field readers, and the async handler. It imports
// no page, so that pages import it and never each other in a circle.

import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { INTRODUCTION_MESSAGE_MAX, isLive } from '../../core/policy.js';
import type { AppDeps } from '../deps.js';
import type { PageBase, WebViewer } from './render.js';

/** What a page handler has: the app's dependencies and a way to answer with a page. */
export interface WebContext {
  deps: AppDeps;
  /** Renders a page with the layout's viewer and CSRF token filled in. */
  page(req: Request, res: Response, name: string, data: PageBase & Record<string, unknown>, status?: number): void;
}

export const viewerOf = (res: Response) => res.locals.viewer as WebViewer;

/** An async page handler whose errors reach the web error handler (api/pages/web.ts). */
export const pageHandler =
  (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch(next);
  };

/** A form field as text; anything else (a JSON body's object) as empty. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A form field that may hold one value or several (checkboxes), as a list of texts. */
export const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A day as the pages write it, in UTC: "5 March 2026" (a post's expiry, an invitation's). */
export const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

/** "Open", "Closed", or "Expired" when an open post's expiry has passed (it is then out of matching). */
export const statusOf = (post: { status: string; expiresAt: Date }, now = new Date()) =>
  post.status === 'closed' ? 'Closed' : isLive(post, now) ? 'Open' : 'Expired';

/** A form field as its errors name it, and what they say when it is left empty or what it holds is refused. */
export interface FieldWords {
  /** The field as a sentence names it: "the title"; a list field in the plural: "capabilities". */
  label: string;
  /** When nothing was entered, ticked or chosen. */
  empty?: string;
  /** When what it holds is refused for anything but its length. */
  invalid?: string;
}

/**
 * The fields of every form, by their names in the forms (the pages name a field the same wherever it
 * appears). The schemas speak to API clients ("must be at least 1 character"); a person reads these.
 */
const FIELD_WORDS: Record<string, FieldWords> = {
  organisationName: { label: 'your organisation’s name', empty: 'Enter your organisation’s name.' },
  kind: {
    label: 'the kind of organisation',
    empty: 'Choose what kind of organisation yours is.',
    invalid: 'Choose what kind of organisation yours is.',
  },
  country: {
    label: 'the country',
    empty: 'Enter your country as its two-letter code, such as GB.',
    invalid: 'Enter the country as its two-letter code, such as GB, DE or US.',
  },
  name: { label: 'your name', empty: 'Enter your name.' },
  email: {
    label: 'your work email',
    empty: 'Enter your work email address.',
    invalid: 'Enter an email address such as name@example.com.',
  },
  timezone: {
    label: 'your timezone',
    empty: 'Choose your timezone from the list.',
    invalid: 'Choose a timezone from the list, such as Europe/London.',
  },
  title: { label: 'the title', empty: 'Enter a title.' },
  description: { label: 'the description', empty: 'Write a description: a few sentences on what it is for.' },
  website: {
    label: 'the web address',
    invalid: 'Enter a web address starting with http:// or https://, such as https://example.com.',
  },
  scope: { label: 'the scope', empty: 'Describe the pre-competitive scope: what the members will work on together.' },
  needIds: {
    label: 'needs',
    empty: 'Tick at least one of the needs.',
    invalid: 'Tick at least one of the needs.',
  },
  capabilities: { label: 'capabilities', invalid: 'Choose capabilities from the list.' },
  keywords: { label: 'keywords' },
  regions: { label: 'regions' },
  partnershipTypes: { label: 'partnership types', invalid: 'Choose partnership types from the list.' },
  openTo: {
    label: 'kinds of organisation',
    empty: 'Tick at least one kind of organisation the need is open to.',
    invalid: 'Tick at least one kind of organisation the need is open to.',
  },
  trlMin: { label: 'the lowest TRL', empty: 'Choose the lowest TRL you can take.' },
  trlMax: {
    label: 'the highest TRL',
    empty: 'Choose the highest TRL.',
    invalid: 'Choose a highest TRL at or above the lowest.',
  },
  trl: { label: 'the TRL', empty: 'Choose the technology readiness level (TRL) of what you offer.' },
  expiresAt: { label: 'the expiry date', invalid: 'Enter an expiry date in the future.' },
  message: {
    label: 'the message',
    empty: 'Write a short message to the other side: who you are and what you hope for.',
  },
  acceptCharter: { label: 'the charter', empty: 'Tick the box to accept the charter.' },
  frequency: {
    label: 'how often digests come',
    empty: 'Choose how often digests come.',
    invalid: 'Choose how often digests come: weekly, daily or never.',
  },
  weekday: { label: 'the day', empty: 'Choose a day of the week.', invalid: 'Choose a day of the week.' },
  hour: { label: 'the hour', empty: 'Choose an hour.', invalid: 'Choose an hour from 0 to 23.' },
};

const capitalised = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const count = (n: number | bigint) => Number(n).toLocaleString('en-GB');

/**
 * One issue of a field in words a person reads: what to do about it, the field named as the page names it.
 * Empty (`empty`, or as the issue says), too short or too long by the issue's kind; anything else by the
 * field's own words, or the schema's message after the field's name as a last resort.
 */
export function plainWords(issue: z.ZodError['issues'][number], words: FieldWords | undefined, empty = false): string {
  const label = words?.label ?? 'this field';
  const enter = words?.empty ?? `Fill in ${label}.`;
  if (empty) return enter;
  switch (issue.code) {
    case 'invalid_type':
      return enter; // nothing sent for it
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1
          ? enter
          : `${capitalised(label)} needs at least ${count(issue.minimum)} characters.`;
      if (issue.origin === 'array' || issue.origin === 'set') return enter;
      break;
    case 'too_big':
      if (issue.origin === 'string') return `Keep ${label} to ${count(issue.maximum)} characters or fewer.`;
      if (issue.origin === 'array' || issue.origin === 'set') return `Choose at most ${count(issue.maximum)} ${label}.`;
      break;
    case 'invalid_format':
      if (issue.format === 'email') return FIELD_WORDS.email!.invalid!;
      break;
  }
  return words?.invalid ?? `${capitalised(label)} ${issue.message}.`;
}

export interface FieldErrorOptions {
  /** A schema path ("organisation.name") to its field's name in the form; by default its first part. */
  rename?: (path: string) => string;
  /** The form's own words for a field, over the shared ones. */
  words?: Record<string, FieldWords>;
  /** The form's values by field name: a field left empty is told what to enter, whatever the schema refused. */
  values?: Record<string, unknown>;
}

const isEmpty = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);

/** A zod error as one message per form field, in plain words (`plainWords`). */
export function fieldErrors(error: z.ZodError, options: FieldErrorOptions = {}): Record<string, string> {
  const { rename = (p: string) => p.split('.')[0]!, words = {}, values } = options;
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = rename(issue.path.map(String).join('.'));
    const empty = values !== undefined && field in values && isEmpty(values[field]);
    errors[field] ??= plainWords(issue, words[field] ?? FIELD_WORDS[field], empty);
  }
  return errors;
}

export const TIMEZONES = Intl.supportedValuesOf('timeZone');

/**
 * What a page says of an introduction message the API's schema refused (`error`): `empty` when there is
 * none, the limit when it is too long, else the schema's own words.
 */
export function introductionMessageError(message: string, error: z.ZodError, empty: string): string {
  if (!message) return empty;
  if (message.length > INTRODUCTION_MESSAGE_MAX)
    return `Keep the message under ${INTRODUCTION_MESSAGE_MAX.toLocaleString('en-GB')} characters.`;
  return `The message ${error.issues[0]?.message ?? 'is not valid'}.`;
}
