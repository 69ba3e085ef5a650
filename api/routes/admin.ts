import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { startRematch } from '../../worker/processors/rematch.js';
import { listFlags } from '../../db/queries/flags.js';
import { decodeDateCursor, encodeCursor } from '../cursor.js';
import type { ApiRouter } from '../endpoint.js';
import { FlagListSchema, MatchListQuery } from '../schemas.js';
import { toOrganisation } from '../serialize.js';
import { HttpProblem, unauthorized } from '../problem.js';

function requireAdmin(header: string | undefined, adminToken: string | undefined): void {
  if (!adminToken)
    throw new HttpProblem(404, 'not_found', 'Not found', 'Operator endpoints are disabled: set ADMIN_TOKEN.');
  const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(adminToken);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw unauthorized('Operator endpoints take "Authorization: Bearer <ADMIN_TOKEN>".');
  }
}

export function registerAdminRoutes(api: ApiRouter): void {
  api.add(
    {
      method: 'post',
      path: '/v1/admin/rematch',
      summary:
        'Rebuild every match from scratch (operators; ADMIN_TOKEN). Safe at any time, with any number of workers',
      tag: 'Operators',
      auth: false,
      success: {
        status: 202,
        description: 'The rematch is queued; every matchedAt is null until it has finished for that post',
        schema: z.object({ runId: z.uuid(), chunks: z.number().int() }),
      },
      errors: [401, 404],
    },
    async ({ req, deps }) => {
      requireAdmin(req.get('authorization'), deps.config.adminToken);
      return { status: 202, body: await startRematch(deps.db, deps.matchingQueue) };
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/admin/flags',
      summary:
        'Text saved after its author acknowledged a competitive-sensitivity warning, newest first (operators; ADMIN_TOKEN)',
      tag: 'Operators',
      auth: false,
      query: MatchListQuery,
      success: { status: 200, description: 'A page of flags', schema: FlagListSchema },
      errors: [401, 404],
    },
    async ({ req, deps, query }) => {
      requireAdmin(req.get('authorization'), deps.config.adminToken);
      const { rows, more } = await listFlags(deps.db, query.limit, decodeDateCursor(query.cursor));
      const last = rows.at(-1)?.flag;
      return {
        body: {
          items: rows.map(({ flag, organisation }) => ({
            id: flag.id,
            organisation: toOrganisation(organisation),
            subjectType: flag.subjectType,
            subjectId: flag.subjectId,
            field: flag.field,
            phrase: flag.phrase,
            category: flag.category,
            reason: flag.reason,
            createdAt: flag.createdAt.toISOString(),
          })),
          nextCursor: more && last ? encodeCursor(last.createdAt, last.id) : null,
        },
      };
    },
  );
}
