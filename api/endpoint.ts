import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
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
  /** The operation's description; by default the summary, then who may call it, its limits and retries. */
  description?: string;
  /** By default the method and the path after `/v1`, camel-cased: `getNeedsById`, `postAdminOrganisations`. */
  operationId?: string;
  tag: string;
  auth: A;
  body?: B;
  /**
   * Every field of `body` is optional, and so is the body itself: a request without one (no body, or an
   * empty one, with or without a Content-Type) is taken as `{}`. A body that is there must be JSON (415).
   */
  emptyBody?: boolean;
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
  success: {
    status: number;
    description: string;
    schema?: z.ZodType;
    /** What the `Location` header of the answer points at, when the handler sets one. */
    location?: string;
    /** Other success statuses the handler answers (`{ status }`), with the same schema: status to description. */
    also?: Record<number, string>;
  };
  /** Extra documented errors besides those every endpoint of its kind may answer (400, 401, 413, 415, 503...). */
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
  503: 'Unavailable for a moment (`unavailable`): the database or the job queue (Redis) cannot be reached; try again (`Retry-After`)',
};

/** Response headers of some errors, documented with them. */
const ERROR_HEADERS: Record<number, ResponseConfig['headers']> = {
  401: {
    'WWW-Authenticate': {
      description:
        'The RFC 6750 challenge: `Bearer realm="roadmatch"`, with `error="invalid_token"` when a token was sent but is not valid.',
      schema: { type: 'string' },
    },
  },
  409: {
    'Retry-After': {
      description: 'With `idempotency_key_in_use`: in how many seconds to ask again for the first answer.',
      schema: { type: 'integer', minimum: 1 },
    },
  },
  429: {
    'Retry-After': { description: 'In how many seconds to try again.', schema: { type: 'integer', minimum: 1 } },
  },
  503: {
    'Retry-After': {
      description: 'In how many seconds to try again, when known.',
      schema: { type: 'integer', minimum: 1 },
    },
  },
};

type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;
type DocumentConfig = Omit<Parameters<OpenApiGeneratorV31['generateDocument']>[0], 'tags'>;

/** `get /v1/needs/{id}/matches` → `getNeedsByIdMatches`. */
export function defaultOperationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment !== '' && !/^v\d+$/.test(segment))
    .flatMap((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      return param ? ['by', param[1] ?? ''] : segment.split(/[^A-Za-z0-9]+/);
    })
    .filter((word) => word !== '');
  return method + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/**
 * One place where a route is declared: the same zod schemas validate the request and describe it in the
 * OpenAPI document, so the two cannot drift apart.
 */
export class ApiRouter {
  readonly router = express.Router();
  private readonly operationIds = new Set<string>();
  private readonly tags = new Set<string>();

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
        if (spec.emptyBody && isEmptyBody(req)) req.body = {};
        else
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

  /**
   * The OpenAPI document of every route added, with the tags they use declared (each must have a
   * description in `tags`). Request bodies are written for clients: a field with a default is optional and
   * its default is said in its description (see `optionalDefaults`).
   */
  generateDocument(config: DocumentConfig & { tags: Record<string, string> }): OpenApiDocument {
    const { tags, ...rest } = config;
    const undeclared = [...this.tags].filter((tag) => !(tag in tags));
    if (undeclared.length > 0) throw new Error(`OpenAPI tags without a description: ${undeclared.join(', ')}`);
    const document = new OpenApiGeneratorV31(this.registry.definitions).generateDocument({
      ...rest,
      tags: Object.entries(tags)
        .filter(([name]) => this.tags.has(name))
        .map(([name, description]) => ({ name, description })),
    });
    return optionalDefaults(document);
  }

