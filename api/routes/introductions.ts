import { isPartyToIntroduction } from '../../core/policy.js';
import { getIntroduction, listIntroductions } from '../../db/queries/introductions.js';
import { getMatch } from '../../db/queries/matches.js';
import { decodeDateCursor, encodeCursor } from '../cursor.js';
import type { ApiRouter } from '../endpoint.js';
import { idempotent } from '../idempotency.js';
import { notFound } from '../problem.js';
import { IdParams, IntroductionBody, IntroductionListQuery, IntroductionPage, IntroductionSchema } from '../schemas.js';
import { toIntroduction } from '../serialize.js';
import { answerIntroduction, notifyIntroduction, requestIntroduction } from '../usecases/introductions.js';

export function registerIntroductionRoutes(api: ApiRouter): void {
  api.add(
    {
      method: 'post',
      path: '/v1/matches/{id}/introductions',
      summary:
        'Ask the other side of a match for an introduction; they are emailed and may accept or decline (double opt-in)',
      tag: 'Introductions',
      auth: true,
      params: IdParams,
      body: IntroductionBody,
      success: {
        status: 201,
        description: 'The request',
        schema: IntroductionSchema,
        location: 'The new introduction: `/v1/introductions/{id}`',
      },
      errors: [404, 409, 422],
    },
    async ({ req, res, deps, params, body, viewer }) => {
      const created = await idempotent(req, deps.db, viewer.userId, async (tx) => {
        const match = await getMatch(tx, params.id);
        const detail = await requestIntroduction(tx, viewer, match, body.message, body.acknowledgeSensitive);
        return { status: 201, body: toIntroduction(detail, viewer) };
      });
      if (!created.replayed) {
        const detail = await getIntroduction(deps.db, created.body.id);
        if (detail) await notifyIntroduction(deps, detail);
      }
      res.location(`/v1/introductions/${created.body.id}`);
      return created;
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/introductions',
      summary: 'Introductions your organisation asked for and was asked for, newest first',
      tag: 'Introductions',
      auth: true,
      query: IntroductionListQuery,
      success: { status: 200, description: 'A page of introductions', schema: IntroductionPage },
    },
    async ({ deps, query, viewer }) => {
      const { rows, more } = await listIntroductions(
        deps.db,
        viewer.organisationId,
        { direction: query.direction, status: query.status, limit: query.limit },
        decodeDateCursor(query.cursor),
      );
      const last = rows.at(-1)?.introduction;
      return {
        body: {
          items: rows.map((r) => toIntroduction(r, viewer)),
          nextCursor: more && last ? encodeCursor(last.createdAt, last.id) : null,
        },
      };
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/introductions/{id}',
      summary: 'One introduction your organisation asked for or was asked for',
      tag: 'Introductions',
      auth: true,
      params: IdParams,
      success: { status: 200, description: 'The introduction', schema: IntroductionSchema },
      errors: [404],
    },
    async ({ deps, params, viewer }) => {
      const detail = await getIntroduction(deps.db, params.id);
      if (!detail || !isPartyToIntroduction(detail.introduction, viewer.organisationId)) throw notFound('Introduction');
      return { body: toIntroduction(detail, viewer) };
    },
  );

  for (const answer of ['accept', 'decline'] as const) {
    api.add(
      {
        method: 'post',
        path: `/v1/introductions/{id}/${answer}`,
        summary:
          answer === 'accept'
            ? 'Accept an introduction request: both sides get one email introducing them'
            : 'Decline an introduction request: the requester is told, and the pair is not suggested again',
        tag: 'Introductions',
        auth: true,
        params: IdParams,
        success: { status: 200, description: 'The introduction as answered', schema: IntroductionSchema },
        errors: [403, 404, 409],
      },
      async ({ deps, params, viewer }) => {
        const detail = await deps.db.transaction((tx) => answerIntroduction(tx, viewer, params.id, answer));
        await notifyIntroduction(deps, detail);
        return { body: toIntroduction(detail, viewer) };
      },
    );
  }
}
