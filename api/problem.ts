import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';

export interface FieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem: every 4xx/5xx of the API is one of these, with a stable `code`. */
export class HttpProblem extends Error {
  /** Response headers that go with the problem (`WWW-Authenticate`, `Retry-After`), on pages as in the API. */
  headers: Record<string, string> = {};
  /**
   * What an error page says instead of `title` and `detail`, when those are written for developers ("There
   * is no GET /x.", "request entity too large"): plain words for a person in a browser.
   */
  page?: { title: string; message: string };

  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    /** Extension members of the problem, e.g. `flags` of a competitively-sensitive text. */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(detail ?? title);
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) =>
  new HttpProblem(400, 'validation_failed', 'The request is not valid', detail, errors);
/**
 * A 401 with its RFC 6750 challenge: `error="invalid_token"` when a bearer token was sent but is unknown,
 * revoked or not its person's any more; `invalid_request` when the header is not a bearer token at all.
 */
export function unauthorized(detail: string, error?: 'invalid_token' | 'invalid_request'): HttpProblem {
  const problem = new HttpProblem(401, 'unauthorized', 'Authentication is required', detail);
  // RFC 6750 allows visible ASCII but `"` and backslash in the description.
  const description = detail.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '');
  problem.headers['WWW-Authenticate'] = error
    ? `Bearer realm="roadmatch", error="${error}", error_description="${description}"`
    : 'Bearer realm="roadmatch"';
  return problem;
}

/** The job queue (Redis) is away: 503 with `Retry-After`, nothing having been done. */
export function queueUnavailable(detail: string): HttpProblem {
  const problem = new HttpProblem(503, 'unavailable', 'Please try again in a moment', detail);
  problem.headers['Retry-After'] = '5';
  return problem;
}

/** Over a limit: 429 with `Retry-After` in seconds. */
export function tooManyRequests(retryAfterSeconds: number, detail: string): HttpProblem {
  const problem = new HttpProblem(429, 'rate_limited', 'Too many requests', detail, undefined, {
    retryAfter: retryAfterSeconds,
  });
  problem.headers['Retry-After'] = String(retryAfterSeconds);
  return problem;
}

export const forbidden = (detail: string) => new HttpProblem(403, 'forbidden', 'Not allowed', detail);
export const notFound = (what: string) => new HttpProblem(404, 'not_found', 'Not found', `${what} was not found.`);
export const conflict = (code: string, detail: string) => new HttpProblem(409, code, 'Conflict', detail);

/** `capabilities[0]`, `organisation.name`: the path a client would write. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`;
    return acc ? `${acc}.${String(part)}` : String(part);
  }, '');
}

export function fromZodError(error: z.ZodError, where: 'body' | 'query' | 'params' = 'body'): HttpProblem {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push({ field: fieldPath([...issue.path, key]), message: 'is not a known field' });
      }
    } else {
      errors.push({ field: fieldPath(issue.path) || where, message: issue.message });
    }
  }
  const summary = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return badRequest(
    `The ${where === 'body' ? 'request body' : `${where === 'query' ? 'query string' : 'path'}`} has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}: ${summary}`,
    errors,
  );
}

export function sendProblem(res: Response, problem: HttpProblem): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({
      type: `https://roadmatch.dev/problems/${problem.code.replace(/_/g, '-')}`,
      title: problem.title,
      status: problem.status,
      code: problem.code,
      ...(problem.detail ? { detail: problem.detail } : {}),
      ...(problem.errors ? { errors: problem.errors } : {}),
      ...problem.extensions,
    });
}

/** The problem of a path nothing answers; a page says it in plain words. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  const problem = new HttpProblem(404, 'not_found', 'Not found', `There is no ${req.method} ${req.path}.`);
  problem.page = {
    title: 'Page not found',
    message: 'There is no page at this address. It may have been mistyped, or the page may have moved.',
  };
  next(problem);
};

/** A signed link from an email that cannot be used: 410 when it has expired, 400 when it is broken. */
export function linkProblem(expired: boolean, what: string, whenExpired: string, whenBroken: string): HttpProblem {
  return expired
    ? new HttpProblem(410, 'link_expired', `${what} has expired`, whenExpired)
    : new HttpProblem(400, 'invalid_link', `${what} is not valid`, whenBroken);
}

