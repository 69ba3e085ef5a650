import { isPartyToPair } from '../../core/policy.js';
import { getMatch, listMatchesOf, recordFeedback } from '../../db/queries/matches.js';
import type { PostSide } from '../../db/queries/posts.js';
import { getNeed, getOffering } from '../../db/queries/posts.js';
import { decodeScoreCursor, encodeCursor } from '../cursor.js';
import type { ApiRouter } from '../endpoint.js';
import { notFound } from '../problem.js';
import { FeedbackBody, FeedbackSchema, IdParams, MatchListQuery, MatchPage } from '../schemas.js';
import { toMatch } from '../serialize.js';

export function registerMatchRoutes(api: ApiRouter): void {
  for (const side of ['need', 'offering'] as PostSide[]) {
    const noun = side === 'need' ? 'Need' : 'Offering';
    api.add(
      {
        method: 'get',
        path: `/v1/${side}s/{id}/matches`,
        summary: `The matches of a ${side} of your organisation, best first, each with its explanation`,
        tag: 'Matches',
        auth: true,
        params: IdParams,
        query: MatchListQuery,
        success: { status: 200, description: 'A page of matches', schema: MatchPage },
        errors: [404],
      },
      async ({ deps, params, query, viewer }) => {
        const post = side === 'need' ? await getNeed(deps.db, params.id) : await getOffering(deps.db, params.id);
        // Matches are the owners' business: to anyone else the post's matches do not exist.
        if (!post || post.post.organisationId !== viewer.organisationId) throw notFound(noun);
        const { rows, more } = await listMatchesOf(
          deps.db,
          side,
          params.id,
          viewer.organisationId,
          query.limit,
          decodeScoreCursor(query.cursor),
        );
        const items = rows.map((r) => toMatch(r, viewer, r.feedback));
        const last = rows.at(-1)?.match;
        return { body: { items, nextCursor: more && last ? encodeCursor(last.score, last.id) : null } };
      },
    );
  }

  api.add(
    {
      method: 'post',
      path: '/v1/matches/{id}/feedback',
      summary: 'Say whether a match is relevant; a pair marked not relevant never comes back',
      tag: 'Matches',
      auth: true,
      params: IdParams,
      body: FeedbackBody,
      success: { status: 200, description: 'The recorded verdict', schema: FeedbackSchema },
      errors: [404],
    },
    async ({ deps, params, body, viewer }) => {
      const found = await getMatch(deps.db, params.id);
      if (!found || !isPartyToPair(found, viewer.organisationId)) throw notFound('Match');
      const row = await recordFeedback(deps.db, {
        needId: found.need.id,
        offeringId: found.offering.id,
        organisationId: viewer.organisationId,
        userId: viewer.userId,
        verdict: body.verdict,
        reason: body.reason ?? null,
      });
      return { body: { matchId: found.match.id, verdict: row.verdict, reason: row.reason } };
    },
  );
}
