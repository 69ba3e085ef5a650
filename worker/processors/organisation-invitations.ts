import type { Config } from '../../config.js';
import { renderOrganisationInvitation } from '../../core/email/render.js';
import { signLink } from '../../core/links.js';
import { ORG_KIND_NAMES } from '../../core/taxonomy.js';
import type { Database } from '../../db/client.js';
import { getInvitationDetail } from '../../db/queries/organisations.js';
import { linkState } from '../../db/queries/sessions.js';
import { messageIdFor, type Mailer } from '../mailer.js';
import { OrganisationInvitationJobSchema, parseJob } from '../queues.js';

type Deps = { db: Database; mailer: Mailer; config: Pick<Config, 'publicUrl' | 'appSecret'> };

const article = (noun: string) => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);

/**
 * Emails an invitation to join an organisation: a signed link naming the invitation, until it expires. An
 * invitation used, cancelled, expired or sent again since (a newer job sends that) sends nothing. Safe to
 * retry: the same send has the same Message-ID.
 */
export async function sendOrganisationInvitation(deps: Deps, data: unknown): Promise<string> {
  const job = parseJob(OrganisationInvitationJobSchema, 'organisation-invitation', data);
  const found = await getInvitationDetail(deps.db, job.invitationId);
  if (!found) return 'moot';
  const { invitation, organisation } = found;
  if (linkState(invitation) !== 'usable' || invitation.sendCount !== job.sendCount) return 'moot';
  const token = signLink(deps.config.appSecret, {
    action: 'join-organisation',
    userId: '',
    targetId: invitation.id,
    expiresAt: Math.floor(invitation.expiresAt.getTime() / 1000),
  });
  const email = renderOrganisationInvitation({
    inviterName: found.inviterName ?? `A member of ${organisation.name}`,
    organisationName: organisation.name,
    organisationKind: article(ORG_KIND_NAMES[organisation.kind]),
    country: organisation.country,
    url: `${deps.config.publicUrl}/join/${token}`,
    expiresAt: invitation.expiresAt,
  });
  await deps.mailer.send({
    ...email,
    to: { name: '', address: invitation.email },
    messageId: messageIdFor('organisation-invitation', `${invitation.id}-${job.sendCount}`, deps.config.publicUrl),
  });
  return 'sent';
}
