import type { Router } from 'express';
import { getInvitation, listInvitationsTo } from '../../db/queries/consortia.js';
import { countAwaitingAnswer } from '../../db/queries/introductions.js';
import { listOrganisationPosts } from '../../db/queries/posts.js';
import { pageHandler, viewerOf, type WebContext } from './shared.js';

/** The home page: what the site is to a visitor, the signed-in person's dashboard to them. */
export function registerDashboardPage(router: Router, ctx: WebContext): void {
  const { deps } = ctx;

  router.get(
    '/',
    pageHandler(async (req, res) => {
      const viewer = res.locals.viewer as ReturnType<typeof viewerOf> | null;
      if (!viewer) return ctx.page(req, res, 'home', { title: 'Partners for the technology roadmap' });
      const [needs, offerings, openIntroductions, invited] = await Promise.all([
        listOrganisationPosts(deps.db, 'need', viewer.organisationId),
        listOrganisationPosts(deps.db, 'offering', viewer.organisationId),
        countAwaitingAnswer(deps.db, viewer.organisationId),
        listInvitationsTo(deps.db, viewer.organisationId),
      ]);
      // Invitations to consortia awaiting an answer, with what each was made for.
      const invitations = [];
      for (const { invitation, consortium } of invited) {
        if (consortium.status === 'closed') continue;
        const found = await getInvitation(deps.db, invitation.id);
        invitations.push({
          consortiumId: consortium.id,
          title: consortium.title,
          because: found?.needTitle
            ? `for your need “${found.needTitle}”`
            : found?.offeringTitle
              ? `for your offering “${found.offeringTitle}”`
              : '',
        });
      }
      const sections = [
        ...(viewer.organisationKind === 'biomanufacturer' || needs.length > 0
          ? [{ heading: 'Your technology needs', path: 'needs', posts: needs }]
          : []),
        ...(viewer.organisationKind !== 'biomanufacturer' || offerings.length > 0
          ? [{ heading: 'Your offerings', path: 'offerings', posts: offerings }]
          : []),
      ];
      ctx.page(req, res, 'dashboard', { title: 'Dashboard', sections, openIntroductions, invitations });
    }),
  );
}
