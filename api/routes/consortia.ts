import { maySeePost, revealsNeedOwner } from '../../core/policy.js';
import { CHARTER } from '../../core/charter.js';
import type { Executor } from '../../db/client.js';
import {
  listConsortiumSuggestions,
  getConsortium,
  listInvitedPosts,
  findLatestInvitation,
  listConsortia,
  listLog,
  countMembersByKind,
  listMembersOf,
  listNeedsOfConsortium,
  listPeopleOf,
  type ConsortiumRow,
} from '../../db/queries/consortia.js';
import { getNeed, getOffering } from '../../db/queries/posts.js';
import type { Viewer } from '../auth.js';
import { decodeDateCursor, decodeSizeCursor, encodeCursor } from '../cursor.js';
import type { ApiRouter } from '../endpoint.js';
import { idempotent } from '../idempotency.js';
import { forbidden, notFound } from '../problem.js';
import {
  ConsortiumCreateBody,
  ConsortiumListQuery,
  ConsortiumPage,
  ConsortiumSchema,
  IdParams,
  InvitationBody,
  InvitationSchema,
  JoinBody,
  LogPage,
  MatchListQuery,
  SuggestionsSchema,
  CharterSchema,
} from '../schemas.js';
import { toNeed, toOffering, toOrganisation } from '../serialize.js';
import {
  closeConsortium,
  createConsortium,
  declineConsortium,
  inviteToConsortium,
  joinConsortium,
  leaveConsortium,
  notifyConsortium,
} from '../usecases/consortia.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * A consortium as the viewer may see it: what it is and how many of each kind have joined, for anyone
 * signed in; who the members are and how to reach them, for members only.
 */
export async function consortiumView(db: Executor, c: ConsortiumRow, viewer: Pick<Viewer, 'organisationId'>) {
  const [needRows, members, counts, invitation] = await Promise.all([
    listNeedsOfConsortium(db, c.id),
    listMembersOf(db, c.id),
    countMembersByKind(db, [c.id]),
    findLatestInvitation(db, c.id, viewer.organisationId),
  ]);
  const mine = members.find((m) => m.organisation.id === viewer.organisationId);
  const people = mine
    ? await listPeopleOf(
        db,
        members.map((m) => m.organisation.id),
      )
    : [];
  return {
    id: c.id,
    title: c.title,
    scope: c.scope,
    capabilities: c.capabilities,
    status: c.status,
    // A closed or expired need is its organisation's business, as everywhere else.
    needs: needRows
      .filter(({ need }) => maySeePost(need, viewer.organisationId))
      .map(({ need, organisation }) => ({
        id: need.id,
        title: need.title,
        organisation: revealsNeedOwner(need, viewer.organisationId) ? toOrganisation(organisation) : null,
      })),
    memberCounts: counts.get(c.id) ?? {},
    members: mine
      ? members.map((m) => ({
          organisation: toOrganisation(m.organisation),
          joinedAt: m.member.joinedAt.toISOString(),
          charterVersion: m.member.charterVersion,
          convener: m.organisation.id === c.convenerOrganisationId,
          contacts: people
            .filter((p) => p.organisationId === m.organisation.id)
            .map((p) => ({ name: p.name, email: p.email })),
        }))
      : null,
    you: {
      member: mine !== undefined,
      convener: c.convenerOrganisationId === viewer.organisationId,
      invitation: invitation ? { id: invitation.id, status: invitation.status } : null,
      charterAcceptanceRequired: mine !== undefined && mine.member.charterVersion !== CHARTER.version,
    },
    charterVersion: CHARTER.version,
    activatedAt: iso(c.activatedAt),
    closedAt: iso(c.closedAt),
    createdAt: c.createdAt.toISOString(),
  };
}

/**
 * Whom a member may invite, with the posts loaded: the consortium's needs and the needs common to them
 * (similarity 1 for its own), and the offerings that fit them, best first, each with its reason and
 * whether it was invited already. The API and the consortium's page show these.
 */
