import type { Request, Response, Router } from 'express';
import { verifyLink } from '../../core/links.js';
import {
  isLastMember,
  mayRemoveMember,
  ORGANISATION_DESCRIPTION_MAX,
  ORGANISATION_INVITATION_DAYS,
} from '../../core/policy.js';
import { ORG_KIND_NAMES } from '../../core/taxonomy.js';
import { cancelInvitation, getInvitationDetail, listPendingInvitations } from '../../db/queries/organisations.js';
import { linkState, type LinkState } from '../../db/queries/sessions.js';
import { HttpProblem, notFound } from '../problem.js';
import { OrganisationInvitationBody, OrganisationPatchBody, SignupBody } from '../schemas.js';
import { toOrganisationInvitation } from '../serialize.js';
import {
  editProfile,
  inviteMember,
  joinOrganisation,
  organisationOfMember,
  readProfile,
  removeMember,
} from '../usecases/organisations.js';
import { endSession, forgetSession, requireViewer, startSession } from './session.js';
import { dateFormat, fieldErrors, pageHandler, str, TIMEZONES, UUID, viewerOf, type WebContext } from './shared.js';

// An organisation's profile page (members edit it, invite colleagues and remove members there), and the
// page behind an emailed invitation, where the invitee gives their name and joins.

/** The invitation form's field: a colleague's address, not the reader's own (the shared words' `email`). */
const INVITE_WORDS = {
  email: {
    label: 'their work email',
    empty: 'Enter your colleague’s work email address.',
    invalid: 'Enter an email address such as name@example.com.',
  },
};

/** The profile form names the organisation's name `organisationName`, as the signup form does; the API, `name`. */
const profileField = (path: string) => (path === 'name' ? 'organisationName' : path.split('.')[0]!);

/** The code of a PostgreSQL error, thrown as it is or wrapped by Drizzle (its cause). */
function pgCode(err: unknown): string | undefined {
  const codeOf = (e: unknown) => (e as { code?: unknown } | null)?.code;
  const code = codeOf(err) ?? codeOf((err as { cause?: unknown } | null)?.cause);
  return typeof code === 'string' ? code : undefined;
}

/** An invitation link that no longer works, as a page that says why. */
function spentInvitation(state: LinkState | 'registered' | 'gone'): HttpProblem {
  const ask = 'Ask a member of the organisation to invite you again.';
  switch (state) {
    case 'used':
      return new HttpProblem(410, 'link_used', 'This invitation has been used', `Each invitation works once. ${ask}`);
    case 'cancelled':
      return new HttpProblem(
        410,
        'link_cancelled',
        'This invitation no longer works',
        `It was cancelled by a member of the organisation. ${ask}`,
      );
    case 'gone':
      return new HttpProblem(
        410,
        'link_cancelled',
        'This invitation no longer works',
        `The organisation it was to has left Roadmatch, or is changing its members just now. ${ask}`,
      );
    case 'registered':
      return new HttpProblem(
        410,
        'link_cancelled',
        'This address already has an account',
        'A person belongs to one organisation, and this address has joined Roadmatch already. Sign in on the sign-in page.',
      );
    case 'expired':
      return new HttpProblem(
        410,
        'link_expired',
        'This invitation has expired',
        `Invitations work for ${ORGANISATION_INVITATION_DAYS} days. ${ask}`,
      );
    default:
      return new HttpProblem(
        400,
        'invalid_link',
        'This invitation link is not valid',
        `The invitation is not known. ${ask}`,
      );
  }
}

