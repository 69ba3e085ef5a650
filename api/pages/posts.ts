import type { Request, Response, Router } from 'express';
import { ZodError, type z } from 'zod';
import type { MatchExplanation } from '../../core/matching/explain.js';
import {
  conveningRefusal,
  defaultExpiry,
  hasExpired,
  isExpiringSoon,
  isLive,
  maySeePost,
  needOwnerName,
  OFFERING_POSTING_KINDS,
  ownerCountKey,
  POST_LIFETIME_MONTHS,
  POST_MAX_LIFETIME_MONTHS,
} from '../../core/policy.js';
import { suggestCapabilities } from '../../core/suggest.js';
import {
  AREAS,
  CAPABILITIES,
  ORG_KIND_NAMES,
  ORG_KIND_PLURALS,
  PARTNERSHIP_TYPE_NAMES,
  PARTNERSHIP_TYPES,
  type PartnershipType,
} from '../../core/taxonomy.js';
import { getCommonNeedGroup, findGroupOfNeed, listCommonNeedsOf } from '../../db/queries/common-needs.js';
import { listIntroductions, listNeedsIntroducedTo } from '../../db/queries/introductions.js';
import { listMatchesOf } from '../../db/queries/matches.js';
import { deletePost, type NeedRow, type OfferingRow, type PostSide } from '../../db/queries/posts.js';
import { transactionRetrying, type Executor } from '../../db/client.js';
import { requestMatching, type AppDeps } from '../deps.js';
import { HttpProblem, notFound } from '../problem.js';
import { changePost, createPost, needSide, offeringSide, textOf, type AnySide } from '../routes/posts.js';
import { renewLockedPost } from '../usecases/posts.js';
import type { WebViewer } from './render.js';
import { acknowledged, flagsOf, sensitiveFlags, type FieldFlags, type PageFlag } from './sensitive.js';
import { requireViewer } from './session.js';
import { dateFormat, fieldErrors, list, pageHandler, statusOf, str, viewerOf, type WebContext } from './shared.js';

const SIDES = { need: needSide, offering: offeringSide } as const;
const KINDS = OFFERING_POSTING_KINDS.map((k) => ({ value: k, label: ORG_KIND_NAMES[k] }));
const CAPABILITY_NAMES = new Map(CAPABILITIES.map((c) => [c.slug as string, c.name as string]));
const AREA_GROUPS = AREAS.map((a) => ({ name: a.name, capabilities: CAPABILITIES.filter((c) => c.area === a.slug) }));
const PARTNERSHIPS = PARTNERSHIP_TYPES.map((p) => ({ value: p, label: PARTNERSHIP_TYPE_NAMES[p] }));

const moment = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });

/** When matching finished for the post's current version, or null while it runs (as the API's `matchedAt`). */
const matchedAtOf = (post: NeedRow | OfferingRow) => (post.matchedVersion === post.version ? post.matchedAt : null);

/**
 * What a partner decides on, in words, in the order the page lists it. Anonymity only for the owner: to
 * anyone else an anonymous need says so by its owner's name alone ("an anonymous biomanufacturer").
 */
function factsOf(side: PostSide, post: NeedRow | OfferingRow, mine: boolean) {
  const facts: { label: string; value: string }[] = [];
  if (side === 'need') {
    const need = post as NeedRow;
    facts.push({
      label: 'Technology readiness (TRL) it can take',
      value: need.trlMin === need.trlMax ? `TRL ${need.trlMin}` : `TRL ${need.trlMin} to ${need.trlMax}`,
    });
  } else {
    facts.push({ label: 'Technology readiness (TRL)', value: `TRL ${(post as OfferingRow).trl}` });
  }
  facts.push({
    label: side === 'need' ? 'Partnership types it would accept' : 'Partnership types offered',
    value:
      post.partnershipTypes.map((p) => PARTNERSHIP_TYPE_NAMES[p as PartnershipType] ?? p).join(', ') || 'Not stated',
  });
  if (side === 'need') {
    const openTo = (post as NeedRow).openTo.map((k) => ORG_KIND_PLURALS[k]);
    facts.push({ label: 'Open to introductions with', value: openTo.join(', ') });
  }
  facts.push({ label: 'Regions', value: post.regions.join(', ') || 'Any (none stated)' });
  if (side === 'need' && mine) {
    facts.push({
      label: 'Anonymous',
      value: (post as NeedRow).anonymous
        ? 'Yes: other organisations see “an anonymous biomanufacturer” until you accept an introduction'
        : 'No: other organisations see your organisation’s name',
    });
  }
  facts.push({ label: 'Status', value: statusOf(post) });
  facts.push({ label: hasExpired(post) ? 'Expired' : 'Expires', value: dateFormat.format(post.expiresAt) });
  const matchedAt = matchedAtOf(post);
  facts.push({
    label: 'Matched',
    value: matchedAt ? `${moment.format(matchedAt)} UTC` : 'Matching is running for this version',
  });
  return facts;
}