export async function loadSuggestions(db: Executor, c: ConsortiumRow, viewer: Pick<Viewer, 'organisationId'>) {
  const [found, invited] = await Promise.all([
    listConsortiumSuggestions(db, c.id, viewer.organisationId, 20),
    listInvitedPosts(db, c.id),
  ]);
  const summary = (e: unknown) => (e as { summary?: string } | null)?.summary;
  const needs = [];
  for (const s of found.needs) {
    const n = await getNeed(db, s.id);
    if (!n) continue;
    needs.push({
      ...n,
      own: s.own,
      similarity: Math.min(1, s.similarity),
      reason: s.own
        ? 'One of the needs this consortium addresses.'
        : (summary(s.explanation) ?? 'A need common to this consortium’s needs.'),
      invited: invited.has(s.id),
    });
  }
  const offerings = [];
  for (const s of found.offerings) {
    const o = await getOffering(db, s.id);
    if (!o) continue;
    offerings.push({
      ...o,
      score: s.score,
      reason: summary(s.explanation) ?? 'Fits one of the needs.',
      invited: invited.has(s.id),
    });
  }
  return { needs, offerings };
}

async function findConsortium(db: Executor, id: string): Promise<ConsortiumRow> {
  const c = await getConsortium(db, id);
  if (!c) throw notFound('Consortium');
  return c;
}

async function requireMembership(db: Executor, c: ConsortiumRow, viewer: Viewer): Promise<void> {
  const members = await listMembersOf(db, c.id);
  if (!members.some((m) => m.organisation.id === viewer.organisationId))
    throw forbidden("Only the consortium's members may see this.");
}

