import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import type { MatchExplanation } from '../../core/matching/explain.js';
import { suggestCapabilities } from '../../core/suggest.js';
import { OFFERING_POSTING_KINDS } from '../../core/policy.js';
import { AREAS, CAPABILITIES, ORG_KIND_NAMES, PARTNERSHIP_TYPES } from '../../core/taxonomy.js';
import { countAwaitingAnswer, listIntroductions } from '../../db/queries/introductions.js';
import { getMatch, listMatchesOf } from '../../db/queries/matches.js';
import { organisationPosts, type PostSide } from '../../db/queries/posts.js';
import { requestMatching } from '../deps.js';
import { HttpProblem, notFound } from '../problem.js';
import { needSide, offeringSide, visibleTo } from '../routes/posts.js';
import { revealsNeedOwner } from '../serialize.js';
import { markNotRelevant, notifyIntroduction, requestIntroduction } from '../usecases/introductions.js';
import { requireViewer } from './session.js';
import { fieldErrors, handle, list, str, viewerOf, type WebContext } from './web.js';

const SIDES = { need: needSide, offering: offeringSide } as const;
const KINDS = OFFERING_POSTING_KINDS.map((k) => ({ value: k, label: ORG_KIND_NAMES[k] }));
const CAPABILITY_NAMES = new Map(CAPABILITIES.map((c) => [c.slug as string, c.name as string]));
const AREA_GROUPS = AREAS.map((a) => ({ name: a.name, capabilities: CAPABILITIES.filter((c) => c.area === a.slug) }));

/** The form's fields as an API body, so that one schema validates the form and the API alike. */
function formToBody(side: PostSide, f: Record<string, unknown>, edit = false) {
  const keywords = str(f.keywords)
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const body: Record<string, unknown> = {
    title: str(f.title),
    description: str(f.description),
    keywords,
    capabilities: list(f.capabilities),
    partnershipTypes: list(f.partnershipTypes),
    expiresAt: str(f.expiresAt) ? `${str(f.expiresAt)}T23:59:59Z` : null,
  };
  if (side === 'need') {
    body.trlMin = Number(str(f.trlMin));
    body.trlMax = Number(str(f.trlMax));
    body.openTo = list(f.openTo);
    body.anonymous = f.anonymous === 'true';
  } else {
    body.trl = Number(str(f.trl));
  }
  if (edit) {
    // An expiry left as it was stays exactly as it was (its time of day, even if it has passed).
    if (str(f.expiresAt) === str(f.expiresAtWas)) delete body.expiresAt;
    if (str(f.status)) body.status = str(f.status);
  }
  return body;
}

/** What the form shows: the values as typed (lists as lists; anything that is not a plain value, blank). */
function formValues(f: Record<string, unknown>): Record<string, unknown> {
  const plain = Object.fromEntries(
    Object.entries(f).map(([k, v]) => [k, typeof v === 'number' || typeof v === 'boolean' ? v : str(v)]),
  );
  return {
    ...plain,
    capabilities: list(f.capabilities),
    partnershipTypes: list(f.partnershipTypes),
    openTo: list(f.openTo),
    anonymous: f.anonymous === 'true' || f.anonymous === true,
  };
}

