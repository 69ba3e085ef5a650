import { mayManageOrganisation, mayRemoveMember, ORGANISATION_INVITATION_DAYS } from '../../core/policy.js';
import type { Executor } from '../../db/client.js';
import {
  deleteAccount,
  findUserByEmail,
  getOrganisation,
  getUser,
  lockOrganisationMembers,
} from '../../db/queries/accounts.js';
import {
  findMemberByEmail,
  insertInvitedMember,
  listMembers,
  listProfilePosts,
  lockInvitation,
  markInvitationUsed,
  updateOrganisation,
  upsertInvitation,
  type OrganisationChange,
} from '../../db/queries/organisations.js';
import { linkState, type LinkState } from '../../db/queries/sessions.js';
import { enqueueMemberRemoved, enqueueOrganisationInvitation } from '../../worker/queues.js';
import type { Viewer } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { limitsFor } from '../limits.js';
import { badRequest, conflict, forbidden, HttpProblem, notFound, queueUnavailable } from '../problem.js';
import { toOrganisationProfile } from '../serialize.js';
import { forgetJobsOf } from './me.js';

/**
 * Organisations' profiles, members and invitations, for the API and the pages alike. Anyone signed in reads
 * a profile; only its members change it, invite and remove (core/policy.ts `mayManageOrganisation`).
 */

type Actor = Pick<Viewer, 'userId' | 'organisationId'>;

/** The organisation, or a 404. */
export async function organisationOr404(db: Executor, id: string) {
  const organisation = await getOrganisation(db, id);
  if (!organisation) throw notFound('This organisation');
  return organisation;
}

/** The organisation if the actor is one of its members; 404 when there is none, 403 when they are not. */
export async function organisationOfMember(db: Executor, actor: Actor, id: string) {
  const organisation = await organisationOr404(db, id);
  if (!mayManageOrganisation(organisation, actor.organisationId))
    throw forbidden('Only members of this organisation may do this.');
  return organisation;
}

/** The profile as the actor may see it (see `toOrganisationProfile`). */
export async function readProfile(db: Executor, actor: Actor, id: string) {
  const organisation = await organisationOr404(db, id);
  const [members, posts] = await Promise.all([listMembers(db, id), listProfilePosts(db, id)]);
  return toOrganisationProfile(organisation, members, posts, actor);
}

/**
 * Changes the profile. The kind is fixed after signup (it decides what the organisation may post): a
 * different kind is refused as a field error, and nothing is changed.
 */
export async function editProfile(
  db: Executor,
  actor: Actor,
  id: string,
  change: OrganisationChange & { kind?: string },
) {
  const organisation = await organisationOfMember(db, actor, id);
  const { kind, ...editable } = change;
  if (kind !== undefined && kind !== organisation.kind)
    throw badRequest('The kind of an organisation is fixed after signup.', [
      {
        field: 'kind',
        message: `cannot be changed after signup (it decides what the organisation may post); it stays ${organisation.kind}`,
      },
    ]);
  if (Object.keys(editable).length > 0) await updateOrganisation(db, id, editable);
}

/** Why an address may not be invited: it is a member of the organisation already (its members see that). */
export function alreadyMember(organisationName: string): HttpProblem {
  return conflict('already_member', `This address is already a member of ${organisationName}.`);
}

/**
 * Invites an address to the actor's organisation: counted against the limits of emails asked for (per
 * client IP and per address), refused with a 409 for an address of one of its members, and emailed by the
 * worker. Inviting a pending address again sends the same invitation again, with a fresh expiry (`resent`).
 * An address with an account in another organisation is invited like any other, so that the answer never
 * tells whether an address has an account (as signing up and in do not): the worker emails it nothing
 * (worker/processors/organisation-invitations.ts), and its link, if ever opened, says the address has one.
 */
