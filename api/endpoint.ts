import { OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { authenticate, requireAdmin, type Viewer } from './auth.js';
import type { AppDeps } from './deps.js';
import { abandonIdempotent, beginIdempotent, finishIdempotent } from './idempotency.js';
import { limitsFor } from './limits.js';
import { fromZodError, HttpProblem } from './problem.js';
import { ProblemSchema } from './schemas.js';

type Schema = z.ZodType | undefined;
type ObjectSchema = z.ZodObject | undefined;
type Infer<S extends Schema> = S extends z.ZodType ? z.infer<S> : undefined;

export interface EndpointContext<B extends Schema, Q extends ObjectSchema, P extends ObjectSchema, A extends boolean> {
  req: Request;
  res: Response;
  deps: AppDeps;
  body: Infer<B>;
  query: Infer<Q>;
  params: Infer<P>;
  viewer: A extends true ? Viewer : undefined;
}

export interface EndpointSpec<B extends Schema, Q extends ObjectSchema, P extends ObjectSchema, A extends boolean> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI form: `/v1/needs/{id}`. */
  path: string;
  summary: string;
  tag: string;
  auth: A;
  body?: B;
  query?: Q;
  params?: P;
  /** An operator endpoint: `Authorization: Bearer $ADMIN_TOKEN`, checked before anything else. */
  admin?: boolean;
  /**
   * Whose `Idempotency-Key`s an unauthenticated POST uses (a signup: its address). Signed-in callers' keys
   * are theirs, the operator's are the operator's.
   */
  idempotencyScope?: (body: Infer<B>) => string;
  /** Top-level fields of the answer that are secrets: a replayed answer gives them, stored encrypted. */
  sealed?: string[];
  /** The success answer; errors are documented for every endpoint. */
  success: { status: number; description: string; schema?: z.ZodType };
  /** Extra documented errors besides 400/401/413/500. */
  errors?: number[];
}

export type EndpointResult = { status?: number; body?: unknown } | void;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid; `errors` lists each field at fault',
  401: 'The bearer token is missing, unknown or revoked (with a `WWW-Authenticate: Bearer` challenge)',
  403: 'The signed-in user may not do this',
  404: 'No such resource visible to the signed-in user',
  409: 'The request conflicts with the current state, or a request with the same Idempotency-Key is still running (`idempotency_key_in_use`)',
  413: 'The request body is too large',
  415: 'The request body is not JSON',
  422: 'Refused as it stands: `competitively_sensitive` text (see `flags`), the charter not accepted, or an Idempotency-Key used before with another request',
  429: 'Over a limit (`rate_limited`): `Retry-After` says in how many seconds to try again',
};

/**
 * One place where a route is declared: the same zod schemas validate the request and describe it in the
 * OpenAPI document, so the two cannot drift apart.
 */
export class ApiRouter {
  readonly router = express.Router();

  constructor(
    private readonly registry: OpenAPIRegistry,
    private readonly deps: AppDeps,
  ) {}

  add<
    B extends Schema,
    Q extends ObjectSchema = undefined,
    P extends ObjectSchema = undefined,
    A extends boolean = true,
  >(spec: EndpointSpec<B, Q, P, A>, handler: (ctx: EndpointContext<B, Q, P, A>) => Promise<EndpointResult>): void {
    this.document(spec);
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
    this.router[spec.method](expressPath, async (req, res) => {
      const { deps } = this;
      if (spec.admin) requireAdmin(req.get('authorization'), deps.config.adminToken);
      const viewer = spec.auth ? await authenticate(req, deps.db) : undefined;
      if (viewer && spec.method !== 'get') await limitsFor(deps).consume(['writes', viewer.credentialId]);
      if (spec.body && !req.is('application/json')) {
        throw new HttpProblem(
          415,
          'unsupported_media_type',
          'Unsupported media type',
          'Send the body as application/json.',
        );
      }
      const body = parse(spec.body, req.body ?? {}, 'body');
      const query = parse(spec.query, req.query, 'query');
      const params = parse(spec.params, req.params, 'params');

      const scope =
        spec.method !== 'post'
          ? undefined
          : spec.admin
            ? 'admin'
            : viewer
              ? viewer.userId
              : spec.idempotencyScope?.(body as Infer<B>);
      if (scope !== undefined) {
        const sealed = spec.sealed ? { fields: spec.sealed, secret: deps.config.appSecret } : undefined;
        const replay = await beginIdempotent(req, deps.db, scope, sealed);
        if (replay) {
          res.setHeader('Idempotent-Replayed', 'true');
          if (replay.location) res.location(replay.location);
          if (replay.body !== null && replay.body !== undefined) res.status(replay.status).json(replay.body);
          else res.status(replay.status).end();
          return;
        }
      }

      let result: EndpointResult;
      try {
        result = await handler({ req, res, deps, body, query, params, viewer } as EndpointContext<B, Q, P, A>);
      } catch (err) {
        await abandonIdempotent(req, deps.db).catch(() => {});
        throw err;
      }
      if (res.headersSent) return;
      const status = (result && result.status) ?? spec.success.status;
      const answer = result && result.body !== undefined ? result.body : undefined;
      const location = res.getHeader('location');
      await finishIdempotent(req, deps.db, {
        status,
        body: answer ?? null,
        location: typeof location === 'string' ? location : undefined,
      });
      if (answer !== undefined) res.status(status).json(answer);
      else res.status(status).end();
    });
  }

  private document(spec: EndpointSpec<Schema, ObjectSchema, ObjectSchema, boolean>): void {
    const errorStatuses = [
      400,
      ...(spec.auth || spec.admin ? [401] : []),
      ...(spec.body ? [413, 415] : []),
      ...(spec.auth && spec.method !== 'get' ? [429] : []),
      ...(spec.method === 'post' && (spec.auth || spec.admin || spec.idempotencyScope) ? [409, 422] : []),
      ...(spec.errors ?? []),
    ];
    const responses: Record<number, ResponseConfig> = {
      [spec.success.status]: {
        description: spec.success.description,
        ...(spec.success.schema ? { content: { 'application/json': { schema: spec.success.schema } } } : {}),
      },
    };
    for (const status of errorStatuses) {
      responses[status] = {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: ProblemSchema } },
      };
    }
    const request: RouteConfig['request'] = {};
    if (spec.method === 'post' && (spec.auth || spec.admin || spec.idempotencyScope)) {
      request.headers = z.object({
        'Idempotency-Key': z.string().max(200).optional().meta({
          description:
            'Makes a retry safe: the same key and body answer the first answer; the same key while the first request runs, 409.',
        }),
      });
    }
    if (spec.body) request.body = { required: true, content: { 'application/json': { schema: spec.body } } };
    if (spec.query) request.query = spec.query;
    if (spec.params) request.params = spec.params;
    this.registry.registerPath({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      tags: [spec.tag],
      ...(spec.auth ? { security: [{ bearerAuth: [] }] } : spec.admin ? { security: [{ adminToken: [] }] } : {}),
      request,
      responses,
    });
  }
}

function parse<S extends Schema>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): Infer<S> {
  if (!schema) return undefined as Infer<S>;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZodError(parsed.error, where);
  return parsed.data as Infer<S>;
}
