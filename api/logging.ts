import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/**
 * Request logs without secrets: one short line per request (method, path, status, time) and nothing of
 * its headers, so no `Authorization`, `Cookie` or `Set-Cookie` ever reaches a log; the signed token of an
 * emailed link's path (`/signin/…`, `/signup/…`, `/join/…`, `/a/…`, `/u/…`) is replaced, in request and error logs
 * alike, and so is anything that looks like an API token or a bearer credential.
 */

const SIGNED_PATH = /(\/(?:signin|signup|join|a|u)\/)[^/?#\s"']+/g;
const API_TOKEN = /\brm_[A-Za-z0-9_-]{16,}/g;
const BEARER = /(Bearer\s+)[^\s"',]+/gi;
export const REDACTED = '[redacted]';

/** The text with every secret this service hands out replaced. */
export function redactSecrets(text: string): string {
  return text.replace(SIGNED_PATH, `$1${REDACTED}`).replace(API_TOKEN, REDACTED).replace(BEARER, `$1${REDACTED}`);
}

const urlOf = (req: IncomingMessage) => (req as { originalUrl?: string }).originalUrl ?? req.url ?? '';

/** The path, its secrets redacted; the query string is left out (it holds search text, never needed here). */
const pathOf = (url: string) => redactSecrets(url.split('?')[0]!);

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
}

interface SerializedError {
  type?: string;
  message?: string;
  stack?: string;
  [key: string]: unknown;
}

/** The request logger of the API, writing through `logger`. */
export function requestLogger(logger: Logger) {
  return pinoHttp<IncomingMessage, ServerResponse>({
    logger,
    autoLogging: { ignore: (req) => req.url === '/healthz' },
    serializers: {
      // Only these: the query string and the headers can carry credentials, and `params` holds link tokens.
      req: (req: SerializedRequest) => ({
        id: req.id,
        method: req.method,
        url: pathOf(String(req.url ?? '')),
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: (err: SerializedError) => ({
        ...err,
        message: err.message && redactSecrets(err.message),
        stack: err.stack && redactSecrets(err.stack),
      }),
    },
    customSuccessMessage: (req, res, responseTime) =>
      `${req.method} ${pathOf(urlOf(req))} ${res.statusCode} ${Math.round(responseTime)}ms`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(urlOf(req))} ${res.statusCode} failed`,
  });
}
