import { mayManageOrganisation, mayRemoveMember, ORGANISATION_INVITATION_DAYS } from '../../core/policy.js';
import type { Database, Executor } from '../../db/client.js';
import {
  deleteAccount,
  findUserByEmail,
  getOrganisation,
  getUser,
  lockOrganisationMembers,
} from '../../db/queries/accounts.js';
import {
  cancelInvitationsOf,
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
import { enqueueOrganisationInvitation } from '../../worker/queues.js';
import type { Viewer } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { limitsFor } from '../limits.js';
import { badRequest, conflict, forbidden, HttpProblem, notFound, queueUnavailable } from '../problem.js';
import { toOrganisationProfile } from '../serialize.js';

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

/** Why an address may not be invited: it has an account already (in this organisation or another). */
export function alreadyRegistered(inSameOrganisation: boolean, organisationName: string): HttpProblem {
  return conflict(
    'already_registered',
    inSameOrganisation
      ? `This address is already a member of ${organisationName}.`
      : 'This address already has a Roadmatch account with another organisation; a person belongs to one organisation. They may delete that account first.',
  );
}

/**
 * Invites an address to the actor's organisation: counted against the limits of emails asked for (per
 * client IP and per address), refused with a 409 for an address that has an account, and emailed by the
 * worker. Inviting a pending address again sends the same invitation again, with a fresh expiry.
 */
export async function inviteMember(deps: AppDeps, ip: string, actor: Actor, organisationId: string, email: string) {
  const organisation = await organisationOfMember(deps.db, actor, organisationId);
  await limitsFor(deps).consume(['ip', ip], ['address', email.trim()]);
  const existing = await findUserByEmail(deps.db, email.trim());
  if (existing) throw alreadyRegistered(existing.organisationId === organisationId, organisation.name);
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
 */
export async function removeMember(db: Database, actor: Actor, organisationId: string, userId: string) {
  await organisationOfMember(db, actor, organisationId);
  await db.transaction(async (tx) => {
    const count = await lockOrganisationMembers(tx, organisationId);
    const member = await getUser(tx, userId);
    if (!member || member.organisationId !== organisationId) throw notFound('This member');
    if (!mayRemoveMember(count))
      throw conflict(
        'last_member',
        'This is the organisation’s last member: an organisation always keeps one. To leave, delete your account instead (DELETE /v1/me), which deletes the organisation with it.',
      );
    await deleteAccount(tx, member, false);
  });
}

export type JoinOutcome =
  { ok: true; userId: string; organisationId: string } | { ok: false; state: LinkState | 'registered' };

/**
 * Uses an invitation: makes the invitee a verified member of the organisation, once, and cancels the other
 * pending invitations of the address. A used, cancelled or expired invitation makes nothing, nor does one
 * for an address that got an account meanwhile (the invitation is then cancelled).
 */
export async function joinOrganisation(
  tx: Executor,
  invitationId: string,
  person: { name: string; timezone: string },
): Promise<JoinOutcome> {
  const invitation = await lockInvitation(tx, invitationId);
  const state = linkState(invitation);
  if (!invitation || state !== 'usable') return { ok: false, state };
  if (await findUserByEmail(tx, invitation.email)) {
    await cancelInvitationsOf(tx, invitation.email);
    return { ok: false, state: 'registered' };
  }
  const user = await insertInvitedMember(tx, {
    organisationId: invitation.organisationId,
    email: invitation.email,
    ...person,
  });
  await markInvitationUsed(tx, invitation.id, user.id, invitation.email);
  return { ok: true, userId: user.id, organisationId: invitation.organisationId };
}