/**
 * Anything thrown, as a problem: errors of body-parser (413, malformed JSON), of the CSRF check and of
 * Express keep their 4xx; anything else is logged and answered as a bare 500 that tells nothing of it.
 */
/** Connection-level failures of PostgreSQL (the server down, restarting, or the connection cut). */
const AWAY_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  '57P01',
  '57P02',
  '57P03',
]);

/** Is this error (or the driver error Drizzle wraps in `cause`) the database being away? */
function databaseAway(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 3; depth++) {
    if (e.code && AWAY_CODES.has(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

export function toProblem(err: unknown, req: Request): HttpProblem {
  if (err instanceof HttpProblem) return err;
  const e = err as {
    type?: string;
    code?: string;
    status?: number;
    statusCode?: number;
    expose?: boolean;
    message?: string;
  };
  const status = e.status ?? e.statusCode;
  if (e.type === 'entity.too.large') {
    const problem = new HttpProblem(413, 'payload_too_large', 'The request body is too large', e.message);
    problem.page = { title: 'Too long', message: 'What you sent is too long. Go back and shorten it.' };
    return problem;
  }
  if (e.type === 'entity.parse.failed') {
    return new HttpProblem(400, 'malformed_json', 'The request body is not valid JSON', e.message);
  }
  if (e.code === 'EBADCSRFTOKEN') {
    return new HttpProblem(
      403,
      'invalid_csrf_token',
      'This form has expired',
      'For your safety the form could not be accepted. Go back, reload the page and try again.',
    );
  }
  // Other client errors of Express and body-parser, such as a path with broken percent-encoding.
  if (status && status >= 400 && status < 500) {
    const detail = e.expose ? e.message : 'The request could not be understood; check its address and body.';
    const problem = new HttpProblem(status, 'bad_request', 'Bad request', detail);
    problem.page = {
      title: 'This request could not be understood',
      message: 'Check the address, or go back and try again.',
    };
    return problem;
  }
  if (databaseAway(err)) {
    req.log?.warn({ err: (err as Error).message }, 'database unavailable');
    const problem = new HttpProblem(
      503,
      'unavailable',
      'Please try again in a moment',
      'The database is not reachable just now; try again in a moment.',
    );
    problem.headers['Retry-After'] = '5';
    return problem;
  }
  req.log?.error({ err }, 'unhandled error');
  const problem = new HttpProblem(500, 'internal_error', 'Something went wrong on our side');
  problem.page = {
    title: 'Something went wrong on our side',
    message: 'This is not your fault, and what you were doing may not have been saved. Please try again in a moment.',
  };
  return problem;
}

/** Answers a problem as an HTML page (the site's error page, see api/pages/web.ts). */
export type ProblemPage = (req: Request, res: Response, problem: HttpProblem) => void;

/**
 * Whether an error is answered as an HTML page rather than problem+json: never under `/v1`; elsewhere when
 * the client takes HTML rather than JSON. `prefer` is what a client that states neither gets: a page on
 * the web pages' own addresses, problem+json on any other.
 */
export function answersWithPage(req: Request, prefer: 'html' | 'json'): boolean {
  if (/^\/v1(\/|$|\?)/.test(req.originalUrl)) return false;
  return req.accepts(prefer === 'html' ? ['html', 'json'] : ['json', 'html']) === 'html';
}

/**
 * The last handler: anything thrown as problem+json, or as a page (`page`) to a client that asks for HTML,
 * such as a browser on an address nothing answers.
 */
export function problemHandler(page?: ProblemPage): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const problem = toProblem(err, req);
    if (page && answersWithPage(req, 'json')) return page(req, res, problem);
    sendProblem(res, problem);
  };
}