/**
 * The post form's errors in plain words beside each field (api/pages/shared.ts `fieldErrors`), and an expiry
 * too far ahead said as such. `errors` may also be the API's field errors of a refused change (a TRL range
 * that the change and the saved post make upside down), worded the same way.
 */
function postFieldErrors(error: z.ZodError | { field: string; message: string }[]) {
  const zodError = Array.isArray(error)
    ? new ZodError(
        error.map((e) => ({ code: 'custom' as const, path: [e.field], message: e.message, input: undefined })),
      )
    : error;
  const errors = fieldErrors(zodError);
  if (zodError.issues.some((i) => i.path[0] === 'expiresAt' && /at most/.test(i.message)))
    errors.expiresAt = `Choose a day at most ${POST_MAX_LIFETIME_MONTHS} months from today.`;
  return errors;
}

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
    // The end of the day chosen; none is the default lifetime (posting) or the expiry as it was (editing).
    expiresAt: str(f.expiresAt) ? `${str(f.expiresAt)}T23:59:59Z` : undefined,
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
    if (!str(f.expiresAt) || str(f.expiresAt) === str(f.expiresAtWas)) delete body.expiresAt;
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

/** The other organisations' needs common to a need, counted as the pages say it, with its group. */
async function commonNeedsOf(deps: AppDeps, needId: string, owner: string, viewer: WebViewer) {
  const { rows } = await listCommonNeedsOf(deps.db, needId, 50);
  if (rows.length === 0) return null;
  // Distinct organisations; an anonymous need counts alone, so that the count reveals no owner.
  const owners = new Set(rows.map((r) => ownerCountKey(r.need, viewer.organisationId)));
  const groupId = await findGroupOfNeed(deps.db, needId);
  const group = groupId ? await getCommonNeedGroup(deps.db, groupId, viewer.organisationId) : undefined;
  const n = owners.size;
  return {
    heading: `${n} other biomanufacturer${n === 1 ? '' : 's'} need${n === 1 ? 's' : ''} this too`,
    needs: rows.map((r) => ({
      id: r.need.id,
      title: r.need.title,
      organisation: needOwnerName(r.need, r.organisation.name, viewer.organisationId),
      percent: Math.round(r.similarity * 100),
    })),
    groupId: group?.id ?? null,
    consortiumId: group?.consortiumId ?? null,
    mayConvene:
      conveningRefusal(
        viewer.organisationKind,
        owner === viewer.organisationId || rows.some((r) => r.need.organisationId === viewer.organisationId),
      ) === null,
  };
}

/**
 * What the owner's page says of its post's expiry (core/policy.ts's rules: `hasExpired`, `isExpiringSoon`,
 * as the reminder reads them), what renewing it now would do, and what brings a closed post back: reopening
 * alone, or reopening and renewing when it has also expired.
 */
function lifecycleOf(side: PostSide, post: NeedRow | OfferingRow, now = new Date()) {
  const expiresOn = dateFormat.format(post.expiresAt);
  const expired = hasExpired(post, now);
  let notice: string | null = null;
  if (post.status === 'open' && expired)
    notice = `This ${side} expired on ${expiresOn}: it is no longer matched or shown to other organisations. Renew it to bring it back.`;
  else if (isExpiringSoon(post, now))
    notice = `This ${side} expires on ${expiresOn}. Renew it to keep it on the marketplace.`;
  const closedNote =
    post.status !== 'closed'
      ? null
      : expired
        ? `Closed, and expired on ${expiresOn}: it is not matched or shown to other organisations. To put it back on the marketplace, reopen it, then renew it.`
        : `Closed: it is not matched or shown to other organisations. Reopen it to put it back on the marketplace until ${expiresOn}.`;
  return {
    notice,
    closedNote,
    renewLabel: `Renew for ${POST_LIFETIME_MONTHS} months`,
    renewUntil: `Renewing keeps it open until ${dateFormat.format(defaultExpiry(now))}; to choose another date, edit it.`,
  };
}

