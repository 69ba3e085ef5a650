import type { Router } from 'express';
import { getInvitation, listInvitationsTo } from '../../db/queries/consortia.js';
import { countAwaitingAnswer } from '../../db/queries/introductions.js';
import { hasExpired, isExpiringSoon, POST_LIFETIME_MONTHS } from '../../core/policy.js';
import { listOrganisationPosts } from '../../db/queries/posts.js';
import { dateFormat, pageHandler, statusOf, viewerOf, type WebContext } from './shared.js';

type OwnPost = Awaited<ReturnType<typeof listOrganisationPosts>>[number];

/**
 * A post's row on its owner's dashboard: its status, when it expires (or expired), and a renew button when
 * it has expired or is about to (core/policy.ts's rules, as the post's page and the reminder read them).
 */
function rowOf(post: OwnPost, now = new Date()) {
  const status = statusOf(post, now);
  const on = dateFormat.format(post.expiresAt);
  const expired = hasExpired(post, now);
  const soon = isExpiringSoon(post, now);
  // Read after the status: "Open until …", "Open, expires …" (soon), "Expired on …".
  const when = status === 'Closed' ? null : expired ? ` on ${on}` : soon ? `, expires ${on}` : ` until ${on}`;
  return {
    ...post,
    status,
    when,
    renew: post.status === 'open' && (expired || soon),
    renewLabel: `Renew “${post.title}” for ${POST_LIFETIME_MONTHS} months`,
    // An expired or closed post is not matched: its count is of matches made while it was live.
    pending: post.pending && status === 'Open',
  };
}

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
          ? [{ heading: 'Your technology needs', path: 'needs', posts: needs.map((p) => rowOf(p)) }]
          : []),
        ...(viewer.organisationKind !== 'biomanufacturer' || offerings.length > 0
          ? [{ heading: 'Your offerings', path: 'offerings', posts: offerings.map((p) => rowOf(p)) }]
          : []),
      ];
      ctx.page(req, res, 'dashboard', { title: 'Dashboard', sections, openIntroductions, invitations });
    }),
  );
}
