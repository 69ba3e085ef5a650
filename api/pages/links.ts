import express, { type NextFunction, type Request, type Response } from 'express';
import { pairViewFor } from '../../core/email/render.js';
import { verifyLink, type LinkAction, type LinkClaims } from '../../core/links.js';
import { isPartyToPair, mayAnswerIntroduction } from '../../core/policy.js';
import { getOrganisation, getUser } from '../../db/queries/accounts.js';
import { getInvitation, countMembersByKind, findMembershipOf } from '../../db/queries/consortia.js';
import { updateDigestSettings } from '../../db/queries/digests.js';
import { getIntroduction, wholeIntroduction } from '../../db/queries/introductions.js';
import { findMatchByPair } from '../../db/queries/matches.js';
import { defaultExpiry, isLive } from '../../core/policy.js';
import { requestMatching, type AppDeps } from '../deps.js';
import { HttpProblem, linkProblem, sendProblem } from '../problem.js';
import { needSide, offeringSide } from '../routes/posts.js';
import { IntroductionBody } from '../schemas.js';
import { declineConsortium, joinConsortium, notifyConsortium } from '../usecases/consortia.js';
import { renewLockedPost } from '../usecases/posts.js';
import {
  answerIntroduction,
  markNotRelevant,
  notifyIntroduction,
  requestIntroduction,
  type Actor,
} from '../usecases/introductions.js';
import { charterForPage, membersLine, REVEAL_SENTENCE } from './consortium-text.js';
import { confirmPage, renderPage, resultPage } from './render.js';
import { acknowledged, sensitiveFlags } from './sensitive.js';
import { dateFormat, introductionMessageError, UUID } from './shared.js';

/** Where a signed-in person does what an expired emailed link would have done. */
function whereInstead(action: LinkAction): string {
  switch (action) {
    case 'renew-post':
      return 'Sign in to renew the post from your dashboard or from its page.';
    case 'join-consortium':
    case 'decline-consortium':
      return 'Sign in to answer the invitation from your dashboard.';
    case 'accept':
    case 'decline':
      return 'Sign in to answer the introduction on your Introductions page.';
    default:
      return 'Sign in to act on the match from your post’s page, or from a newer digest.';
  }
}

/**
 * The pages behind the links in emails. The signed token in the path is the credential: it names the person
 * and the one thing they may do. GET only shows what would happen (mail scanners open links); POST does it.
 * No cookie is involved, so a forged cross-site form cannot act for anyone without the token.
 */
