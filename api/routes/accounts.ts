import { z } from 'zod';
import { listTokens, revokeToken } from '../../db/queries/accounts.js';
import type { ApiRouter } from '../endpoint.js';
import { idempotent } from '../idempotency.js';
import { notFound } from '../problem.js';
import { IdParams, NewTokenSchema, SignupAccepted, SignupBody, TokenBody, TokenSchema } from '../schemas.js';
import { makeApiToken, requestSignup } from '../usecases/accounts.js';

export const toToken = (t: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null }) => ({
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
      summary:
        'Ask to sign up an organisation and its first person: a link is emailed to the address, and nothing is made until it is used',
      tag: 'Accounts',
      auth: false,
      body: SignupBody,
      // A signup's keys are its address's: nobody replays or blocks another address's signup.
      idempotencyScope: (body) => `signup:${body.user.email.trim().toLowerCase()}`,
      success: {
        status: 202,
        description:
          'The same answer whether or not the address is registered. A new address gets a link that confirms it, creates the organisation and signs in; a registered one gets a sign-in link. API tokens are then made on the settings page.',
        schema: SignupAccepted,
      },
      errors: [429],
    },
    async ({ req, deps, body }) => {
      await requestSignup(deps, req.ip ?? '', body);
      return { status: 202, body: { status: 'verification-sent' as const } };
    },
  );

  api.add(
    {
      method: 'post',
      path: '/v1/tokens',
      summary: 'Make another API token for the signed-in person; the secret is shown once',
      tag: 'Accounts',
      auth: true,
      body: TokenBody,
      sealed: ['token'],
      success: { status: 201, description: 'The new token', schema: NewTokenSchema },
      errors: [429],
    },
    async ({ req, deps, body, viewer }) => {
      const created = await idempotent(req, deps.db, viewer.userId, async (tx) => {
        const { row, token } = await makeApiToken(deps, tx, req.ip ?? '', viewer.userId, body.name);
        return { status: 201, body: { ...toToken(row), token } };
      });
      return created;
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/tokens',
      summary: "List the signed-in person's live tokens, with their last use (never their secrets)",
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
