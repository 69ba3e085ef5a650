import { maySeePost } from '../../core/policy.js';
import { getNeed } from '../../db/queries/posts.js';
import {
  getCommonNeedGroup,
  listGroupNeeds,
  listCommonNeedGroups,
  listCommonNeedsOf,
  type GroupSummary,
} from '../../db/queries/common-needs.js';
import type { Executor } from '../../db/client.js';
import type { Viewer } from '../auth.js';
import { decodeScoreCursor, decodeSizeCursor, encodeCursor } from '../cursor.js';
import type { ApiRouter } from '../endpoint.js';
import { notFound } from '../problem.js';
import {
  CommonNeedGroupPage,
  CommonNeedGroupQuery,
  CommonNeedGroupSchema,
  CommonNeedPage,
  IdParams,
  MatchListQuery,
} from '../schemas.js';
import { toNeed } from '../serialize.js';

/** Groups are ordered by organisations, then needs; one number keeps both in a cursor. */
const SIZE_BASE = 1_000_000;
const sizeKey = (g: GroupSummary) => g.organisationCount * SIZE_BASE + g.needCount;

/** Groups with their needs as the viewer may see them (an anonymous need keeps organisation null). */
export async function toGroups(db: Executor, groups: GroupSummary[], viewer: Viewer) {
  const members = await listGroupNeeds(
    db,
    groups.map((g) => g.id),
  );
  return groups.map((g) => ({
    id: g.id,
    title: g.title,
    capabilities: g.capabilities,
    needs: members.filter((m) => m.groupId === g.id).map((m) => toNeed(m.need, m.organisation, viewer)),
    needCount: g.needCount,
    organisationCount: g.organisationCount,
    offeringCount: g.offeringCount,
    consortium: g.consortiumId,
  }));
}

export function registerCommonNeedRoutes(api: ApiRouter): void {
  api.add(
    {
      method: 'get',
      path: '/v1/needs/{id}/common',
      summary: "Other organisations' needs that describe the same problem, most similar first",
      tag: 'Common needs',
      auth: true,
      params: IdParams,
      query: MatchListQuery,
      success: { status: 200, description: 'A page of common needs', schema: CommonNeedPage },
      errors: [404],
    },
    async ({ deps, params, query, viewer }) => {
      const found = await getNeed(deps.db, params.id);
      if (!found || !maySeePost(found.post, viewer.organisationId)) throw notFound('Need');
      const { rows, more } = await listCommonNeedsOf(deps.db, params.id, query.limit, decodeScoreCursor(query.cursor));
      const last = rows.at(-1);
      return {
        body: {
          items: rows.map((r) => ({
            need: toNeed(r.need, r.organisation, viewer),
            similarity: Math.round(r.similarity * 1000) / 1000,
            explanation: r.explanation,
          })),
          nextCursor: more && last ? encodeCursor(last.similarity, last.need.id) : null,
        },
      };
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/common-needs',
      summary: 'Common-need groups: the same need posted by two or more organisations, largest first',
      tag: 'Common needs',
      auth: true,
      query: CommonNeedGroupQuery,
      success: { status: 200, description: 'A page of groups', schema: CommonNeedGroupPage },
    },
    async ({ deps, query, viewer }) => {
      const cursor = decodeSizeCursor(query.cursor);
      const { rows, more } = await listCommonNeedGroups(deps.db, {
        viewerOrganisationId: viewer.organisationId,
        capability: query.capability,
        area: query.area,
        limit: query.limit,
        cursor: cursor && {
          organisations: Math.floor(cursor.size / SIZE_BASE),
          needs: cursor.size % SIZE_BASE,
          id: cursor.id,
        },
      });
      const last = rows.at(-1);
      return {
        body: {
          items: await toGroups(deps.db, rows, viewer),
          nextCursor: more && last ? encodeCursor(sizeKey(last), last.id) : null,
        },
      };
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/common-needs/{id}',
      summary: 'One common-need group',
      tag: 'Common needs',
      auth: true,
      params: IdParams,
      success: { status: 200, description: 'The group', schema: CommonNeedGroupSchema },
      errors: [404],
    },
    async ({ deps, params, viewer }) => {
      const group = await getCommonNeedGroup(deps.db, params.id, viewer.organisationId);
      if (!group) throw notFound('Common-need group');
      const [body] = await toGroups(deps.db, [group], viewer);
      return { body };
    },
  );
}
