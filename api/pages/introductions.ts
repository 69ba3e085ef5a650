import type { Router } from 'express';
import { ANONYMOUS_OWNER } from '../../core/policy.js';
import { listIntroductions } from '../../db/queries/introductions.js';
import { toIntroduction } from '../serialize.js';
import { answerIntroduction, notifyIntroduction } from '../usecases/introductions.js';
import { requireViewer } from './session.js';
import { pageHandler, viewerOf, type WebContext } from './shared.js';

/** Introductions received and sent, and the answers to those received. */
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
              need: `${i.need.title} (${i.need.organisation?.name ?? ANONYMOUS_OWNER})`,
              offering: `${i.offering.title} (${i.offering.organisation.name})`,
              summary: i.summary,
              requester: i.requester?.name ?? null,
              message: i.message,
              contacts: i.contacts
                ? [i.contacts.requester, i.contacts.responder].map((p) => ({
                    name: p.name,
                    email: p.email,
                    organisation: p.organisation.name,
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
