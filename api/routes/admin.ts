import { z } from 'zod';
import { startRematch } from '../../worker/queues.js';
import { createOrganisationWithUser, findUserByEmail } from '../../db/queries/accounts.js';
import { listFlags } from '../../db/queries/flags.js';
import { newToken } from '../auth.js';
import { decodeDateCursor, encodeCursor } from '../cursor.js';
import type { ApiRouter } from '../endpoint.js';
import { idempotent } from '../idempotency.js';
import { conflict } from '../problem.js';
import { FlagListSchema, MatchListQuery, OnboardingResponse, SignupBody } from '../schemas.js';
import { toOrganisation } from '../serialize.js';

export function registerAdminRoutes(api: ApiRouter): void {
  api.add(
    {
      method: 'post',
      path: '/v1/admin/organisations',
      summary:
        'Onboard a trusted organisation and its first person, verified, with an API token shown once (operators; ADMIN_TOKEN)',
      tag: 'Operators',
      auth: false,
      admin: true,
      body: SignupBody,
      sealed: ['token'],
      success: { status: 201, description: 'The organisation, the person and their token', schema: OnboardingResponse },
      errors: [404],
    },
    async ({ req, deps, body }) =>
      idempotent(req, deps.db, 'admin', async (tx) => {
        const taken = () => conflict('email_taken', `A person with the email ${body.user.email} already exists.`);
        if (await findUserByEmail(tx, body.user.email)) throw taken();
        const { token, hash } = newToken();
        const created = await createOrganisationWithUser(tx, { ...body, tokenHash: hash }).catch(
          (err: { code?: string }) => {
            if (err.code === '23505') throw taken(); // the same address onboarded a moment ago
            throw err;
          },
        );
        const { user } = created;
        return {
          status: 201,
          body: {
            organisation: toOrganisation(created.organisation),
            user: {
              id: user.id,
              name: user.name,
              email: user.email,
              timezone: user.timezone,
              organisationId: user.organisationId,
            },
            token,
          },
        };
      }),
  );

  api.add(
    {
      method: 'post',
      path: '/v1/admin/rematch',
      summary:
        'Rebuild every match from scratch (operators; ADMIN_TOKEN). Safe at any time, with any number of workers',
      tag: 'Operators',
      auth: false,
      admin: true,
      success: {
        status: 202,
        description: 'The rematch is queued; every matchedAt is null until it has finished for that post',
        schema: z.object({ runId: z.uuid(), chunks: z.number().int() }),
      },
      errors: [404, 503],
    },
    // While Redis is away the request is refused before this runs (api/app.ts, writesNeedTheQueue).
    async ({ deps }) => ({ status: 202, body: await startRematch(deps.db, deps.matchingQueue) }),
  );

  api.add(
    {
      method: 'get',
      path: '/v1/admin/flags',
      summary:
        'Text saved after its author acknowledged a competitive-sensitivity warning, newest first (operators; ADMIN_TOKEN)',
      tag: 'Operators',
      auth: false,
      admin: true,
      query: MatchListQuery,
      success: { status: 200, description: 'A page of flags', schema: FlagListSchema },
      errors: [404],
    },
    async ({ deps, query }) => {
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