/** A post's page; `intro` puts a typed introduction message back in its match's box, with its error or flags. */
export async function postPage(
  ctx: WebContext,
  req: Request,
  res: Response,
  side: PostSide,
  id: string,
  intro?: { matchId: string; message: string; error?: string; flags?: PageFlag[] },
  status = 200,
) {
  const { deps } = ctx;
  const s = SIDES[side];
  const noun = side === 'need' ? 'need' : 'offering';
  const viewer = viewerOf(res);
  const found = await s.get(deps.db, id).catch(() => undefined);
  if (!found || !maySeePost(found.post, viewer.organisationId)) throw notFound(`This ${noun}`);
  const { post, organisation } = found;
  const mine = post.organisationId === viewer.organisationId;
  // An accepted introduction about an anonymous need tells its other side who owns it, here as in the API.
  const introduced =
    side === 'need' && (await listNeedsIntroducedTo(deps.db, [post.id], viewer.organisationId)).has(post.id);
  const shownOrganisation =
    side === 'need'
      ? needOwnerName(post as NeedRow, organisation.name, viewer.organisationId, introduced)
      : organisation.name;
  let matches: unknown[] = [];
  if (mine) {
    const [{ rows }, intros] = await Promise.all([
      listMatchesOf(deps.db, side, post.id, viewer.organisationId, 50),
      listIntroductions(deps.db, viewer.organisationId, { limit: 500 }),
    ]);
    // The needs an accepted introduction reveals to the viewer, as the API and the browse page find them.
    const introducedNeeds = await listNeedsIntroducedTo(
      deps.db,
      rows.map((r) => r.need.id),
      viewer.organisationId,
    );
    // Newest first: the first seen of a pair is its current state. An expired request may be asked again.
    const introByPair = new Map<string, string>();
    for (const i of intros.rows) {
      const key = `${i.introduction.needId}/${i.introduction.offeringId}`;
      if (!introByPair.has(key) && i.introduction.status !== 'expired') introByPair.set(key, i.introduction.status);
    }
    matches = rows.map((r) => {
      const explanation = r.match.explanation as MatchExplanation;
      const other = side === 'need' ? r.offering : r.need;
      const otherOrg =
        side === 'need'
          ? r.offeringOrg.name
          : needOwnerName(r.need, r.needOrg.name, viewer.organisationId, introducedNeeds.has(r.need.id));
      return {
        id: r.match.id,
        title: other.title,
        // The counterpart's page, while this viewer may see it (a post closed or expired since is not).
        href: maySeePost(other, viewer.organisationId)
          ? `/${side === 'need' ? 'offering' : 'need'}s/${other.id}`
          : null,
        organisation: otherOrg,
        percent: Math.round(r.match.score * 100),
        summary: explanation.summary,
        capabilities: explanation.capabilities.map((c) => c.name),
        terms: explanation.terms,
        introduction: introByPair.get(`${r.need.id}/${r.offering.id}`) ?? null,
      };
    });
  }
  ctx.page(
    req,
    res,
    'post',
    {
      title: post.title,
      side,
      post,
      organisation: shownOrganisation,
      mine,
      pending: post.matchedVersion !== post.version,
      capabilities: post.capabilities.map((c) => CAPABILITY_NAMES.get(c) ?? c),
      facts: factsOf(side, post, mine),
      lifecycle: mine ? lifecycleOf(side, post) : null,
      // While matching runs, the owner's page reloads itself when it is done (./assets/post-status.js).
      scripts: mine && post.matchedVersion !== post.version ? ['post-status.js'] : [],
      matches,
      common: side === 'need' ? await commonNeedsOf(deps, post.id, post.organisationId, viewer) : null,
      intro: intro ?? null,
    },
    status,
  );
}

