// Server-rendered pages (Eta, every value escaped), from the templates in ./views.

import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { PairView } from '../../core/email/render.js';
import type { Viewer } from '../auth.js';

/** The signed-in person of the pages: the API's viewer (its credential being the session), with their organisation's name. */
export interface WebViewer extends Viewer {
  organisationName: string;
}

/** What every page's layout reads. */
export interface PageBase {
  title: string;
  viewer?: WebViewer | null;
  /** The CSRF token of the page's forms. */
  csrf?: string;
  /** Loads the small script that suggests capabilities on the post form. */
  script?: boolean;
  /** Other scripts of ./assets the page loads, by file name (the CSP allows no inline script). */
  scripts?: string[];
}

const eta = new Eta({
  views: fileURLToPath(new URL('./views', import.meta.url)),
  autoEscape: true,
  autoTrim: false,
  cache: true,
});

export function renderPage(name: string, data: PageBase & object): string {
  return eta.render(`./${name}`, { viewer: null, csrf: '', script: false, scripts: [], ...data });
}

export interface ConfirmPage extends PageBase {
  intro?: string;
  pair?: PairView;
  quote?: string;
  /** Where the form posts. */
  action: string;
  button: string;
  /** Shows the message box of an introduction request. */
  messageField?: boolean;
  message?: string;
  error?: string;
  /** Phrases of the message the competitive-sensitivity screen flagged, shown with the box to save it anyway. */
  flags?: { phrase: string; reason: string }[];
}

export const confirmPage = (page: ConfirmPage) => renderPage('confirm', page);

export const resultPage = (
  page: PageBase & { message: string; isError?: boolean; pair?: PairView; next?: { href: string; label: string } },
) => renderPage('result', page);
