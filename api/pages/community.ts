import type { Request, Response, Router } from 'express';
import { conveningRefusal, FORMER_MEMBER, FORMER_ORGANISATION, maySeePost, needOwnerName } from '../../core/policy.js';
import {
  AREAS,
  CAPABILITIES,
  CONSORTIUM_STATUSES,
  ORG_KIND_NAMES,
  type ConsortiumStatus,
} from '../../core/taxonomy.js';
import { getCommonNeedGroup, listCommonNeedGroups, type GroupSummary } from '../../db/queries/common-needs.js';
import {
  getConsortium,
  listInvitationsOf,
  listConsortia,
  listLog,
  countMembersByKind,
  type ConsortiumRow,
  type LogRow,
} from '../../db/queries/consortia.js';
import { getNeed } from '../../db/queries/posts.js';
import { forbidden, HttpProblem, notFound } from '../problem.js';
import { toGroups } from '../routes/common-needs.js';
import { consortiumView, loadSuggestions } from '../routes/consortia.js';
import { ConsortiumCreateBody, InvitationBody } from '../schemas.js';
import {
  closeConsortium,
  createConsortium,
  declineConsortium,
  inviteToConsortium,
  joinConsortium,
  leaveConsortium,
  notifyConsortium,
} from '../usecases/consortia.js';
import { ANONYMOUS_OWNER, charterForPage, membersLine, REVEAL_SENTENCE } from './consortium-text.js';
import { acknowledged, flagsOf, sensitiveFlags, type FieldFlags } from './sensitive.js';
import { requireViewer } from './session.js';
import type { WebViewer } from './render.js';
import { fieldErrors, list, pageHandler, str, UUID, viewerOf, type FieldWords, type WebContext } from './shared.js';

const CAPABILITY_NAMES = new Map(CAPABILITIES.map((c) => [c.slug as string, c.name as string]));
const AREA_SLUGS = new Set<string>(AREAS.map((a) => a.slug));
const AREA_GROUPS = AREAS.map((a) => ({ name: a.name, capabilities: CAPABILITIES.filter((c) => c.area === a.slug) }));
const capabilityNames = (slugs: readonly string[]) => slugs.map((s) => CAPABILITY_NAMES.get(s) ?? s);
const STATUS_LABELS: Record<ConsortiumStatus, string> = {
  forming: 'forming: looking for members',
  active: 'active: at work',
  closed: 'closed',
};
const day = (d: Date) => d.toISOString().slice(0, 10);

/** Groups as their cards show them: needs as the viewer may see them, the consortium or who may start one. */
async function groupCards(ctx: WebContext, rows: GroupSummary[], viewer: WebViewer) {
  const groups = await toGroups(ctx.deps.db, rows, viewer);
  return Promise.all(
    groups.map(async (g) => {
      const consortium = g.consortium ? await getConsortium(ctx.deps.db, g.consortium) : undefined;
      const refusal = conveningRefusal(
        viewer.organisationKind,
        g.needs.some((n) => n.mine),
      );
      return {
        id: g.id,
        title: g.title,
        capabilities: capabilityNames(g.capabilities),
        capabilitySlugs: g.capabilities,
        needs: g.needs.map((n) => ({
          id: n.id,
          title: n.title,
          organisation: n.organisation?.name ?? ANONYMOUS_OWNER,
          mine: n.mine,
        })),
        needCount: g.needCount,
        organisationCount: g.organisationCount,
        offeringCount: g.offeringCount,
        consortium: consortium ? { id: consortium.id, title: consortium.title, status: consortium.status } : null,
        mayConvene: refusal === null,
        refusal,
      };
    }),
  );
}

type ConsortiumForm = {
  group: string;
  title: string;
  scope: string;
  needIds: string[];
  capabilities: string[];
  acceptCharter: boolean;
};

/** The consortium form's own words for its title (the other fields' are the shared ones of api/pages/shared.ts). */
const FORM_WORDS: Record<string, FieldWords> = {
  title: { label: 'the title', empty: 'Give the consortium a title.' },
};

