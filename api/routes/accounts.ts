import { z } from 'zod';
import {
  createOrganisationWithUser,
  createToken,
  findUserByEmail,
  listTokens,
  revokeToken,
} from '../../db/queries/accounts.js';
import { newToken } from '../auth.js';
import type { ApiRouter } from '../endpoint.js';
import { idempotent } from '../idempotency.js';
import { conflict, notFound } from '../problem.js';
import { IdParams, NewTokenSchema, SignupBody, SignupResponse, TokenBody, TokenSchema } from '../schemas.js';
import { toOrganisation } from '../serialize.js';

const toToken = (t: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null }) => ({
  id: t.id,
  name: t.name,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
});

export function registerAccountRoutes(api: ApiRouter): void {
  api.add(
    {
      method: 'post',
      path: '/v1/signup',
      summary: 'Create an organisation and its first user; answers their API token, once',
      tag: 'Accounts',
      auth: false,
      body: SignupBody,
      success: { status: 201, description: 'The organisation, the user and their token', schema: SignupResponse },
      errors: [409, 422],
    },
    async ({ req, deps, body }) =>
      idempotent(
        req,
        deps.db,
        'signup',
        async (tx) => {
          if (await findUserByEmail(tx, body.user.email)) {
            throw conflict('email_taken', `A user with the email ${body.user.email} already exists.`);
          }
          const { token, hash } = newToken();
          const created = await createOrganisationWithUser(tx, { ...body, tokenHash: hash }).catch(
            (err: { code?: string }) => {
              // A concurrent signup with the same email got there first.
              if (err.code === '23505')
                throw conflict('email_taken', `A user with the email ${body.user.email} already exists.`);
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
        },
        // A retried signup gets its token back, but the stored answer never holds it in the clear.
        { fields: ['token'], secret: deps.config.appSecret },
      ),
  );

  api.add(
    {
      method: 'post',
      path: '/v1/tokens',
      summary: 'Make another API token for the signed-in user; the secret is shown once',
      tag: 'Accounts',
      auth: true,
      body: TokenBody,
      success: { status: 201, description: 'The new token', schema: NewTokenSchema },
    },
    async ({ deps, body, viewer }) => {
      const { token, hash } = newToken();
      const row = await createToken(deps.db, viewer.userId, body.name, hash);
      return { status: 201, body: { ...toToken(row), token } };
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/tokens',
      summary: "List the signed-in user's live tokens (without their secrets)",
      tag: 'Accounts',
      auth: true,
      success: { status: 200, description: 'The tokens', schema: z.object({ items: z.array(TokenSchema) }) },
    },
    async ({ deps, viewer }) => ({ body: { items: (await listTokens(deps.db, viewer.userId)).map(toToken) } }),
  );

  api.add(
    {
      method: 'delete',
      path: '/v1/tokens/{id}',
      summary: 'Revoke one of your tokens; it stops working at once',
      tag: 'Accounts',
      auth: true,
      params: IdParams,
      success: { status: 204, description: 'Revoked' },
      errors: [404],
    },
    async ({ deps, params, viewer }) => {
      if (!(await revokeToken(deps.db, viewer.userId, params.id))) throw notFound('Token');
    },
  );
}