export async function inviteMember(deps: AppDeps, ip: string, actor: Actor, organisationId: string, email: string) {
  const organisation = await organisationOfMember(deps.db, actor, organisationId);
  await limitsFor(deps).consume(['ip', ip], ['address', email.trim()]);
  if (await findMemberByEmail(deps.db, organisationId, email.trim())) throw alreadyMember(organisation.name);
  const { invitation, resent } = await deps.db.transaction((tx) =>
    upsertInvitation(tx, { organisationId, email, invitedBy: actor.userId, days: ORGANISATION_INVITATION_DAYS }),
  );
  await enqueueOrganisationInvitation(deps.notificationsQueue, {
    invitationId: invitation.id,
    sendCount: invitation.sendCount,
  }).catch((err: Error) => {
    deps.logger.warn({ err: err.message }, 'could not queue an organisation invitation');
    throw queueUnavailable(
      'The invitation is saved but its email could not be queued just now; invite again in a moment to send it.',
    );
  });
  return { invitation, resent };
}

/**
 * Removes a member of the actor's organisation (the actor themselves: leaving): their account is deleted as
 * `DELETE /v1/me` deletes it (db/queries/accounts.ts `deleteAccount`), so their tokens and sessions stop
 * working at once. Never the last member, who deletes their account instead. 404 when the person is not a
 * member. Serialised with account deletions on the organisation's row, so that two at once never leave it
 * with no member.
 *
 * A member removed by another is told by email, queued with their name and address before their account
 * goes (the worker sends it once the removal is committed): a queue that cannot be reached removes no one.
 */
export async function removeMember(deps: AppDeps, actor: Actor, organisationId: string, userId: string) {
  const organisation = await organisationOfMember(deps.db, actor, organisationId);
  const traces = await deps.db.transaction(async (tx) => {
    const count = await lockOrganisationMembers(tx, organisationId);
    const member = await getUser(tx, userId);
    if (!member || member.organisationId !== organisationId) throw notFound('This member');
    if (!mayRemoveMember(count))
      throw conflict(
        'last_member',
        'This is the organisation’s last member: an organisation always keeps one. To leave, delete your account instead (DELETE /v1/me), which deletes the organisation with it.',
      );
    if (member.id !== actor.userId) {
      const remover = await getUser(tx, actor.userId);
      await enqueueMemberRemoved(deps.notificationsQueue, {
        userId: member.id,
        name: member.name,
        email: member.email,
        organisationName: organisation.name,
        removedBy: remover?.name ?? `A member of ${organisation.name}`,
      }).catch((err: Error) => {
        deps.logger.warn({ err: err.message }, 'could not queue the email of a removed member');
        throw queueUnavailable(
          'The member was not removed: the email that tells them could not be queued just now. Try again in a moment.',
        );
      });
    }
    return deleteAccount(tx, member, false);
  });
  // As for DELETE /v1/me: their jobs in Redis go too (the email telling them has an id of its own).
  await forgetJobsOf(deps, userId, traces);
}

export type JoinOutcome =
  { ok: true; userId: string; organisationId: string } | { ok: false; state: LinkState | 'registered' };

/**
 * Uses an invitation: makes the invitee a verified member of the organisation, once. A used, cancelled or
 * expired invitation makes nothing, nor does one for an address that has an account (it stays pending).
 */
export async function joinOrganisation(
  tx: Executor,
  invitationId: string,
  person: { name: string; timezone: string },
): Promise<JoinOutcome> {
  const invitation = await lockInvitation(tx, invitationId);
  const state = linkState(invitation);
  if (!invitation || state !== 'usable') return { ok: false, state };
  // Left pending: cancelling it would tell its inviters that the address has an account.
  if (await findUserByEmail(tx, invitation.email)) return { ok: false, state: 'registered' };
  const user = await insertInvitedMember(tx, {
    organisationId: invitation.organisationId,
    email: invitation.email,
    ...person,
  });
  await markInvitationUsed(tx, invitation.id, user.id);
  return { ok: true, userId: user.id, organisationId: invitation.organisationId };
}
