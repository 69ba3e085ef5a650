import type { Request, Response, Router } from 'express';
import { needOwnerName } from '../../core/policy.js';
import { AREAS, CAPABILITIES, ORG_KIND_NAMES, ORG_KINDS } from '../../core/taxonomy.js';
import { listNeedsIntroducedTo } from '../../db/queries/introductions.js';
import { listPosts, type NeedRow, type OfferingRow, type PostSide } from '../../db/queries/posts.js';
import { decodeDateCursor, encodeCursor } from '../cursor.js';
import { HttpProblem } from '../problem.js';
import { ListQuery } from '../schemas.js';
import { requireViewer } from './session.js';
import { pageHandler, str, viewerOf, type WebContext } from './shared.js';

/** The fields of the search form, as the API's listing takes them (`ListQuery`), with their labels. */
const FIELDS = {
  q: 'The search',
  capability: 'The capability',
  area: 'The area',
  organisationKind: 'The kind of organisation',
  trl: 'The TRL',
} as const;
type Field = keyof typeof FIELDS;
const FIELD_NAMES = Object.keys(FIELDS) as Field[];

const CAPABILITY_NAMES = new Map(CAPABILITIES.map((c) => [c.slug as string, c.name as string]));
const AREA_OPTIONS = AREAS.map((a) => ({ value: a.slug as string, label: a.name as string }));
const KIND_OPTIONS = ORG_KINDS.map((k) => ({
  value: k as string,
  label: ORG_KIND_NAMES[k].charAt(0).toUpperCase() + ORG_KIND_NAMES[k].slice(1),
}));
const STALE_CURSOR = 'That page of results is out of date; search again.';
const day = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' });

/** A schema message in plain words beside its field: the field named, the API's pointers left out. */
function plainMessage(field: Field, message: string): string {
  const words = message.replace(/\s*\(See GET [^)]*\)\.?$/, '');
  return words.startsWith('"') ? words : `${FIELDS[field]} ${words}.`.replace(/\?\.$/, '?');
}

/** The first lines of a description, for a result. */
function excerpt(text: string, max = 240): string {
  if (text.length <= max) return text;
  const cut = text.lastIndexOf(' ', max);
  return `${text.slice(0, cut > 0 ? cut : max)}…`;
}

/** A need's TRL range, or an offering's level, as the post's page says it. */
function trlOf(side: PostSide, post: NeedRow | OfferingRow): string {
  if (side === 'offering') return `TRL ${(post as OfferingRow).trl}`;
  const { trlMin, trlMax } = post as NeedRow;
  return trlMin === trlMax ? `TRL ${trlMin}` : `TRL ${trlMin} to ${trlMax}`;
}

/**
 * The marketplace on the web: `/needs` and `/offerings` list and search live posts with the API's filters,
 * validated by its schema (`ListQuery`) and read by its query (`listPosts`), a page at a time by its cursor.
 * An anonymous need of another organisation is shown as the API shows it: without its owner.
 */
export function registerBrowsePages(router: Router, ctx: WebContext): void {
  const { deps } = ctx;

  for (const side of ['need', 'offering'] as const) {
    router.get(
      `/${side}s`,
      requireViewer,
      pageHandler((req, res) => browsePage(req, res, side)),
    );
  }

  async function browsePage(req: Request, res: Response, side: PostSide) {
    const viewer = viewerOf(res);
    // The form's values as typed; empty fields are no filter.
    const typed: Record<string, string> = {};
    for (const k of [...FIELD_NAMES, 'limit', 'cursor']) {
      const v = str(req.query[k]).trim();
      if (v) typed[k] = v;
    }
    const parsed = ListQuery.safeParse(typed);
    const errors: Partial<Record<Field | 'limit' | 'cursor', string>> = {};
    let cursor: { createdAt: Date; id: string } | undefined;
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '') as Field | 'limit' | 'cursor';
        if (field === 'cursor') errors.cursor ??= STALE_CURSOR;
        else if (field === 'limit') errors.limit ??= `The page size ${issue.message}.`;
        else if (field in FIELDS) errors[field] ??= plainMessage(field, issue.message);
      }
    } else {
      try {
        cursor = decodeDateCursor(parsed.data.cursor);
      } catch (err) {
        if (!(err instanceof HttpProblem)) throw err;
        errors.cursor = STALE_CURSOR;
      }
    }
    const hasErrors = Object.keys(errors).length > 0;
    let items: unknown[] = [];
    let more: string | null = null;
    if (parsed.success && !hasErrors) {
      const query = parsed.data;
      const { rows, more: hasMore } = await listPosts(deps.db, side, {
        q: query.q,
        capability: query.capability,
        area: query.area,
        organisationKind: query.organisationKind,
        trl: query.trl,
        status: 'open',
        limit: query.limit,
        cursor,
        viewerOrganisationId: viewer.organisationId,
      });
      const introduced =
        side === 'need'
          ? await listNeedsIntroducedTo(
              deps.db,
              rows.map((r) => r.post.id),
              viewer.organisationId,
            )
          : new Set<string>();
      items = rows.map(({ post, organisation }) => ({
        id: post.id,
        title: post.title,
        excerpt: excerpt(post.description),
        // As the API's serialisation (api/serialize.ts `toNeed`): an anonymous need's owner only to itself, and
        // to the other side of an accepted introduction about it.
        organisation:
          side === 'need'
            ? needOwnerName(post as NeedRow, organisation.name, viewer.organisationId, introduced.has(post.id))
            : organisation.name,
        mine: post.organisationId === viewer.organisationId,
        trl: trlOf(side, post),
        capabilities: post.capabilities.map((c) => CAPABILITY_NAMES.get(c) ?? c),
        posted: day.format(post.createdAt),
      }));
      const last = rows.at(-1)?.post;
      if (hasMore && last) {
        const next = new URLSearchParams();
        for (const k of [...FIELD_NAMES, 'limit']) if (typed[k]) next.set(k, typed[k]);
        next.set('cursor', encodeCursor(last.createdAt, last.id));
        more = `/${side}s?${next.toString()}`;
      }
    }
    const plural = side === 'need' ? 'needs' : 'offerings';
    ctx.page(
      req,
      res,
      'browse',
      {
        title: side === 'need' ? 'Needs' : 'Offerings',
        heading: side === 'need' ? 'Technology needs' : 'Offerings',
        side,
        plural,
        values: typed,
        errors,
        errorList: Object.values(errors),
        capabilityNames: [...CAPABILITY_NAMES.values()],
        areas: AREA_OPTIONS,
        kinds: KIND_OPTIONS,
        trls: [1, 2, 3, 4, 5, 6, 7, 8, 9],
        searched: FIELD_NAMES.some((k) => typed[k]),
        continued: Boolean(typed.cursor),
        items,
        more,
      },
      hasErrors ? 400 : 200,
    );
  }
}
