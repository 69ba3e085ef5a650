import type { z } from 'zod';
import {
  defaultExpiry,
  maySeePost,
  POST_LIFETIME_MONTHS,
  POST_MAX_LIFETIME_MONTHS,
  postingRefusal,
} from '../../core/policy.js';
import { transactionRetrying, type Executor } from '../../db/client.js';
import {
  deletePost,
  getNeed,
  getOffering,
  insertNeedAnswering,
  insertOfferingAnswering,
  listPosts,
  lockNeed,
  lockOffering,
  updateNeed,
  updateOffering,
  type NeedAnswerRow,
  type NeedRow,
  type OfferingAnswerRow,
  type OfferingRow,
  type OrganisationAnswerRow,
  type PostSide,
} from '../../db/queries/posts.js';
import { recordFlags, type FlagInput, type FlagSubject } from '../../db/queries/flags.js';
import { listNeedsIntroducedTo } from '../../db/queries/introductions.js';
import type { Viewer } from '../auth.js';
import { requestMatching } from '../deps.js';
import { decodeDateCursor, encodeCursor } from '../cursor.js';
import type { ApiRouter } from '../endpoint.js';
import { screenOrRefuse } from '../guardrail.js';
import { idempotent } from '../idempotency.js';
import { badRequest, forbidden, notFound } from '../problem.js';
import {
  IdParams,
  ListQuery,
  NeedCreateBody,
  NeedPage,
  NeedPatchBody,
  NeedSchema,
  OfferingCreateBody,
  OfferingPage,
  OfferingPatchBody,
  OfferingSchema,
  RenewBody,
} from '../schemas.js';
import { toNeed, toOffering } from '../serialize.js';
import { renewOwnPost } from '../usecases/posts.js';

type Row = NeedRow | OfferingRow;
/** A post as the API answers with it (no analysis), with its organisation. */
type Answer = { post: NeedAnswerRow | OfferingAnswerRow; organisation: OrganisationAnswerRow };

export interface Side<Create extends z.ZodType, Patch extends z.ZodType> {
  side: PostSide;
  path: string;
  noun: string;
  tag: string;
  create: Create;
  patch: Patch;
  schema: z.ZodType;
  page: z.ZodType;
  mayPost(viewer: Viewer): string | null;
  get(db: Executor, id: string): Promise<{ post: Row; organisation: OrganisationAnswerRow } | undefined>;
  lock(db: Executor, id: string): Promise<Row | undefined>;
  /** Saves a new post in one statement, answering it with its organisation. */
  insert(db: Executor, values: z.infer<Create>, viewer: Viewer): Promise<Answer>;
  update(db: Executor, current: Row, change: z.infer<Patch>): Promise<Row>;
  /** `introduced`: an accepted introduction about this need has the viewer's organisation as a side. */
  toJson(post: Answer['post'], organisation: OrganisationAnswerRow, viewer: Viewer, introduced?: boolean): unknown;
}

export const needSide: Side<typeof NeedCreateBody, typeof NeedPatchBody> = {
  side: 'need',
  path: '/v1/needs',
  noun: 'Need',
  tag: 'Needs',
  create: NeedCreateBody,
  patch: NeedPatchBody,
  schema: NeedSchema,
  page: NeedPage,
  mayPost: (v) => postingRefusal(v.organisationKind, 'need'),
  get: getNeed,
  lock: lockNeed,
  insert: (db, body, viewer) =>
    insertNeedAnswering(db, {
      ...body,
      expiresAt: body.expiresAt ?? defaultExpiry(),
      organisationId: viewer.organisationId,
      createdBy: viewer.userId,
    }),
  update: (db, current, change) => {
    const merged = { ...(current as NeedRow), ...change };
    if (merged.trlMin > merged.trlMax) {
      throw badRequest('trlMin must not exceed trlMax.', [{ field: 'trlMax', message: 'must be at least trlMin' }]);
    }
    return updateNeed(db, current as NeedRow, change);
  },
  toJson: (post, organisation, viewer, introduced) => toNeed(post as NeedAnswerRow, organisation, viewer, introduced),
};

export const offeringSide: Side<typeof OfferingCreateBody, typeof OfferingPatchBody> = {
  side: 'offering',
  path: '/v1/offerings',
  noun: 'Offering',
  tag: 'Offerings',
  create: OfferingCreateBody,
  patch: OfferingPatchBody,
  schema: OfferingSchema,
  page: OfferingPage,
  mayPost: (v) => postingRefusal(v.organisationKind, 'offering'),
  get: getOffering,
  lock: lockOffering,
  insert: (db, body, viewer) =>
    insertOfferingAnswering(db, {
      ...body,
      expiresAt: body.expiresAt ?? defaultExpiry(),
      organisationId: viewer.organisationId,
      createdBy: viewer.userId,
    }),
  update: (db, current, change) => updateOffering(db, current as OfferingRow, change),
  toJson: (post, organisation, viewer) => toOffering(post as OfferingAnswerRow, organisation, viewer),
};