/** What each log entry says, in words; the names are those of when it happened. */
function describeLog(r: LogRow): string {
  const d = r.detail as Record<string, unknown>;
  const org = typeof d.organisation === 'string' ? d.organisation : 'An organisation';
  // Names erased when their owners left Roadmatch (db/queries/accounts.ts eraseFromConsortiumLog).
  const who =
    org === FORMER_ORGANISATION
      ? 'A former member organisation'
      : d.user === FORMER_MEMBER
        ? `A former member of ${org}`
        : typeof d.user === 'string'
          ? `${d.user} (${org})`
          : org;
  const title = typeof d.title === 'string' ? d.title : '';
  const version = typeof d.charterVersion === 'string' ? d.charterVersion : '';
  switch (r.action) {
    case 'created':
      return `${who} created the consortium “${title}”.`;
    case 'joined':
      return d.convener
        ? `${who} joined as convener, accepting the charter version ${version}.`
        : `${who} joined, accepting the charter version ${version}.`;
    case 'invited':
      if (d.withdrawn === true) return `${who} invited the organisation behind a post since withdrawn.`;
      return typeof d.needId === 'string'
        ? `${who} invited the organisation behind the need “${title}”.`
        : `${who} invited the organisation behind the offering “${title}”.`;
    case 'declined':
      if (d.withdrawn === true) return 'An invitation was declined.';
      return `An invitation (for ${typeof d.needId === 'string' ? 'a need' : 'an offering'}) was declined.`;
    case 'left':
      return `${who} left.`;
    case 'closed':
      return `${who} closed the consortium.`;
    case 'activated':
      return 'The consortium became active: two biomanufacturers and a supplier or lab have joined.';
    case 'charter-accepted':
      return `${who} accepted the charter version ${version}.`;
    default:
      return `${r.action} by ${who}.`;
  }
}

/**
 * The pages of the community: common needs for everyone signed in, and consortia: start one from a common
 * need, see it, invite from its suggestions, join under the charter or decline, leave, close, read its log.
 */
