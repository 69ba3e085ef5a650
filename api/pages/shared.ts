// What every page module shares: the page context, form-field readers, and the async handler. It imports
// no page, so that pages import it and never each other in a circle.

import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import { INTRODUCTION_MESSAGE_MAX } from '../../core/policy.js';
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

/** A zod error as messages per form field; `rename` maps a schema path to the field's name. */
export function fieldErrors(error: z.ZodError, rename: (path: string) => string = (p) => p.split('.')[0]!) {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = rename(issue.path.map(String).join('.'));
    errors[field] ??= issue.message;
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