  private document(spec: EndpointSpec<Schema, ObjectSchema, ObjectSchema, boolean>): void {
    const idempotent = spec.method === 'post' && Boolean(spec.auth || spec.admin || spec.idempotencyScope);
    const limited = Boolean(spec.auth && spec.method !== 'get');
    const errorStatuses = new Set([
      400,
      ...(spec.auth || spec.admin ? [401] : []),
      ...(spec.body ? [413, 415] : []),
      ...(limited ? [429] : []),
      ...(idempotent ? [409, 422] : []),
      ...(spec.errors ?? []),
      503,
    ]);
    const successHeaders: NonNullable<ResponseConfig['headers']> = {};
    if (spec.success.location) {
      successHeaders.Location = { description: spec.success.location, schema: { type: 'string' } };
    }
    if (idempotent) {
      successHeaders['Idempotent-Replayed'] = {
        description: '`true` when this is the stored answer of an earlier request with the same Idempotency-Key.',
        schema: { type: 'string', enum: ['true'] },
      };
    }
    const responses: Record<number, ResponseConfig> = {};
    for (const [status, description] of [
      [spec.success.status, spec.success.description] as const,
      ...Object.entries(spec.success.also ?? {}),
    ]) {
      responses[Number(status)] = {
        description,
        ...(Object.keys(successHeaders).length > 0 ? { headers: successHeaders } : {}),
        ...(spec.success.schema ? { content: { 'application/json': { schema: spec.success.schema } } } : {}),
      };
    }
    for (const status of [...errorStatuses].sort((a, b) => a - b)) {
      responses[status] = {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        ...(ERROR_HEADERS[status] ? { headers: ERROR_HEADERS[status] } : {}),
        content: { 'application/problem+json': { schema: ProblemSchema } },
      };
    }
    const request: RouteConfig['request'] = {};
    if (idempotent) {
      request.headers = z.object({
        'Idempotency-Key': z.string().min(1).max(200).optional().meta({
          description:
            'Makes a retry safe: the same key and body answer the first answer; the same key while the first request runs, 409. 1 to 200 visible ASCII characters, such as a UUID.',
        }),
      });
    }
    if (spec.body) request.body = { required: !spec.emptyBody, content: { 'application/json': { schema: spec.body } } };
    if (spec.query) request.query = spec.query;
    if (spec.params) request.params = spec.params;

    const operationId = spec.operationId ?? defaultOperationId(spec.method, spec.path);
    if (this.operationIds.has(operationId)) throw new Error(`Two API routes have the operationId ${operationId}`);
    this.operationIds.add(operationId);
    this.tags.add(spec.tag);
    const who = spec.admin
      ? 'Operators only: `Authorization: Bearer $ADMIN_TOKEN` (404 while ADMIN_TOKEN is unset).'
      : spec.auth
        ? 'Needs the API token of a verified person: `Authorization: Bearer <token>`.'
        : 'Public: needs no token.';
    const notes = [
      who,
      ...(limited ? ["Counts against the token's writes a minute (`RATE_LIMIT_WRITES`)."] : []),
      ...(idempotent ? ['Send an `Idempotency-Key` to make retries safe.'] : []),
    ];
    this.registry.registerPath({
      method: spec.method,
      path: spec.path,
      operationId,
      summary: spec.summary,
      description: [spec.description ?? `${spec.summary}.`, ...notes].join(' '),
      tags: [spec.tag],
      security: spec.admin ? [{ adminToken: [] }] : spec.auth ? [{ bearerAuth: [] }] : [],
      request,
      responses,
    });
  }
}

type JsonSchema = { [key: string]: unknown };

/**
 * Every request body's fields that have a default are optional, and say their default in their
 * description rather than in `default`: openapi-typescript (with its default options) types a property with
 * a `default` as required in a component schema, so a generated client would have to send what the server
 * fills in (test/api/openapi-client.test.ts).
 */
function optionalDefaults(document: OpenApiDocument): OpenApiDocument {
  const out = structuredClone(document);
  const schemas = (out.components?.schemas ?? {}) as Record<string, JsonSchema>;
  const seen = new Set<JsonSchema>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const schema = node as JsonSchema;
    if (seen.has(schema)) return;
    seen.add(schema);
    const ref = typeof schema.$ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(schema.$ref) : null;
    if (ref) return visit(schemas[ref[1] ?? '']);
    const properties = schema.properties as Record<string, JsonSchema> | undefined;
    for (const [name, property] of Object.entries(properties ?? {})) {
      if (property === null || typeof property !== 'object' || !('default' in property)) continue;
      const { default: value, ...rest } = property;
      const said = `Default when left out: \`${JSON.stringify(value)}\`.`;
      properties![name] = { ...rest, description: rest.description ? `${String(rest.description)} ${said}` : said };
      if (Array.isArray(schema.required)) schema.required = schema.required.filter((r) => r !== name);
      if (Array.isArray(schema.required) && schema.required.length === 0) delete schema.required;
    }
    for (const [key, value] of Object.entries(schema)) if (key !== 'properties') visit(value);
    for (const property of Object.values(properties ?? {})) visit(property);
  };
  for (const item of Object.values(out.paths ?? {})) {
    for (const operation of Object.values(item as Record<string, { requestBody?: { content?: object } }>)) {
      const content = operation?.requestBody?.content as Record<string, { schema?: unknown }> | undefined;
      for (const media of Object.values(content ?? {})) visit(media.schema);
    }
  }
  return out;
}

/**
 * Whether a request comes without a body, whatever its Content-Type says: no Content-Length (or 0) and not
 * chunked. (`req.is` counts a `Content-Length: 0` as a body, of the type it names or of none.)
 */
function isEmptyBody(req: Request): boolean {
  const length = req.get('content-length');
  return req.get('transfer-encoding') === undefined && (length === undefined || Number(length) === 0);
}

function parse<S extends Schema>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): Infer<S> {
  if (!schema) return undefined as Infer<S>;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZodError(parsed.error, where);
  return parsed.data as Infer<S>;
}