export function linkPages(deps: AppDeps): express.Router {
  const router = express.Router();
  // Small forms only (a message of 2,000 characters at most), and only here: the other pages take more.
  router.use(['/u/:token', '/a/:token'], express.urlencoded({ extended: false, limit: '16kb' }));

  /** The person and claims of a valid token for one of `actions`, or a 4xx page. */
  async function resolve(
    req: Request,
    actions: LinkAction[],
  ): Promise<{ claims: LinkClaims; actor: Actor & { email: string } }> {
    const check = verifyLink(deps.config.appSecret, String(req.params.token));
    if (!check.ok || !actions.includes(check.claims.action)) {
      const expired = !check.ok && check.reason === 'expired' ? check : null;
      throw linkProblem(
        expired !== null,
        'This link',
        `The link in your email has expired. ${expired ? whereInstead(expired.action) : ''}`,
        'The link is incomplete or has been changed. Open it again from the email, copying the whole address.',
      );
    }
    const user = await getUser(deps.db, check.claims.userId);
    if (!user)
      throw new HttpProblem(
        400,
        'invalid_link',
        'This link is not valid',
        'The account it was sent to no longer exists.',
      );
    return { claims: check.claims, actor: { userId: user.id, organisationId: user.organisationId, email: user.email } };
  }

  /** Answers a page, or the problem as a page (or as problem+json to a client that asks for JSON). */
  const linkPage =
    (work: (req: Request) => Promise<{ status?: number; html: string }>) => async (req: Request, res: Response) => {
      try {
        const { status, html } = await work(req);
        res
          .status(status ?? 200)
          .type('html')
          .send(html);
      } catch (err) {
        if (!(err instanceof HttpProblem)) throw err;
        if (req.accepts(['html', 'json']) === 'json') return sendProblem(res, err);
        res
          .status(err.status)
          .type('html')
          .send(resultPage({ title: err.title, message: err.detail ?? err.title, isError: true }));
      }
    };

  // ---- unsubscribe (RFC 8058: mail clients POST `List-Unsubscribe=One-Click` to the same address) ----

  router.get(
    '/u/:token',
    linkPage(async (req) => {
      const { actor } = await resolve(req, ['unsubscribe']);
      return {
        html: confirmPage({
          title: 'Unsubscribe from digests?',
          intro: `${actor.email} will get no more Roadmatch digests. Introduction requests and answers will still be emailed.`,
          action: req.originalUrl,
          button: 'Unsubscribe',
        }),
      };
    }),
  );

  router.post(
    '/u/:token',
    linkPage(async (req) => {
      const { actor } = await resolve(req, ['unsubscribe']);
      await updateDigestSettings(deps.db, actor.userId, { frequency: 'off' });
      return {
        html: resultPage({
          title: 'You are unsubscribed',
          message: `${actor.email} will get no more digests. You can turn them on again on your settings page.`,
          next: { href: '/settings', label: 'Digest settings' },
        }),
      };
    }),
  );

  // ---- one-click actions on a match or an introduction ----

  const pairOf = (claims: LinkClaims) => {
    const [needId, offeringId] = (claims.targetId ?? '').split('/');
    return { needId: needId ?? '', offeringId: offeringId ?? '' };
  };

  async function matchFor(claims: LinkClaims, actor: Actor) {
    const { needId, offeringId } = pairOf(claims);
    const match = await findMatchByPair(deps.db, needId, offeringId);
    if (!match || !isPartyToPair(match, actor.organisationId))
      throw new HttpProblem(
        404,
        'not_found',
        'This match is no longer listed',
        'One of the two posts has changed or closed, or the match was marked not relevant.',
      );
    return match;
  }

  async function introductionFor(claims: LinkClaims, actor: Actor) {
    const detail = await getIntroduction(deps.db, claims.targetId ?? '');
    if (!detail || !mayAnswerIntroduction(detail.introduction, actor.organisationId))
      throw new HttpProblem(404, 'not_found', 'Not found', 'This introduction request no longer exists.');
    // A post of the pair deleted, or the organisation that asked gone (db/queries/introductions.ts).
    const whole = wholeIntroduction(detail);
    if (!whole)
      throw new HttpProblem(
        409,
        'introduction_withdrawn',
        'This introduction was withdrawn',
        'The other side has withdrawn its post or left Roadmatch; there is nothing to answer.',
      );
    return whole;
  }

  const ACTIONS: LinkAction[] = [
    'request-introduction',
    'not-relevant',
    'accept',
    'decline',
    'join-consortium',
    'decline-consortium',
    'renew-post',
  ];

  // ---- renewing a post from the reminder of its expiry (worker/processors/lifecycle.ts) ----

  /**
   * The post a renew link was sent for (`side/id/expiry in ms`), still of the link's organisation. A closed
   * post is a page that says so: renewing does not reopen it.
   */
  async function postToRenew(claims: LinkClaims, actor: Actor) {
    const [side, id, emailed] = (claims.targetId ?? '').split('/');
    const s = side === 'need' ? needSide : side === 'offering' ? offeringSide : undefined;
    const found = s && UUID.test(id ?? '') ? await s.get(deps.db, id!) : undefined;
    if (!s || !found || found.post.organisationId !== actor.organisationId)
      throw new HttpProblem(404, 'not_found', 'Not found', 'This post no longer exists: it may have been deleted.');
    const noun = s.side;
    if (found.post.status === 'closed')
      throw new HttpProblem(
        409,
        'post_closed',
        `This ${noun} is closed`,
        `“${found.post.title}” has been closed, so there is nothing to renew. Reopen it on its page if it is current again.`,
      );
    return { s, noun, post: found.post, emailedExpiry: Number(emailed) };
  }

  /** The page of a post renewed already (by this link or another way): its expiry now. */
  const alreadyRenewed = (found: Awaited<ReturnType<typeof postToRenew>>) =>
    resultPage({
      title: `Your ${found.noun} is renewed`,
      message: `“${found.post.title}” is open until ${dateFormat.format(found.post.expiresAt)}.`,
      next: { href: `/${found.noun}s/${found.post.id}`, label: `Your ${found.noun}’s page` },
    });

  /**
   * The consortium invitation a link was sent for, still open to the link's organisation; an answered
   * invitation or a closed consortium is a page that says so.
   */
  async function invitationFor(claims: LinkClaims, actor: Actor) {
    const id = claims.targetId ?? '';
    const found = UUID.test(id) ? await getInvitation(deps.db, id) : undefined;
    if (!found || found.invitation.organisationId !== actor.organisationId)
      throw new HttpProblem(404, 'not_found', 'Not found', 'This invitation to a consortium no longer exists.');
    const { invitation, consortium } = found;
    if (consortium.status === 'closed')
      throw new HttpProblem(409, 'consortium_closed', 'This consortium is closed', 'Its convener has closed it.');
    if (invitation.status !== 'pending') {
      const member = await findMembershipOf(deps.db, consortium.id, actor.organisationId);
      throw new HttpProblem(
        409,
        'invitation_answered',
        'This invitation has been answered',
        member && !member.leftAt
          ? `Your organisation is a member of “${consortium.title}”. Sign in to see it.`
          : `Your organisation has answered this invitation to “${consortium.title}”.`,
      );
    }
    return found;
  }

  /** The page of an emailed invitation: the consortium, its charter, the tick box and what joining reveals. */
  async function joinPage(req: Request, found: Awaited<ReturnType<typeof invitationFor>>, error?: string) {
    const { consortium } = found;
    const counts = (await countMembersByKind(deps.db, [consortium.id])).get(consortium.id) ?? {};
    const page = {
      title: `Join ${consortium.title}?`,
      consortiumTitle: consortium.title,
      scope: consortium.scope,
      status: consortium.status,
      membersLine: membersLine(counts),
      invitedFor: found.needTitle
        ? `Your organisation is invited because of your need “${found.needTitle}”.`
        : found.offeringTitle
          ? `Your organisation is invited because of your offering “${found.offeringTitle}”.`
          : 'Your organisation is invited.',
      charter: charterForPage(),
      reveal: REVEAL_SENTENCE,
      action: req.originalUrl,
      error,
    };
    return renderPage('join-consortium', page);
  }

  router.get(
    '/a/:token',
    linkPage(async (req) => {
      const { claims, actor } = await resolve(req, ACTIONS);
      const action = req.originalUrl;
      if (claims.action === 'renew-post') {
        const found = await postToRenew(claims, actor);
        const { post, noun } = found;
        if (post.expiresAt.getTime() !== found.emailedExpiry) return { html: alreadyRenewed(found) };
        const now = new Date();
        return {
          html: confirmPage({
            title: `Renew your ${noun}?`,
            intro:
              `“${post.title}” ${isLive(post, now) ? 'expires' : 'expired'} on ${dateFormat.format(post.expiresAt)}. ` +
              `Renewing keeps it open until ${dateFormat.format(defaultExpiry(now))}; nothing else changes.`,
            action,
            button: `Renew the ${noun}`,
          }),
        };
      }
      if (claims.action === 'join-consortium') return { html: await joinPage(req, await invitationFor(claims, actor)) };
      if (claims.action === 'decline-consortium') {
        const found = await invitationFor(claims, actor);
        return {
          html: confirmPage({
            title: `Decline the invitation to “${found.consortium.title}”?`,
            intro:
              'Your organisation will not join. The members see that an invitation was declined, not who declined it.',
            action,
            button: 'Decline the invitation',
          }),
        };
      }
      if (claims.action === 'request-introduction' || claims.action === 'not-relevant') {
        const match = await matchFor(claims, actor);
        const pair = pairViewFor({ ...match, explanation: match.match.explanation }, actor.organisationId);
        return {
          html:
            claims.action === 'request-introduction'
              ? confirmPage({
                  title: 'Request an introduction',
                  intro: 'The other side is asked first. Names and emails are shared only if they accept.',
                  pair,
                  action,
                  button: 'Send the request',
                  messageField: true,
                })
              : confirmPage({
                  title: 'Mark this match not relevant?',
                  intro: 'It will be removed and never suggested to your organisation again.',
                  pair,
                  action,
                  button: 'Mark not relevant',
                }),
        };
      }
      const detail = await introductionFor(claims, actor);
      const accept = claims.action === 'accept';
      return {
        html: confirmPage({
          title: accept ? 'Accept this introduction?' : 'Decline this introduction?',
          intro: accept
            ? 'You will both receive one email with each other’s names and addresses.'
            : 'The requester is told, and the pair is not suggested again.',
          pair: pairViewFor(detail, actor.organisationId),
          quote: detail.introduction.message,
          action,
          button: accept ? 'Accept' : 'Decline',
        }),
      };
    }),
  );

  router.post(
    '/a/:token',
    linkPage(async (req) => {
      const { claims, actor } = await resolve(req, ACTIONS);
      if (claims.action === 'renew-post') {
        const found = await postToRenew(claims, actor);
        const { s, noun } = found;
        // Once per email: the link names the expiry it was about, so a second click renews nothing more.
        // Locked once, here, to compare that expiry; renewing takes the locked row.
        const renewed = await deps.db.transaction(async (tx) => {
          const current = await s.lock(tx, found.post.id);
          if (current?.expiresAt.getTime() !== found.emailedExpiry) return null;
          return renewLockedPost(tx, s, actor.organisationId, current);
        });
        if (!renewed) return { html: alreadyRenewed((await postToRenew(claims, actor)) as typeof found) };
        if (renewed.matchedVersion !== renewed.version)
          await requestMatching(deps, { side: s.side, id: renewed.id, version: renewed.version });
        return {
          html: resultPage({
            title: `Your ${noun} is renewed`,
            message: `“${renewed.title}” is open until ${dateFormat.format(renewed.expiresAt)}.`,
            next: { href: `/${noun}s/${renewed.id}`, label: `Your ${noun}’s page` },
          }),
        };
      }
      if (claims.action === 'join-consortium') {
        const found = await invitationFor(claims, actor);
        const body = (req.body ?? {}) as Record<string, unknown>;
        if (body.acceptCharter !== 'true')
          return {
            status: 422,
            html: await joinPage(req, found, 'Tick the box to accept the charter: nobody joins without accepting it.'),
          };
        const organisation = await getOrganisation(deps.db, actor.organisationId);
        const consortiumActor = { ...actor, organisationKind: organisation!.kind };
        const charterVersion = typeof body.charterVersion === 'string' ? body.charterVersion : undefined;
        try {
          const outcome = await deps.db.transaction((tx) =>
            joinConsortium(tx, consortiumActor, found.consortium.id, {
              acceptCharter: true,
              charterVersion,
              invitationId: found.invitation.id,
            }),
          );
          if (outcome.activated) await notifyConsortium(deps, { kind: 'active', consortiumId: found.consortium.id });
        } catch (err) {
          if (err instanceof HttpProblem && err.code === 'charter_outdated')
            return {
              status: 422,
              html: await joinPage(
                req,
                found,
                'The charter has changed since the page was opened. Read this version and tick the box again.',
              ),
            };
          throw err;
        }
        return {
          html: resultPage({
            title: `You have joined “${found.consortium.title}”`,
            message:
              'Your organisation is now a member: the other members see it, and you see them and how to reach them on the consortium’s page.',
            next: { href: `/consortia/${found.consortium.id}`, label: 'The consortium’s page' },
          }),
        };
      }
      if (claims.action === 'decline-consortium') {
        const found = await invitationFor(claims, actor);
        const organisation = await getOrganisation(deps.db, actor.organisationId);
        await deps.db.transaction((tx) =>
          declineConsortium(
            tx,
            { ...actor, organisationKind: organisation!.kind },
            found.consortium.id,
            found.invitation.id,
          ),
        );
        return {
          html: resultPage({
            title: 'Invitation declined',
            message: `Your organisation will not join “${found.consortium.title}”.`,
          }),
        };
      }
      if (claims.action === 'request-introduction') {
        const match = await matchFor(claims, actor);
        const pair = pairViewFor({ ...match, explanation: match.match.explanation }, actor.organisationId);
        const message = typeof req.body?.message === 'string' ? req.body.message.trim() : '';
        // The API's own rules for the message (length, no NUL).
        const checked = IntroductionBody.shape.message.safeParse(message);
        if (!checked.success) {
          return {
            status: 400,
            html: confirmPage({
              title: 'Request an introduction',
              pair,
              action: req.originalUrl,
              button: 'Send the request',
              messageField: true,
              message: message.replaceAll('\u0000', ''),
              error: introductionMessageError(message, checked.error, 'Write a short message to the other side.'),
            }),
          };
        }
        let detail;
        try {
          detail = await deps.db.transaction((tx) =>
            requestIntroduction(tx, actor, match, message, acknowledged(req.body ?? {})),
          );
        } catch (err) {
          const flags = sensitiveFlags(err);
          if (!flags) throw err;
          return {
            status: 422,
            html: confirmPage({
              title: 'Request an introduction',
              pair,
              action: req.originalUrl,
              button: 'Send the request',
              messageField: true,
              message,
              flags: Object.values(flags).flat(),
            }),
          };
        }
        await notifyIntroduction(deps, detail);
        return {
          status: 201,
          html: resultPage({
            title: 'Introduction requested',
            message: 'The other side has been emailed. You will hear from us when they answer, within 14 days.',
            pair,
          }),
        };
      }
      if (claims.action === 'not-relevant') {
        const match = await matchFor(claims, actor);
        await deps.db.transaction((tx) => markNotRelevant(tx, actor, match));
        return {
          html: resultPage({ title: 'Marked not relevant', message: 'This match will not be suggested again.' }),
        };
      }
      await introductionFor(claims, actor);
      const answer = claims.action === 'accept' ? 'accept' : 'decline';
      const detail = await deps.db.transaction((tx) => answerIntroduction(tx, actor, claims.targetId!, answer));
      await notifyIntroduction(deps, detail);
      return {
        html: resultPage({
          title: answer === 'accept' ? 'Introduction accepted' : 'Introduction declined',
          message:
            answer === 'accept'
              ? 'You will both receive an email with each other’s names and addresses shortly.'
              : 'The requester will be told. This pair will not be suggested again.',
          pair: pairViewFor({ ...detail, introduced: answer === 'accept' }, actor.organisationId),
        }),
      };
    }),
  );

  // A form too long (or not a form) for these pages: a page that says so, never a JSON error.
  router.use(['/u/:token', '/a/:token'], (err: unknown, req: Request, res: Response, next: NextFunction) => {
    const status = (err as { status?: number }).status;
    if (status !== 413 && status !== 400) return next(err);
    const problem =
      status === 413
        ? new HttpProblem(413, 'payload_too_large', 'Too long', 'What you sent is too long. Go back and shorten it.')
        : new HttpProblem(400, 'bad_request', 'Bad request', 'The form could not be read. Go back and try again.');
    if (req.accepts(['html', 'json']) === 'json') return sendProblem(res, problem);
    res
      .status(problem.status)
      .type('html')
      .send(resultPage({ title: problem.title, message: problem.detail!, isError: true }));
  });

  return router;
}