export function registerCommunityPages(router: Router, ctx: WebContext): void {
  const { deps } = ctx;

  // ---- common needs ----

  router.get(
    '/common-needs',
    requireViewer,
    pageHandler(async (req, res) => {
      const viewer = viewerOf(res);
      const area = AREA_SLUGS.has(str(req.query.area)) ? str(req.query.area) : undefined;
      const capability = CAPABILITY_NAMES.has(str(req.query.capability)) ? str(req.query.capability) : undefined;
      const { rows } = await listCommonNeedGroups(deps.db, {
        area,
        capability,
        limit: 100,
        viewerOrganisationId: viewerOf(res).organisationId,
      });
      ctx.page(req, res, 'common-needs', {
        title: 'Common needs',
        single: false,
        groups: await groupCards(ctx, rows, viewer),
        filters: { area: area ?? '', capability: capability ?? '' },
        filtered: Boolean(area || capability),
        areas: AREAS,
        capabilityGroups: AREA_GROUPS,
      });
    }),
  );

  router.get(
    '/common-needs/:id',
    requireViewer,
    pageHandler(async (req, res) => {
      const group = await getCommonNeedGroup(deps.db, String(req.params.id), viewerOf(res).organisationId);
      if (!group)
        throw new HttpProblem(
          404,
          'not_found',
          'No longer a common need',
          'This common need is gone: its needs have closed, or fewer than two organisations still share it.',
        );
      const [card] = await groupCards(ctx, [group], viewerOf(res));
      ctx.page(req, res, 'common-needs', { title: card!.title, single: true, groups: [card] });
    }),
  );

  // ---- consortia ----

  router.get(
    '/consortia',
    requireViewer,
    pageHandler(async (req, res) => {
      const viewer = viewerOf(res);
      const status = (CONSORTIUM_STATUSES as readonly string[]).includes(str(req.query.status))
        ? (str(req.query.status) as ConsortiumStatus)
        : undefined;
      const mine = str(req.query.mine) === 'true';
      const { rows } = await listConsortia(deps.db, {
        status,
        mineOf: mine ? viewer.organisationId : undefined,
        limit: 100,
      });
      const counts = await countMembersByKind(
        deps.db,
        rows.map((c) => c.id),
      );
      ctx.page(req, res, 'consortia', {
        title: 'Consortia',
        items: rows.map((c) => ({
          id: c.id,
          title: c.title,
          status: c.status,
          capabilities: capabilityNames(c.capabilities),
          members: membersLine(counts.get(c.id) ?? {}),
        })),
        statuses: CONSORTIUM_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] })),
        filters: { status: status ?? '', mine },
        filtered: Boolean(status || mine),
      });
    }),
  );

  /** The needs the form offers: the group's, and any ticked that are no longer in it, as the viewer may see them. */
  async function formNeeds(viewer: WebViewer, groupId: string, ticked: string[]) {
    const group = UUID.test(groupId) ? await getCommonNeedGroup(deps.db, groupId, viewer.organisationId) : undefined;
    const card = group ? (await toGroups(deps.db, [group], viewer))[0] : undefined;
    const needs = (card?.needs ?? []).map((n) => ({
      id: n.id,
      title: n.title,
      organisation: n.organisation?.name ?? ANONYMOUS_OWNER,
      mine: n.mine,
    }));
    for (const id of ticked) {
      if (!UUID.test(id) || needs.some((n) => n.id === id)) continue;
      const found = await getNeed(deps.db, id);
      if (!found || !maySeePost(found.post, viewer.organisationId)) continue;
      needs.push({
        id,
        title: found.post.title,
        organisation: needOwnerName(found.post, found.organisation.name, viewer.organisationId),
        mine: found.post.organisationId === viewer.organisationId,
      });
    }
    return { group, needs };
  }

  const formPage = async (
    req: Request,
    res: Response,
    values: ConsortiumForm,
    o: { errors?: Record<string, string>; flags?: FieldFlags } = {},
    status = 200,
  ) => {
    const { needs } = await formNeeds(viewerOf(res), values.group, values.needIds);
    const errors = o.errors ?? {};
    const flags = o.flags ?? {};
    ctx.page(
      req,
      res,
      'consortium-form',
      {
        title: 'Start a consortium',
        values,
        needs,
        errors,
        errorList: Object.keys(errors),
        flags,
        hasFlags: Object.keys(flags).length > 0,
        areas: AREA_GROUPS,
        charter: charterForPage(),
      },
      status,
    );
  };

  router.get(
    '/consortia/new',
    requireViewer,
    pageHandler(async (req, res) => {
      const viewer = viewerOf(res);
      const groupId = str(req.query.group);
      const { group, needs } = await formNeeds(viewer, groupId, []);
      if (!group)
        throw new HttpProblem(
          404,
          'not_found',
          'Start from a common need',
          'A consortium starts from a common need: open one on the common needs page and press “Start a consortium”.',
        );
      const refusal = conveningRefusal(
        viewer.organisationKind,
        needs.some((n) => n.mine),
      );
      if (refusal) throw forbidden(refusal);
      await formPage(req, res, {
        group: group.id,
        title: group.title,
        scope: '',
        needIds: needs.map((n) => n.id),
        capabilities: group.capabilities,
        acceptCharter: false,
      });
    }),
  );

  router.post(
    '/consortia',
    requireViewer,
    pageHandler(async (req, res) => {
      const viewer = viewerOf(res);
      const f = req.body as Record<string, unknown>;
      const values: ConsortiumForm = {
        group: str(f.group),
        title: str(f.title),
        scope: str(f.scope),
        needIds: list(f.needIds),
        capabilities: list(f.capabilities),
        acceptCharter: f.acceptCharter === 'true',
      };
      const parsed = ConsortiumCreateBody.safeParse({
        title: values.title,
        scope: values.scope,
        needIds: values.needIds,
        capabilities: values.capabilities,
        acceptCharter: values.acceptCharter,
        charterVersion: str(f.charterVersion) || undefined,
        acknowledgeSensitive: acknowledged(f),
      });
      const errors: Record<string, string> = parsed.success
        ? {}
        : fieldErrors(parsed.error, { words: FORM_WORDS, values });
      if (!values.acceptCharter)
        errors.acceptCharter =
          'Tick the box to accept the charter: every member accepts it, the convener first. Nothing was saved.';
      // Screened now too, so that every problem of the form is shown at once.
      const flags = flagsOf({ title: values.title, scope: values.scope }, acknowledged(f));
      if (!parsed.success || Object.keys(errors).length > 0 || flags)
        return formPage(req, res, values, { errors, flags }, 422);
      try {
        const created = await deps.db.transaction((tx) => createConsortium(tx, viewer, parsed.data));
        res.redirect(303, `/consortia/${created.id}`);
      } catch (err) {
        const flags = sensitiveFlags(err);
        if (flags) return formPage(req, res, values, { flags }, 422);
        if (!(err instanceof HttpProblem)) throw err;
        if (err.code === 'charter_outdated') {
          errors.acceptCharter =
            'The charter has changed since the page was opened. Read this version and tick the box again.';
          return formPage(req, res, { ...values, acceptCharter: false }, { errors }, 422);
        }
        if (err.status === 403 || (err.status === 404 && err.detail?.startsWith('needIds'))) {
          errors.needIds =
            err.status === 403 ? (err.detail ?? err.title) : 'One of the ticked needs is no longer open; untick it.';
          return formPage(req, res, values, { errors }, err.status);
        }
        throw err;
      }
    }),
  );

  async function findConsortium(id: string): Promise<ConsortiumRow> {
    const c = await getConsortium(deps.db, id);
    if (!c) throw notFound('This consortium');
    return c;
  }

  /** Whom a member may invite, as the page lists them: needs by need (owners as the viewer may see them), offerings. */
  async function suggestionsFor(c: ConsortiumRow, viewer: WebViewer) {
    const found = await loadSuggestions(deps.db, c, viewer);
    return {
      needs: found.needs.map((s) => ({
        id: s.post.id,
        title: s.post.title,
        organisation: needOwnerName(s.post, s.organisation.name, viewer.organisationId),
        percent: s.own ? null : Math.round(s.similarity * 100),
        reason: s.reason,
        invited: s.invited,
      })),
      offerings: found.offerings.map((s) => ({
        id: s.post.id,
        title: s.post.title,
        organisation: s.organisation.name,
        percent: Math.round(s.score * 100),
        reason: s.reason,
        invited: s.invited,
      })),
    };
  }

  const consortiumPage = async (
    req: Request,
    res: Response,
    c: ConsortiumRow,
    o: { joinError?: string } = {},
    status = 200,
  ) => {
    const viewer = viewerOf(res);
    const view = await consortiumView(deps.db, c, viewer);
    const member = view.you.member;
    const open = c.status !== 'closed';
    const [suggestions, invitations] =
      member && open
        ? await Promise.all([suggestionsFor(c, viewer), listInvitationsOf(deps.db, c.id)])
        : [{ needs: [], offerings: [] }, []];
    let invitedFor = '';
    const canJoin = !member && open && view.you.invitation?.status === 'pending';
    if (canJoin) {
      const inv = view.you.invitation!;
      const detail = (await listInvitationsOf(deps.db, c.id)).find((i) => i.invitation.id === inv.id);
      invitedFor = detail?.needTitle
        ? `It was invited because of your need “${detail.needTitle}”.`
        : detail?.offering
          ? `It was invited because of your offering “${detail.offering.title}”.`
          : '';
    }
    ctx.page(
      req,
      res,
      'consortium',
      {
        title: c.title,
        consortium: {
          ...view,
          members: view.members?.map((m) => ({
            ...m,
            kind: ORG_KIND_NAMES[m.organisation.kind],
            joinedAt: m.joinedAt.slice(0, 10),
          })),
        },
        capabilities: capabilityNames(view.capabilities),
        needs: view.needs.map((n) => ({
          id: n.id,
          title: n.title,
          organisation: n.organisation?.name ?? ANONYMOUS_OWNER,
        })),
        membersLine: membersLine(view.memberCounts),
        suggestions,
        invitations: invitations.map((i) => ({
          label: i.needTitle
            ? `The organisation behind the need “${i.needTitle}”`
            : `${i.offeringOrg?.name ?? 'An organisation'}, for the offering “${i.offering?.title ?? ''}”`,
          status: i.invitation.status,
          when: day(i.invitation.createdAt),
        })),
        canJoin,
        invitedFor,
        reveal: REVEAL_SENTENCE,
        joinError: o.joinError,
        charter: charterForPage(),
      },
      status,
    );
  };

  router.get(
    '/consortia/:id',
    requireViewer,
    pageHandler(async (req, res) => consortiumPage(req, res, await findConsortium(String(req.params.id)))),
  );

  router.post(
    '/consortia/:id/invitations',
    requireViewer,
    pageHandler(async (req, res) => {
      const id = String(req.params.id);
      const f = req.body as Record<string, unknown>;
      const parsed = InvitationBody.safeParse({
        needId: str(f.needId) || undefined,
        offeringId: str(f.offeringId) || undefined,
      });
      if (!parsed.success)
        throw new HttpProblem(
          400,
          'bad_request',
          'Nothing to invite',
          'Invite from the suggestions on the consortium’s page: each need or offering has its own Invite button.',
        );
      const invitation = await deps.db.transaction((tx) => inviteToConsortium(tx, viewerOf(res), id, parsed.data));
      await notifyConsortium(deps, { kind: 'invitation', invitationId: invitation.id });
      res.redirect(303, `/consortia/${id}`);
    }),
  );

  router.post(
    '/consortia/:id/join',
    requireViewer,
    pageHandler(async (req, res) => {
      const c = await findConsortium(String(req.params.id));
      const f = req.body as Record<string, unknown>;
      if (f.acceptCharter !== 'true')
        return consortiumPage(
          req,
          res,
          c,
          { joinError: 'Tick the box to accept the charter: nobody joins without accepting it.' },
          422,
        );
      try {
        const outcome = await deps.db.transaction((tx) =>
          joinConsortium(tx, viewerOf(res), c.id, {
            acceptCharter: true,
            charterVersion: str(f.charterVersion) || undefined,
          }),
        );
        if (outcome.activated) await notifyConsortium(deps, { kind: 'active', consortiumId: c.id });
      } catch (err) {
        if (err instanceof HttpProblem && err.code === 'charter_outdated')
          return consortiumPage(
            req,
            res,
            c,
            {
              joinError: 'The charter has changed since the page was opened. Read this version and tick the box again.',
            },
            422,
          );
        throw err;
      }
      res.redirect(303, `/consortia/${c.id}`);
    }),
  );

  for (const [verb, run] of [
    ['decline', declineConsortium],
    ['leave', leaveConsortium],
    ['close', closeConsortium],
  ] as const) {
    router.post(
      `/consortia/:id/${verb}`,
      requireViewer,
      pageHandler(async (req, res) => {
        const id = String(req.params.id);
        await deps.db.transaction((tx) => run(tx, viewerOf(res), id));
        res.redirect(303, `/consortia/${id}`);
      }),
    );
  }

  router.get(
    '/consortia/:id/log',
    requireViewer,
    pageHandler(async (req, res) => {
      const c = await findConsortium(String(req.params.id));
      const view = await consortiumView(deps.db, c, viewerOf(res));
      if (!view.you.member) throw forbidden('Only the consortium’s members may read its log.');
      const after = Number(str(req.query.after));
      const { rows, more } = await listLog(
        deps.db,
        c.id,
        500,
        Number.isSafeInteger(after) && after > 0 ? after : undefined,
      );
      const last = rows.at(-1);
      ctx.page(req, res, 'consortium-log', {
        title: `Log of ${c.title}`,
        id: c.id,
        consortiumTitle: c.title,
        entries: rows.map((r) => ({
          when: r.createdAt.toISOString().slice(0, 16).replace('T', ' '),
          text: describeLog(r),
        })),
        next: more && last ? `/consortia/${c.id}/log?after=${last.seq}` : null,
      });
    }),
  );
}