/** The text fields of a post that people write, as the competitive-sensitivity screen reads them. */
export function textOf(p: { title?: string; description?: string; keywords?: string[] }) {
  return { title: p.title, description: p.description, keywords: p.keywords };
}

const flagSubject = (viewer: Viewer, side: PostSide, id: string): FlagSubject => ({
  organisationId: viewer.organisationId,
  userId: viewer.userId,
  subjectType: side,
  subjectId: id,
});

type Acknowledging = { acknowledgeSensitive?: boolean };
export type AnySide = Side<z.ZodType, z.ZodType>;

/** A new post as screened: the fields to save, and the flags to record with it. */
export interface ScreenedPost {
  fields: Record<string, unknown>;
  flags: FlagInput[];
}

/**
 * Screens a new post, for the API and the pages alike: text the competitive-sensitivity screen flags is
 * refused (422) unless acknowledged, and then recorded for the operator with the post (`savePost`).
 */
export function screenNewPost(body: Record<string, unknown> & Acknowledging): ScreenedPost {
  const { acknowledgeSensitive, ...fields } = body;
  return { fields, flags: screenOrRefuse(textOf(fields), acknowledgeSensitive) };
}

/**
 * Saves a screened new post with its flags, answering it with its organisation. Without flags this is
 * one statement, atomic by itself; with flags, run it in a transaction.
 */
export async function savePost(db: Executor, s: AnySide, viewer: Viewer, screened: ScreenedPost): Promise<Answer> {
  const saved = await s.insert(db, screened.fields, viewer);
  await recordFlags(db, screened.flags, flagSubject(viewer, s.side, saved.post.id));
  return saved;
}

/** Screens and saves a new post in a transaction (`screenNewPost`, then `savePost`). */
export async function createPost(
  tx: Executor,
  s: AnySide,
  viewer: Viewer,
  body: Record<string, unknown> & Acknowledging,
): Promise<Answer['post']> {
  return (await savePost(tx, s, viewer, screenNewPost(body))).post;
}

/**
 * Applies a change to a locked post of the viewer's organisation. Only text that changes is screened: what
 * was saved before was screened (or acknowledged) then.
 */
export async function changePost(
  tx: Executor,
  s: AnySide,
  viewer: Viewer,
  current: Row,
  body: Record<string, unknown> & Acknowledging,
): Promise<Row> {
  const { acknowledgeSensitive, ...change } = body;
  const text = textOf(change);
  const flags = screenOrRefuse(
    {
      title: text.title !== current.title ? text.title : undefined,
      description: text.description !== current.description ? text.description : undefined,
      keywords:
        text.keywords && text.keywords.join('\u0000') !== current.keywords.join('\u0000') ? text.keywords : undefined,
    },
    acknowledgeSensitive,
  );
  const updated = await s.update(tx, current, change);
  await recordFlags(tx, flags, flagSubject(viewer, s.side, current.id));
  return updated;
}

/** Of these posts, the needs whose owner an accepted introduction has made known to the viewer. */
const introducedNeeds = (db: Executor, s: AnySide, ids: string[], viewer: Viewer) =>
  s.side === 'need' ? listNeedsIntroducedTo(db, ids, viewer.organisationId) : Promise.resolve(new Set<string>());

