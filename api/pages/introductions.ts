import type { Router } from 'express';
import { ANONYMOUS_OWNER } from '../../core/policy.js';
import { listIntroductions } from '../../db/queries/introductions.js';
import { toIntroduction } from '../serialize.js';
import { answerIntroduction, notifyIntroduction } from '../usecases/introductions.js';
import { requireViewer } from './session.js';
import { pageHandler, viewerOf, type WebContext } from './shared.js';

/** What the page shows for a post deleted since (alone, or with its organisation). */
const WITHDRAWN_NEED = 'a withdrawn need';
const WITHDRAWN_OFFERING = 'a withdrawn offering';

/**
 * Introductions received and sent, and the answers to those received. One whose other side is gone stays
 * listed: its post "withdrawn", its people "a former member"; its message is empty when its writer's
 * organisation went (db/queries/accounts.ts `deleteAccount`).
 */
export function registerIntroductionPages(router: Router, ctx: WebContext): void {
  const { deps } = ctx;

  router.get(
    '/introductions',
    requireViewer,
    pageHandler(async (req, res) => {
      const viewer = viewerOf(res);
      const sections = await Promise.all(
        (['received', 'sent'] as const).map(async (direction) => {
          const { rows } = await listIntroductions(deps.db, viewer.organisationId, { direction, limit: 100 });
          const items = rows.map((r) => {
            const i = toIntroduction(r, viewer);
            return {
              id: i.id,
              status: i.status,
              when: new Date(i.createdAt).toISOString().slice(0, 10),
              // A post deleted (or gone with its organisation) is withdrawn; the introduction stays.
              need: i.need ? `${i.need.title} (${i.need.organisation?.name ?? ANONYMOUS_OWNER})` : WITHDRAWN_NEED,
              offering: i.offering ? `${i.offering.title} (${i.offering.organisation.name})` : WITHDRAWN_OFFERING,
              summary: i.summary,
              requester: i.requester?.name ?? null,
              message: i.message,
              contacts: i.contacts
                ? [i.contacts.requester, i.contacts.responder].map((p) => ({
                    name: p.name,
                    email: p.email,
                    organisation: p.organisation?.name ?? null,
                  }))
                : null,
              canAnswer: direction === 'received' && i.status === 'pending',
            };
          });
          return { heading: direction === 'received' ? 'Asked of you' : 'You asked', items };
        }),
      );
      ctx.page(req, res, 'introductions', { title: 'Introductions', sections });
    }),
  );

  for (const answer of ['accept', 'decline'] as const) {
    router.post(
      `/introductions/:id/${answer}`,
      requireViewer,
      pageHandler(async (req, res) => {
        const detail = await deps.db.transaction((tx) =>
          answerIntroduction(tx, viewerOf(res), String(req.params.id), answer),
        );
        await notifyIntroduction(deps, detail);
        res.redirect(303, '/introductions');
      }),
    );
  }
}