export function registerOrganisationPages(router: Router, ctx: WebContext): void {
  const { deps } = ctx;

  interface Extra {
    profileValues?: Record<string, string>;
    profileErrors?: Record<string, string>;
    inviteEmail?: string;
    inviteError?: string;
  }

  /**
   * The profile. After a change the form's POST redirects here (post/redirect/get, so that a reload sends
   * nothing again), and the address says what to confirm: `?saved=1` the profile, `?invited=<id>` the
   * invitation of that id (its address and whether it was sent before are read from it, never from the URL).
   */
  async function profilePage(req: Request, res: Response, id: string, extra: Extra = {}, status = 200) {
    const viewer = viewerOf(res);
    const profile = await readProfile(deps.db, viewer, id);
    const pending = profile.member ? await listPendingInvitations(deps.db, id) : [];
    const invitations = pending.map((r) => {
      const i = toOrganisationInvitation(r.invitation, r.inviterName);
      return { ...i, until: dateFormat.format(r.invitation.expiresAt) };
    });
    const confirmed = status === 200 ? pending.find((r) => r.invitation.id === str(req.query.invited)) : undefined;
    const invited = confirmed
      ? { email: confirmed.invitation.email, resent: confirmed.invitation.sendCount > 1 }
      : null;
    ctx.page(
      req,
      res,
      'organisation',
      {
        title: profile.name,
        profile,
        kindName: ORG_KIND_NAMES[profile.kind],
        you: viewer.userId,
        mayRemove: mayRemoveMember(profile.members.length),
        values: extra.profileValues ?? {
          organisationName: profile.name,
          country: profile.country,
          website: profile.website ?? '',
          description: profile.description ?? '',
        },
        errors: extra.profileErrors ?? {},
        saved: status === 200 && profile.member && str(req.query.saved) === '1',
        descriptionMax: ORGANISATION_DESCRIPTION_MAX,
        invitations,
        inviteEmail: extra.inviteEmail ?? '',
        inviteError: extra.inviteError ?? null,
        invited,
        invitationDays: ORGANISATION_INVITATION_DAYS,
      },
      status,
    );
  }

  router.get(
    '/organisations/:id',
    requireViewer,
    pageHandler((req, res) => profilePage(req, res, String(req.params.id))),
  );

  router.post(
    '/organisations/:id',
    requireViewer,
    pageHandler(async (req, res) => {
      const id = String(req.params.id);
      await organisationOfMember(deps.db, viewerOf(res), id);
      const f = req.body as Record<string, unknown>;
      const values = {
        organisationName: str(f.organisationName),
        country: str(f.country).trim(),
        website: str(f.website).trim(),
        description: str(f.description),
      };
      const { organisationName: name, ...rest } = values;
      const parsed = OrganisationPatchBody.safeParse({ name, ...rest });
      if (!parsed.success)
        return profilePage(
          req,
          res,
          id,
          { profileValues: values, profileErrors: fieldErrors(parsed.error, { rename: profileField, values }) },
          400,
        );
      await editProfile(deps.db, viewerOf(res), id, parsed.data);
      res.redirect(303, `/organisations/${id}?saved=1#profile`);
    }),
  );

  router.post(
    '/organisations/:id/invitations',
    requireViewer,
    pageHandler(async (req, res) => {
      const id = String(req.params.id);
      const viewer = viewerOf(res);
      await organisationOfMember(deps.db, viewer, id);
      const email = str((req.body as Record<string, unknown>).email).trim();
      const parsed = OrganisationInvitationBody.safeParse({ email });
      if (!parsed.success)
        return profilePage(
          req,
          res,
          id,
          {
            inviteEmail: email,
            inviteError: fieldErrors(parsed.error, { words: INVITE_WORDS, values: { email } }).email,
          },
          400,
        );
      try {
        const { invitation } = await inviteMember(deps, req.ip ?? '', viewer, id, parsed.data.email);
        res.redirect(303, `/organisations/${id}?invited=${invitation.id}#invite`);
      } catch (err) {
        // The address of one of the members: said beside the field, with what was typed.
        if (!(err instanceof HttpProblem) || err.status !== 409) throw err;
        await profilePage(req, res, id, { inviteEmail: email, inviteError: err.detail }, 409);
      }
    }),
  );

  router.post(
    '/organisations/:id/invitations/:invitationId/cancel',
    requireViewer,
    pageHandler(async (req, res) => {
      const id = String(req.params.id);
      const invitationId = String(req.params.invitationId);
      await organisationOfMember(deps.db, viewerOf(res), id);
      if (!UUID.test(invitationId) || !(await cancelInvitation(deps.db, id, invitationId)))
        throw notFound('This pending invitation');
      res.redirect(303, `/organisations/${id}#invitations`);
    }),
  );

  /** The member a remove page is about, or a 404 page. */
  async function memberFor(res: Response, id: string, userId: string) {
    await organisationOfMember(deps.db, viewerOf(res), id);
    const profile = await readProfile(deps.db, viewerOf(res), id);
    const member = UUID.test(userId) ? profile.members.find((m) => m.id === userId) : undefined;
    if (!member) throw notFound('This member');
    return { profile, member };
  }

  // Removing a member deletes their account: the button opens a page that says so, whose button does it.
  router.get(
    '/organisations/:id/members/:userId/remove',
    requireViewer,
    pageHandler(async (req, res) => {
      const id = String(req.params.id);
      const { profile, member } = await memberFor(res, id, String(req.params.userId));
      const self = member.id === viewerOf(res).userId;
      if (isLastMember(profile.members.length))
        throw new HttpProblem(
          409,
          'last_member',
          'The last member stays',
          'An organisation always keeps one member. To leave, delete your account on the settings page; the organisation goes with it.',
        );
      ctx.page(req, res, 'confirm', {
        title: self ? `Leave ${profile.name}?` : `Remove ${member.name} from ${profile.name}?`,
        intro: self
          ? 'Your account is deleted and you are signed out at once, here and in every program using your API tokens. What you posted stays your organisation’s.'
          : `${member.name}’s account is deleted: they are signed out at once, and their API tokens stop working. What they posted stays your organisation’s. You can invite them again later.`,
        action: req.originalUrl,
        button: self ? 'Leave the organisation' : `Remove ${member.name}`,
      });
    }),
  );

  router.post(
    '/organisations/:id/members/:userId/remove',
    requireViewer,
    pageHandler(async (req, res) => {
      const id = String(req.params.id);
      const userId = String(req.params.userId);
      const viewer = viewerOf(res);
      if (!UUID.test(userId)) throw notFound('This member');
      await removeMember(deps, viewer, id, userId);
      if (userId === viewer.userId) {
        await endSession(deps.db, req, res);
        return res.redirect(303, '/');
      }
      res.redirect(303, `/organisations/${id}#members`);
    }),
  );

  // ---- the page behind an emailed invitation: GET shows the form (mail scanners open links), POST joins ----

  function invitationIdOf(token: string): string {
    const check = verifyLink(deps.config.appSecret, token);
    if (check.ok && check.claims.action === 'join-organisation' && check.claims.targetId) return check.claims.targetId;
    if (!check.ok && check.reason === 'expired') throw spentInvitation('expired');
    throw new HttpProblem(
      400,
      'invalid_link',
      'This invitation link is not valid',
      'The link is incomplete or has been changed. Open it again from the email, copying the whole address.',
    );
  }

  async function usableInvitation(token: string) {
    const id = invitationIdOf(token);
    const found = UUID.test(id) ? await getInvitationDetail(deps.db, id) : undefined;
    const state = linkState(found?.invitation);
    if (!found || state !== 'usable') throw spentInvitation(state);
    return found;
  }

  function joinPage(
    req: Request,
    res: Response,
    found: NonNullable<Awaited<ReturnType<typeof getInvitationDetail>>>,
    values: Record<string, string>,
    errors: Record<string, string>,
    status = 200,
  ) {
    const { organisation, invitation } = found;
    ctx.page(
      req,
      res,
      'join-organisation',
      {
        title: `Join ${organisation.name}`,
        organisationName: organisation.name,
        kindName: ORG_KIND_NAMES[organisation.kind],
        country: organisation.country,
        inviterName: found.inviterName,
        email: invitation.email,
        values,
        errors,
        errorList: Object.keys(errors),
        timezones: TIMEZONES,
        action: req.originalUrl,
      },
      status,
    );
  }

  router.get(
    '/join/:token',
    pageHandler(async (req, res) => {
      const found = await usableInvitation(String(req.params.token));
      joinPage(req, res, found, { name: '', timezone: found.inviterTimezone ?? 'UTC' }, {});
    }),
  );

  const PersonForm = SignupBody.shape.user.pick({ name: true, timezone: true });

  router.post(
    '/join/:token',
    pageHandler(async (req, res) => {
      const found = await usableInvitation(String(req.params.token));
      const f = req.body as Record<string, unknown>;
      const values = { name: str(f.name), timezone: str(f.timezone).trim() };
      const parsed = PersonForm.safeParse({ name: values.name, timezone: values.timezone || 'UTC' });
      if (!parsed.success) return joinPage(req, res, found, values, fieldErrors(parsed.error, { values }), 400);
      const outcome = await deps.db
        .transaction((tx) => joinOrganisation(tx, found.invitation.id, parsed.data))
        .catch((err: unknown) => {
          switch (pgCode(err)) {
            // The address got an account at the same moment (another invitation, a signup).
            case '23505':
              return { ok: false as const, state: 'registered' as const };
            // The organisation's last member deleted their account at the same moment: it is gone (a foreign
            // key violation), or the two waited on each other and this join was stopped (a deadlock).
            case '23503':
            case '40P01':
              return { ok: false as const, state: 'gone' as const };
            default:
              throw err;
          }
        });
      if (!outcome.ok) throw spentInvitation(outcome.state);
      // A session already in this browser ends: the invitee is signed in afresh.
      await forgetSession(deps.db, req);
      await startSession(deps.db, deps.config, res, outcome.userId);
      res.redirect(303, `/organisations/${outcome.organisationId}`);
    }),
  );
}