function registerSide<C extends z.ZodType, P extends z.ZodType>(api: ApiRouter, s: Side<C, P>): void {
  const item = `${s.path}/{id}`;
  const lower = s.noun.toLowerCase();

  api.add(
    {
      method: 'post',
      path: s.path,
      summary: `Post a ${lower}`,
      tag: s.tag,
      auth: true,
      body: s.create,
      success: {
        status: 201,
        description: `The ${lower}, with matchedAt null until matching has run`,
        schema: s.schema,
        location: `The new ${lower}: \`${s.path}/{id}\``,
      },
      errors: [403, 422],
    },
    async ({ req, res, deps, body, viewer }) => {
      const refusal = s.mayPost(viewer);
      if (refusal) throw forbidden(refusal);
      // Screened before anything is written: a refusal (422) costs no transaction.
      const screened = screenNewPost(body as Record<string, unknown>);
      const created = await idempotent(
        req,
        deps.db,
        viewer.userId,
        async (db) => {
          const saved = await savePost(db, s as AnySide, viewer, screened);
          const answer = s.toJson(saved.post, saved.organisation, viewer) as { id: string };
          return { status: 201, body: answer, location: `${s.path}/${answer.id}` };
        },
        // Nothing flagged: the save is the one INSERT, which needs no transaction of its own.
        { singleStatement: screened.flags.length === 0 },
      );
      if (!created.replayed) await requestMatching(deps, { side: s.side, id: created.body.id, version: 1 });
      res.location(`${s.path}/${created.body.id}`);
      return created;
    },
  );

  api.add(
    {
      method: 'get',
      path: s.path,
      summary: `List and search ${lower}s`,
      tag: s.tag,
      auth: true,
      query: ListQuery,
      success: { status: 200, description: `A page of ${lower}s, newest first`, schema: s.page },
    },
    async ({ deps, query, viewer }) => {
      const { rows, more } = await listPosts(deps.db, s.side, {
        ...query,
        viewerOrganisationId: viewer.organisationId,
        cursor: decodeDateCursor(query.cursor),
      });
      const last = rows.at(-1)?.post;
      const introduced = await introducedNeeds(
        deps.db,
        s,
        rows.map((r) => r.post.id),
        viewer,
      );
      return {
        body: {
          items: rows.map((r) => s.toJson(r.post, r.organisation, viewer, introduced.has(r.post.id))),
          nextCursor: more && last ? encodeCursor(last.createdAt, last.id) : null,
        },
      };
    },
  );

  api.add(
    {
      method: 'get',
      path: item,
      summary: `Get a ${lower}`,
      tag: s.tag,
      auth: true,
      params: IdParams,
      success: { status: 200, description: `The ${lower}`, schema: s.schema },
      errors: [404],
    },
    async ({ deps, params, viewer }) => {
      const found = await s.get(deps.db, params.id);
      if (!found || !maySeePost(found.post, viewer.organisationId)) throw notFound(s.noun);
      const introduced = await introducedNeeds(deps.db, s, [found.post.id], viewer);
      return { body: s.toJson(found.post, found.organisation, viewer, introduced.has(found.post.id)) };
    },
  );

  api.add(
    {
      method: 'patch',
      path: item,
      summary: `Change a ${lower} of your organisation`,
      tag: s.tag,
      auth: true,
      params: IdParams,
      body: s.patch,
      success: { status: 200, description: `The ${lower} as changed`, schema: s.schema },
      errors: [403, 404, 422],
    },
    async ({ deps, params, body, viewer }) => {
      const updated = await deps.db.transaction(async (tx) => {
        const current = await s.lock(tx, params.id);
        if (!current || !maySeePost(current, viewer.organisationId)) throw notFound(s.noun);
        if (current.organisationId !== viewer.organisationId) {
          throw forbidden(`Only members of the organisation that posted this ${lower} may change it.`);
        }
        await changePost(tx, s as AnySide, viewer, current, body as Record<string, unknown>);
        return (await s.get(tx, params.id))!;
      });
      await requestMatching(deps, { side: s.side, id: updated.post.id, version: updated.post.version });
      return { body: s.toJson(updated.post, updated.organisation, viewer) };
    },
  );

  api.add(
    {
      method: 'post',
      path: `${item}/renew`,
      summary: `Renew a ${lower} of your organisation`,
      description:
        `Moves the ${lower}'s expiry: by default ${POST_LIFETIME_MONTHS} months from now, or \`expiresAt\` ` +
        `(at most ${POST_MAX_LIFETIME_MONTHS} months ahead). ` +
        `An expired ${lower} comes back to the marketplace and is matched again (\`matchedAt\` null until then). ` +
        `Only the expiry changes: a closed ${lower} is refused (409 \`post_closed\`); reopen it with PATCH first.`,
      tag: s.tag,
      auth: true,
      params: IdParams,
      body: RenewBody,
      // `{"expiresAt"?}`: sent without a body (or Content-Type), the default expiry.
      emptyBody: true,
      success: { status: 200, description: `The ${lower} as renewed`, schema: s.schema },
      errors: [403, 404, 409],
    },
    async ({ deps, params, body, viewer }) => {
      const renewed = await deps.db.transaction(async (tx) => {
        await renewOwnPost(tx, s as AnySide, viewer.organisationId, params.id, body.expiresAt);
        return (await s.get(tx, params.id))!;
      });
      const { post } = renewed;
      if (post.matchedVersion !== post.version)
        await requestMatching(deps, { side: s.side, id: post.id, version: post.version });
      return { body: s.toJson(post, renewed.organisation, viewer) };
    },
  );

  api.add(
    {
      method: 'delete',
      path: item,
      summary: `Delete a ${lower} of your organisation, with its matches`,
      tag: s.tag,
      auth: true,
      params: IdParams,
      success: { status: 204, description: 'Deleted' },
      errors: [403, 404],
    },
    async ({ deps, params, viewer }) => {
      // A matching job writing this post's matches may deadlock with the deletion's cascades: run again.
      await transactionRetrying(deps.db, async (tx) => {
        const current = await s.lock(tx, params.id);
        if (!current || !maySeePost(current, viewer.organisationId)) throw notFound(s.noun);
        if (current.organisationId !== viewer.organisationId) {
          throw forbidden(`Only members of the organisation that posted this ${lower} may delete it.`);
        }
        await deletePost(tx, s.side, current);
      });
    },
  );
}

export function registerPostRoutes(api: ApiRouter): void {
  registerSide(api, needSide);
  registerSide(api, offeringSide);
}