export function registerPostPages(router: Router, ctx: WebContext): void {
  const { deps } = ctx;

  router.get(
    '/',
    handle(async (req, res) => {
      const viewer = res.locals.viewer as ReturnType<typeof viewerOf> | null;
      if (!viewer) return ctx.page(req, res, 'home', { title: 'Partners for the technology roadmap' });
      const [needs, offerings, openIntroductions] = await Promise.all([
        organisationPosts(deps.db, 'need', viewer.organisationId),
        organisationPosts(deps.db, 'offering', viewer.organisationId),
        countAwaitingAnswer(deps.db, viewer.organisationId),
      ]);
      const sections = [
        ...(viewer.organisationKind === 'biomanufacturer' || needs.length > 0
          ? [{ heading: 'Your technology needs', path: 'needs', posts: needs }]
          : []),
        ...(viewer.organisationKind !== 'biomanufacturer' || offerings.length > 0
          ? [{ heading: 'Your offerings', path: 'offerings', posts: offerings }]
          : []),
      ];
      ctx.page(req, res, 'dashboard', { title: 'Dashboard', sections, openIntroductions });
    }),
  );

  for (const side of ['need', 'offering'] as const) {
    const s = SIDES[side];
    const noun = side === 'need' ? 'need' : 'offering';
    const formPage = (
      req: Request,
      res: Response,
      o: { values: Record<string, unknown>; errors?: Record<string, string>; action: string; edit: boolean },
      status = 200,
    ) => {
      const values = formValues(o.values);
      const text = `${String(values.title ?? '')}. ${String(values.description ?? '')}`;
      ctx.page(
        req,
        res,
        'post-form',
        {
          title: o.edit ? `Edit ${noun}` : side === 'need' ? 'Post a need' : 'Register an offering',
          heading: o.edit ? `Edit your ${noun}` : side === 'need' ? 'Post a technology need' : 'Register an offering',
          button: o.edit ? 'Save changes' : side === 'need' ? 'Post the need' : 'Register the offering',
          side,
          edit: o.edit,
          action: o.action,
          values,
          errors: o.errors ?? {},
          errorList: Object.keys(o.errors ?? {}),
          areas: AREA_GROUPS,
          partnershipTypes: PARTNERSHIP_TYPES,
          kinds: KINDS.filter((k) => k.value !== 'biomanufacturer' || side === 'need'),
          suggested: suggestCapabilities(text).map((slug) => CAPABILITY_NAMES.get(slug)),
          script: true,
        },
        status,
      );
    };

    router.get(`/${side}s/new`, requireViewer, (req, res) => {
      const refusal = s.mayPost(viewerOf(res));
      if (refusal) throw new HttpProblem(403, 'forbidden', 'Not allowed', refusal);
      const defaults =
        side === 'need'
          ? { trlMin: 4, trlMax: 8, openTo: ['supplier', 'academic'], partnershipTypes: [] }
          : { trl: 6, partnershipTypes: [] };
      formPage(req, res, { values: defaults, action: `/${side}s`, edit: false });
    });

    router.post(
      `/${side}s`,
      requireViewer,
      handle(async (req, res) => {
        const viewer = viewerOf(res);
        const refusal = s.mayPost(viewer);
        if (refusal) throw new HttpProblem(403, 'forbidden', 'Not allowed', refusal);
        const form = req.body as Record<string, unknown>;
        const parsed = (s.create as z.ZodType).safeParse(formToBody(side, form));
        if (!parsed.success)
          return formPage(
            req,
            res,
            { values: form, errors: fieldErrors(parsed.error), action: `/${side}s`, edit: false },
            400,
          );
        const post = await deps.db.transaction((tx) => s.insert(tx, parsed.data as never, viewer));
        await requestMatching(deps, { side, id: post.id, version: post.version });
        res.redirect(303, `/${side}s/${post.id}`);
      }),
    );

    router.get(
      `/${side}s/:id/edit`,
      requireViewer,
      handle(async (req, res) => {
        const found = await s.get(deps.db, String(req.params.id)).catch(() => undefined);
        if (!found || found.post.organisationId !== viewerOf(res).organisationId) throw notFound(`This ${noun}`);
        const p = found.post as Record<string, unknown> & { expiresAt: Date | null; keywords: string[] };
        formPage(req, res, {
          values: {
            ...p,
            keywords: p.keywords.join(', '),
            expiresAt: p.expiresAt?.toISOString().slice(0, 10) ?? '',
            expiresAtWas: p.expiresAt?.toISOString().slice(0, 10) ?? '',
          },
          action: `/${side}s/${String(req.params.id)}/edit`,
          edit: true,
        });
      }),
    );

    router.post(
      `/${side}s/:id/edit`,
      requireViewer,
      handle(async (req, res) => {
        const id = String(req.params.id);
        const form = req.body as Record<string, unknown>;
        const parsed = (s.patch as z.ZodType).safeParse(formToBody(side, form, true));
        const action = `/${side}s/${id}/edit`;
        if (!parsed.success)
          return formPage(req, res, { values: form, errors: fieldErrors(parsed.error), action, edit: true }, 400);
        const saved = await deps.db
          .transaction(async (tx) => {
            const current = await s.lock(tx, id);
            if (!current || current.organisationId !== viewerOf(res).organisationId) throw notFound(`This ${noun}`);
            return s.update(tx, current, parsed.data as never);
          })
          .catch((err: unknown) => {
            if (err instanceof HttpProblem && err.status === 400) return err;
            throw err;
          });
        if (saved instanceof HttpProblem) {
          const errors = Object.fromEntries((saved.errors ?? []).map((e) => [e.field, e.message]));
          return formPage(req, res, { values: form, errors, action, edit: true }, 400);
        }
        await requestMatching(deps, { side, id, version: saved.version });
        res.redirect(303, `/${side}s/${id}`);
      }),
    );

    router.get(
      `/${side}s/:id`,
      requireViewer,
      handle(async (req, res) => {
        const viewer = viewerOf(res);
        const found = await s.get(deps.db, String(req.params.id)).catch(() => undefined);
        if (!found || !visibleTo(found.post, viewer)) throw notFound(`This ${noun}`);
        const { post, organisation } = found;
        const mine = post.organisationId === viewer.organisationId;
        const shownOrganisation =
          side === 'need' && !revealsNeedOwner(post as never, viewer)
            ? 'an anonymous biomanufacturer'
            : organisation.name;
        let matches: unknown[] = [];
        if (mine) {
          const [{ rows }, intros] = await Promise.all([
            listMatchesOf(deps.db, side, post.id, viewer.organisationId, 50),
            listIntroductions(deps.db, viewer.organisationId, { limit: 500 }),
          ]);
          // Newest first: the first seen of a pair is its current state. An expired request may be asked again.
          const introByPair = new Map<string, string>();
          for (const i of intros.rows) {
            const key = `${i.need.id}/${i.offering.id}`;
            if (!introByPair.has(key) && i.introduction.status !== 'expired')
              introByPair.set(key, i.introduction.status);
          }
          matches = rows.map((r) => {
            const explanation = r.match.explanation as MatchExplanation;
            const other = side === 'need' ? r.offering : r.need;
            const otherOrg =
              side === 'need'
                ? r.offeringOrg.name
                : revealsNeedOwner(r.need, viewer)
                  ? r.needOrg.name
                  : 'an anonymous biomanufacturer';
            return {
              id: r.match.id,
              title: other.title,
              organisation: otherOrg,
              percent: Math.round(r.match.score * 100),
              summary: explanation.summary,
              capabilities: explanation.capabilities.map((c) => c.name),
              terms: explanation.terms,
              introduction: introByPair.get(`${r.need.id}/${r.offering.id}`) ?? null,
            };
          });
        }
        ctx.page(req, res, 'post', {
          title: post.title,
          side,
          post,
          organisation: shownOrganisation,
          mine,
          pending: post.matchedVersion !== post.version,
          capabilities: post.capabilities.map((c) => CAPABILITY_NAMES.get(c) ?? c),
          matches,
        });
      }),
    );
  }

  /** Back to the viewer's post the match belongs to. */
  const backTo = (m: { need: { id: string; organisationId: string }; offering: { id: string } }, orgId: string) =>
    m.need.organisationId === orgId ? `/needs/${m.need.id}` : `/offerings/${m.offering.id}`;

  router.post(
    '/matches/:id/introduction',
    requireViewer,
    handle(async (req, res) => {
      const viewer = viewerOf(res);
      const match = await getMatch(deps.db, String(req.params.id)).catch(() => undefined);
      const message = str((req.body as { message?: unknown }).message).trim();
      if (!message || message.length > 2000)
        throw new HttpProblem(
          400,
          'bad_request',
          'Write a message',
          'An introduction request needs a short message of up to 2,000 characters. Go back and write one.',
        );
      const detail = await deps.db.transaction((tx) => requestIntroduction(tx, viewer, match, message));
      await notifyIntroduction(deps, detail);
      res.redirect(303, backTo(match!, viewer.organisationId));
    }),
  );

  router.post(
    '/matches/:id/not-relevant',
    requireViewer,
    handle(async (req, res) => {
      const viewer = viewerOf(res);
      const match = await getMatch(deps.db, String(req.params.id)).catch(() => undefined);
      await deps.db.transaction((tx) => markNotRelevant(tx, viewer, match));
      res.redirect(303, backTo(match!, viewer.organisationId));
    }),
  );
}