export function registerConsortiumRoutes(api: ApiRouter): void {
  api.add(
    {
      method: 'get',
      path: '/v1/charter',
      summary: 'The pre-competitive charter every consortium member accepts',
      tag: 'Consortia',
      auth: false,
      success: { status: 200, description: 'The charter', schema: CharterSchema },
    },
    async () => ({ body: { version: CHARTER.version, text: CHARTER.text } }),
  );

  api.add(
    {
      method: 'post',
      path: '/v1/consortia',
      summary:
        'Propose a consortium on common needs (a biomanufacturer owning one of the needs, a hub or an agency); the convener accepts the charter and is its first member',
      tag: 'Consortia',
      auth: true,
      body: ConsortiumCreateBody,
      success: {
        status: 201,
        description: 'The consortium, forming',
        schema: ConsortiumSchema,
        location: 'The new consortium: `/v1/consortia/{id}`',
      },
      errors: [403, 404, 422],
    },
    async ({ req, res, deps, body, viewer }) => {
      const created = await idempotent(req, deps.db, viewer.userId, async (tx) => {
        const c = await createConsortium(tx, viewer, body);
        return { status: 201, body: await consortiumView(tx, c, viewer) };
      });
      res.location(`/v1/consortia/${created.body.id}`);
      return created;
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/consortia',
      summary: 'Consortia, newest first',
      tag: 'Consortia',
      auth: true,
      query: ConsortiumListQuery,
      success: { status: 200, description: 'A page of consortia', schema: ConsortiumPage },
    },
    async ({ deps, query, viewer }) => {
      const { rows, more } = await listConsortia(deps.db, {
        status: query.status,
        capability: query.capability,
        mineOf: query.mine ? viewer.organisationId : undefined,
        limit: query.limit,
        cursor: decodeDateCursor(query.cursor),
      });
      const items = [];
      for (const c of rows) items.push(await consortiumView(deps.db, c, viewer));
      const last = rows.at(-1);
      return { body: { items, nextCursor: more && last ? encodeCursor(last.createdAt, last.id) : null } };
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/consortia/{id}',
      summary: 'A consortium: its scope and members per kind for anyone; its members and contacts for members',
      tag: 'Consortia',
      auth: true,
      params: IdParams,
      success: { status: 200, description: 'The consortium', schema: ConsortiumSchema },
      errors: [404],
    },
    async ({ deps, params, viewer }) => ({
      body: await consortiumView(deps.db, await findConsortium(deps.db, params.id), viewer),
    }),
  );

  api.add(
    {
      method: 'get',
      path: '/v1/consortia/{id}/suggestions',
      summary:
        "Whom to invite (members only): the consortium's needs and the needs common to them, by need, and the offerings that fit them, best first, with reasons",
      tag: 'Consortia',
      auth: true,
      params: IdParams,
      success: { status: 200, description: 'Suggestions', schema: SuggestionsSchema },
      errors: [403, 404],
    },
    async ({ deps, params, viewer }) => {
      const c = await findConsortium(deps.db, params.id);
      await requireMembership(deps.db, c, viewer);
      const found = await loadSuggestions(deps.db, c, viewer);
      const needs = found.needs.map((s) => ({
        need: toNeed(s.post, s.organisation, viewer),
        similarity: Math.round(s.similarity * 1000) / 1000,
        reason: s.reason,
        invited: s.invited,
      }));
      const offerings = found.offerings.map((s) => ({
        offering: toOffering(s.post, s.organisation, viewer),
        score: Math.round(s.score * 1000) / 1000,
        reason: s.reason,
        invited: s.invited,
      }));
      return { body: { needs, offerings } };
    },
  );

  api.add(
    {
      method: 'post',
      path: '/v1/consortia/{id}/invitations',
      summary:
        "Invite the organisation behind a need or an offering (members only); an anonymous need's owner is invited without being revealed",
      tag: 'Consortia',
      auth: true,
      params: IdParams,
      body: InvitationBody,
      success: { status: 201, description: 'The invitation', schema: InvitationSchema },
      errors: [403, 404, 409],
    },
    async ({ req, deps, params, body, viewer }) => {
      const created = await idempotent(req, deps.db, viewer.userId, async (tx) => {
        const inv = await inviteToConsortium(tx, viewer, params.id, body);
        const need = inv.needId ? await getNeed(tx, inv.needId) : undefined;
        const offering = inv.offeringId ? await getOffering(tx, inv.offeringId) : undefined;
        return {
          status: 201,
          body: {
            id: inv.id,
            consortiumId: inv.consortiumId,
            status: inv.status,
            need: need ? { id: need.post.id, title: need.post.title } : null,
            offering: offering
              ? {
                  id: offering.post.id,
                  title: offering.post.title,
                  organisation: toOrganisation(offering.organisation),
                }
              : null,
            createdAt: inv.createdAt.toISOString(),
            respondedAt: null,
          },
        };
      });
      if (!created.replayed) await notifyConsortium(deps, { kind: 'invitation', invitationId: created.body.id });
      return created;
    },
  );

  api.add(
    {
      method: 'post',
      path: '/v1/consortia/{id}/join',
      summary:
        'Join on an invitation by accepting the charter, or accept a newer charter as a member; joining reveals your organisation to the members only',
      tag: 'Consortia',
      auth: true,
      params: IdParams,
      body: JoinBody,
      success: { status: 200, description: 'The consortium, as a member sees it', schema: ConsortiumSchema },
      errors: [403, 404, 409, 422],
    },
    async ({ deps, params, body, viewer }) => {
      const outcome = await deps.db.transaction((tx) => joinConsortium(tx, viewer, params.id, body));
      if (outcome.activated) await notifyConsortium(deps, { kind: 'active', consortiumId: outcome.consortium.id });
      return { body: await consortiumView(deps.db, await findConsortium(deps.db, params.id), viewer) };
    },
  );

  for (const [verb, summary, run] of [
    ['decline', 'Decline an invitation', declineConsortium],
    ['leave', 'Leave a consortium (not the convener)', leaveConsortium],
    ['close', 'Close a consortium (the convener only)', closeConsortium],
  ] as const) {
    api.add(
      {
        method: 'post',
        path: `/v1/consortia/{id}/${verb}`,
        summary,
        tag: 'Consortia',
        auth: true,
        params: IdParams,
        success: { status: 200, description: 'The consortium as you now see it', schema: ConsortiumSchema },
        errors: [403, 404, 409],
      },
      async ({ deps, params, viewer }) => {
        await deps.db.transaction((tx) => run(tx, viewer, params.id));
        return { body: await consortiumView(deps.db, await findConsortium(deps.db, params.id), viewer) };
      },
    );
  }

  api.add(
    {
      method: 'get',
      path: '/v1/consortia/{id}/log',
      summary: 'Every action on the consortium with who and when, oldest first (members only; append-only)',
      tag: 'Consortia',
      auth: true,
      params: IdParams,
      query: MatchListQuery,
      success: { status: 200, description: 'A page of the log', schema: LogPage },
      errors: [403, 404],
    },
    async ({ deps, params, query, viewer }) => {
      const c = await findConsortium(deps.db, params.id);
      await requireMembership(deps.db, c, viewer);
      const after = decodeSizeCursor(query.cursor);
      const { rows, more } = await listLog(deps.db, c.id, query.limit, after?.size);
      const last = rows.at(-1);
      return {
        body: {
          items: rows.map((r) => {
            const d = r.detail as Record<string, unknown>;
            return {
              seq: r.seq,
              action: r.action,
              organisation: typeof d.organisation === 'string' ? { id: r.organisationId, name: d.organisation } : null,
              user: typeof d.user === 'string' ? { name: d.user } : null,
              detail: Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'organisation' && k !== 'user')),
              at: r.createdAt.toISOString(),
            };
          }),
          nextCursor: more && last ? encodeCursor(last.seq, c.id) : null,
        },
      };
    },
  );
}
