import type { Router } from 'express';
import { isPartyToPair } from '../../core/policy.js';
import { getMatch } from '../../db/queries/matches.js';
import type { PostSide } from '../../db/queries/posts.js';
import { notFound } from '../problem.js';
import { IntroductionBody } from '../schemas.js';
import { markNotRelevant, notifyIntroduction, requestIntroduction } from '../usecases/introductions.js';
import { postPage } from './posts.js';
import { acknowledged, sensitiveFlags, type PageFlag } from './sensitive.js';
import { requireViewer } from './session.js';
import { introductionMessageError, pageHandler, str, viewerOf, type WebContext } from './shared.js';

/** A match's actions from its post's page: ask for an introduction, or mark it not relevant. */
export function registerMatchPages(router: Router, ctx: WebContext): void {
  const { deps } = ctx;

  /** Back to the viewer's post the match belongs to. */
  const backTo = (m: { need: { id: string; organisationId: string }; offering: { id: string } }, orgId: string) =>
    m.need.organisationId === orgId ? `/needs/${m.need.id}` : `/offerings/${m.offering.id}`;

  router.post(
    '/matches/:id/introduction',
    requireViewer,
    pageHandler(async (req, res) => {
      const viewer = viewerOf(res);
      const match = await getMatch(deps.db, String(req.params.id)).catch(() => undefined);
      if (!match || !isPartyToPair(match, viewer.organisationId)) throw notFound('This match');
      const body = req.body as Record<string, unknown>;
      const message = str(body.message).trim();
      // Back on the viewer's own post's page, the message kept in its box.
      const side: PostSide = match.need.organisationId === viewer.organisationId ? 'need' : 'offering';
      const again = (o: { error?: string; flags?: PageFlag[] }, status: number) =>
        postPage(
          ctx,
          req,
          res,
          side,
          side === 'need' ? match.need.id : match.offering.id,
          { matchId: match.match.id, message: message.replaceAll('\u0000', ''), ...o },
          status,
        );
      // The API's own rules for the message (length, no NUL).
      const checked = IntroductionBody.shape.message.safeParse(message);
      if (!checked.success)
        return again(
          {
            error: introductionMessageError(
              message,
              checked.error,
              'Write a short message to the other side: who you are and what you hope for.',
            ),
          },
          400,
        );
      let detail;
      try {
        detail = await deps.db.transaction((tx) => requestIntroduction(tx, viewer, match, message, acknowledged(body)));
      } catch (err) {
        const flags = sensitiveFlags(err);
        if (!flags) throw err;
        return again({ flags: Object.values(flags).flat() }, 422);
      }
      await notifyIntroduction(deps, detail);
      res.redirect(303, backTo(match, viewer.organisationId));
    }),
  );

  router.post(
    '/matches/:id/not-relevant',
    requireViewer,
    pageHandler(async (req, res) => {
      const viewer = viewerOf(res);
      const match = await getMatch(deps.db, String(req.params.id)).catch(() => undefined);
      await deps.db.transaction((tx) => markNotRelevant(tx, viewer, match));
      res.redirect(303, backTo(match!, viewer.organisationId));
    }),
  );
}
