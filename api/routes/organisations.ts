import { cancelInvitation, listPendingInvitations } from '../../db/queries/organisations.js';
import type { ApiRouter } from '../endpoint.js';
import { notFound } from '../problem.js';
import {
  IdParams,
  OrganisationInvitationBody,
  OrganisationInvitationList,
  OrganisationInvitationParams,
  OrganisationInvitationSchema,
  OrganisationMemberParams,
  OrganisationPatchBody,
  OrganisationProfileSchema,
} from '../schemas.js';
import { toOrganisationInvitation } from '../serialize.js';
import {
  editProfile,
  inviteMember,
  organisationOfMember,
  readProfile,
  removeMember,
} from '../usecases/organisations.js';

export function registerOrganisationRoutes(api: ApiRouter): void {
  api.add(
    {
      method: 'get',
      path: '/v1/organisations/{id}',
      summary:
        "An organisation's profile: name, kind, country, website, description, members and live posts (members' emails and anonymous needs to its own members only)",
      tag: 'Organisations',
      auth: true,
      params: IdParams,
      success: { status: 200, description: 'The profile', schema: OrganisationProfileSchema },
      errors: [404],
    },
    async ({ deps, params, viewer }) => ({ body: await readProfile(deps.db, viewer, params.id) }),
  );

  api.add(
    {
      method: 'patch',
      path: '/v1/organisations/{id}',
      summary: "Change your organisation's profile: name, country, website, description (the kind is fixed)",
      tag: 'Organisations',
      auth: true,
      params: IdParams,
      body: OrganisationPatchBody,
      success: { status: 200, description: 'The profile as changed', schema: OrganisationProfileSchema },
      errors: [403, 404],
    },
    async ({ deps, params, body, viewer }) => {
      await editProfile(deps.db, viewer, params.id, body);
      return { body: await readProfile(deps.db, viewer, params.id) };
    },
  );

  api.add(
    {
      method: 'post',
      path: '/v1/organisations/{id}/invitations',
      summary:
        'Invite a colleague by email to join your organisation; inviting a pending address again sends its invitation again',
      description:
        'Invite a colleague by email to join your organisation: they are emailed a link that works once, for 14 days, which asks their name, makes them a verified member and signs them in. Answers 201 with a new invitation; inviting an address with a pending invitation sends it again (a fresh expiry, `sendCount` + 1) rather than adding another, and answers 200. The address of one of your members is refused (409 `already_member`). The answer never tells whether an address has an account elsewhere: such an invitation is kept and listed like any other, but no email goes to it (its link, if opened, says the address has an account; a person belongs to one organisation). Counts against the email limits per address and per client IP (`RATE_LIMIT_PER_ADDRESS`, `RATE_LIMIT_PER_IP`).',
      tag: 'Organisations',
      auth: true,
      params: IdParams,
      body: OrganisationInvitationBody,
      success: {
        status: 201,
        description: 'A new invitation, to be emailed',
        schema: OrganisationInvitationSchema,
        also: { 200: 'The pending invitation of this address, to be emailed again' },
      },
      errors: [403, 404, 409],
    },
    async ({ req, deps, params, body, viewer }) => {
      const { invitation, resent } = await inviteMember(deps, req.ip ?? '', viewer, params.id, body.email);
      return { status: resent ? 200 : 201, body: toOrganisationInvitation(invitation, viewer.name) };
    },
  );

  api.add(
    {
      method: 'get',
      path: '/v1/organisations/{id}/invitations',
      summary: "Your organisation's invitations not yet used or cancelled, newest first (expired ones too)",
      tag: 'Organisations',
      auth: true,
      params: IdParams,
      success: { status: 200, description: 'The invitations', schema: OrganisationInvitationList },
      errors: [403, 404],
    },
    async ({ deps, params, viewer }) => {
      await organisationOfMember(deps.db, viewer, params.id);
      const rows = await listPendingInvitations(deps.db, params.id);
      return { body: { items: rows.map((r) => toOrganisationInvitation(r.invitation, r.inviterName)) } };
    },
  );

  api.add(
    {
      method: 'delete',
      path: '/v1/organisations/{id}/invitations/{invitationId}',
      summary: 'Cancel a pending invitation: its link stops working',
      tag: 'Organisations',
      auth: true,
      params: OrganisationInvitationParams,
      success: { status: 204, description: 'Cancelled' },
      errors: [403, 404],
    },
    async ({ deps, params, viewer }) => {
      await organisationOfMember(deps.db, viewer, params.id);
      if (!(await cancelInvitation(deps.db, params.id, params.invitationId))) throw notFound('This pending invitation');
    },
  );

  api.add(
    {
      method: 'delete',
      path: '/v1/organisations/{id}/members/{userId}',
      summary:
        'Remove a member of your organisation (yourself: leave); their account, tokens and sessions end at once. Never the last member',
      description:
        'Remove a member of your organisation, or yourself to leave it: their account is deleted, and their API tokens and sessions stop working at once; what they posted stays the organisation’s. A member removed by another is told by email (who removed them, and that their account is deleted); 503 when that email cannot be queued, and then no one is removed. The last member is never removed (409 `last_member`): they delete their account instead, which deletes the organisation with it.',
      tag: 'Organisations',
      auth: true,
      params: OrganisationMemberParams,
      success: { status: 204, description: 'Removed' },
      errors: [403, 404, 409],
    },
    async ({ deps, params, viewer }) => {
      await removeMember(deps, viewer, params.id, params.userId);
    },
  );
}