/** Post forms and pages (each with its matches when it is the viewer's own), and the form's suggestions. */
export function registerPostPages(router: Router, ctx: WebContext): void {
  const { deps } = ctx;

  for (const side of ['need', 'offering'] as const) {
    const s = SIDES[side];
    const noun = side === 'need' ? 'need' : 'offering';
    const formPage = (
      req: Request,
      res: Response,
      o: {
        values: Record<string, unknown>;
        errors?: Record<string, string>;
        flags?: FieldFlags;
        action: string;
        edit: boolean;
      },
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
          flags: o.flags ?? {},
          hasFlags: Object.keys(o.flags ?? {}).length > 0,
          areas: AREA_GROUPS,
          partnershipTypes: PARTNERSHIPS,
          kinds: KINDS.filter((k) => k.value !== 'biomanufacturer' || side === 'need'),
          suggested: suggestCapabilities(text).map((slug) => CAPABILITY_NAMES.get(slug)),
          expiryHelp: o.edit
            ? `Up to ${POST_MAX_LIFETIME_MONTHS} months from today. It leaves the marketplace after this day unless renewed.`
            : `Leave it empty for ${POST_LIFETIME_MONTHS} months from today (until ${dateFormat.format(defaultExpiry())}), or choose a day up to ${POST_MAX_LIFETIME_MONTHS} months ahead.`,
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
      pageHandler(async (req, res) => {
        const viewer = viewerOf(res);
        const refusal = s.mayPost(viewer);
        if (refusal) throw new HttpProblem(403, 'forbidden', 'Not allowed', refusal);
        const form = req.body as Record<string, unknown>;
        const body = formToBody(side, form);
        const parsed = (s.create as z.ZodType).safeParse(body);
        // Screened as the API screens it: flagged text is saved only when the writer ticks the box. Shown
        // with any other error, so that the form is put right in one go.
        const flagged = flagsOf(textOf(body as Parameters<typeof textOf>[0]), acknowledged(form));
        if (!parsed.success || flagged)
          return formPage(
            req,
            res,
            {
              values: form,
              errors: parsed.success ? {} : postFieldErrors(parsed.error),
              flags: flagged,
              action: `/${side}s`,
              edit: false,
            },
            parsed.success ? 422 : 400,
          );
        const post = await deps.db.transaction((tx) =>
          createPost(tx, s as AnySide, viewer, { ...(parsed.data as object), acknowledgeSensitive: true }),
        );
        await requestMatching(deps, { side, id: post.id, version: post.version });
        res.redirect(303, `/${side}s/${post.id}`);
      }),
    );

    router.get(
      `/${side}s/:id/edit`,
      requireViewer,
      pageHandler(async (req, res) => {
        const found = await s.get(deps.db, String(req.params.id)).catch(() => undefined);
        if (!found || found.post.organisationId !== viewerOf(res).organisationId) throw notFound(`This ${noun}`);
        const p = found.post as Record<string, unknown> & { expiresAt: Date; keywords: string[] };
        formPage(req, res, {
          values: {
            ...p,
            keywords: p.keywords.join(', '),
            expiresAt: p.expiresAt.toISOString().slice(0, 10),
            expiresAtWas: p.expiresAt.toISOString().slice(0, 10),
          },
          action: `/${side}s/${String(req.params.id)}/edit`,
          edit: true,
        });
      }),
    );

    router.post(
      `/${side}s/:id/edit`,
      requireViewer,
      pageHandler(async (req, res) => {
        const id = String(req.params.id);
        const form = req.body as Record<string, unknown>;
        const parsed = (s.patch as z.ZodType).safeParse(formToBody(side, form, true));
        const action = `/${side}s/${id}/edit`;
        if (!parsed.success)
          return formPage(req, res, { values: form, errors: postFieldErrors(parsed.error), action, edit: true }, 400);
        const viewer = viewerOf(res);
        const saved = await deps.db
          .transaction(async (tx) => {
            const current = await s.lock(tx, id);
            if (!current || current.organisationId !== viewer.organisationId) throw notFound(`This ${noun}`);
            return changePost(tx, s as AnySide, viewer, current, {
              ...(parsed.data as object),
              acknowledgeSensitive: acknowledged(form),
            });
          })
          .catch((err: unknown) => {
            if (err instanceof HttpProblem && (err.status === 400 || err.code === 'competitively_sensitive'))
              return err;
            throw err;
          });
        if (saved instanceof HttpProblem) {
          const flags = sensitiveFlags(saved);
          if (flags) return formPage(req, res, { values: form, flags, action, edit: true }, 422);
          const errors = postFieldErrors(saved.errors ?? []);
          return formPage(req, res, { values: form, errors, action, edit: true }, 400);
        }
        await requestMatching(deps, { side, id, version: saved.version });
        res.redirect(303, `/${side}s/${id}`);
      }),
    );

    // The post's state for the script of its page: no more than the page shows this viewer, asked with the
    // session cookie (the API's GET takes a bearer token). JSON, errors too (`Accept: application/json`).
    router.get(
      `/${side}s/:id/status.json`,
      pageHandler(async (req, res) => {
        const viewer = res.locals.viewer as WebViewer | null;
        if (!viewer) throw new HttpProblem(401, 'unauthorized', 'Authentication is required', 'Sign in first.');
        const found = await s.get(deps.db, String(req.params.id));
        if (!found || !maySeePost(found.post, viewer.organisationId)) throw notFound(`This ${noun}`);
        const { post } = found;
        const matchedAt = matchedAtOf(post);
        res.json({
          id: post.id,
          status: post.status,
          live: isLive(post),
          matching: matchedAt === null,
          matchedAt: matchedAt?.toISOString() ?? null,
        });
      }),
    );

    // ---- the owner's buttons on the post's page: forms with the CSRF token, answered by the page again ----

    /** The viewer's own post, locked for the rest of the transaction; another's is a 404 page (as its edit form). */
    const lockOwn = async (tx: Executor, id: string, viewer: WebViewer) => {
      const current = await s.lock(tx, id);
      if (!current || current.organisationId !== viewer.organisationId) throw notFound(`This ${noun}`);
      return current;
    };
    /** After a change that made a new version: its matching, as after an edit. */
    const rematchIfChanged = async (post: NeedRow | OfferingRow) => {
      if (post.matchedVersion !== post.version)
        await requestMatching(deps, { side, id: post.id, version: post.version });
    };

    // Renewing moves only the expiry (POST_LIFETIME_MONTHS from now); a closed post is refused (409 page).
    // The post is locked once, by `lockOwn` (another organisation's is a 404 page, as for the other buttons).
    router.post(
      `/${side}s/:id/renew`,
      requireViewer,
      pageHandler(async (req, res) => {
        const id = String(req.params.id);
        const viewer = viewerOf(res);
        const renewed = await deps.db.transaction(async (tx) =>
          renewLockedPost(tx, s, viewer.organisationId, await lockOwn(tx, id, viewer)),
        );
        await rematchIfChanged(renewed);
        res.redirect(303, `/${side}s/${id}`);
      }),
    );

    for (const [verb, status] of [
      ['close', 'closed'],
      ['reopen', 'open'],
    ] as const) {
      router.post(
        `/${side}s/:id/${verb}`,
        requireViewer,
        pageHandler(async (req, res) => {
          const id = String(req.params.id);
          const viewer = viewerOf(res);
          const saved = await deps.db.transaction(async (tx) => {
            const current = await lockOwn(tx, id, viewer);
            return current.status === status ? current : changePost(tx, s as AnySide, viewer, current, { status });
          });
          await rematchIfChanged(saved);
          res.redirect(303, `/${side}s/${id}`);
        }),
      );
    }

    // Deleting asks first, on a page of its own (no script needed); the button there deletes.
    router.get(
      `/${side}s/:id/delete`,
      requireViewer,
      pageHandler(async (req, res) => {
        const found = await s.get(deps.db, String(req.params.id));
        if (!found || found.post.organisationId !== viewerOf(res).organisationId) throw notFound(`This ${noun}`);
        ctx.page(req, res, 'post-delete', { title: `Delete this ${noun}?`, side, post: found.post });
      }),
    );

    router.post(
      `/${side}s/:id/delete`,
      requireViewer,
      pageHandler(async (req, res) => {
        const id = String(req.params.id);
        const viewer = viewerOf(res);
        // A matching job writing this post's matches may deadlock with the deletion's cascades: run again.
        const title = await transactionRetrying(deps.db, async (tx) => {
          const current = await lockOwn(tx, id, viewer);
          await deletePost(tx, side, current);
          return current.title;
        });
        ctx.page(req, res, 'result', {
          title: `Your ${noun} is deleted`,
          message: `“${title}” and its matches are deleted.`,
          next: { href: '/', label: 'Go to your dashboard' },
        });
      }),
    );

    router.get(
      `/${side}s/:id`,
      requireViewer,
      pageHandler((req, res) => postPage(ctx, req, res, side, String(req.params.id))),
    );
  }

  // Capabilities suggested from a post's text, for the post form's script.
  router.get('/suggest', (req, res) => {
    const text = typeof req.query.text === 'string' ? req.query.text.slice(0, 4000) : '';
    res.json({ suggestions: suggestCapabilities(text).map((slug) => ({ slug, name: CAPABILITY_NAMES.get(slug) })) });
  });
}
