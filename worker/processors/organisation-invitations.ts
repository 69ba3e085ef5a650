import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { renderMemberRemoved, renderOrganisationInvitation } from '../../core/email/render.js';
import { signLink } from '../../core/links.js';
import { ORG_KIND_NAMES } from '../../core/taxonomy.js';
import type { Database, Executor } from '../../db/client.js';
import { findUserByEmail, getUser } from '../../db/queries/accounts.js';
import {
  getInvitationDetail,
  listOwedInvitationEmails,
  markInvitationEmailed,
} from '../../db/queries/organisations.js';
import { linkState } from '../../db/queries/sessions.js';
import { isPermanentRejection, messageIdFor, type Mailer } from '../mailer.js';
import {
  MemberRemovedJobSchema,
  OrganisationInvitationJobSchema,
  parseJob,
  requeueOrganisationInvitation,
  type NotificationJob,
} from '../queues.js';

type Deps = { db: Database; mailer: Mailer; config: Pick<Config, 'publicUrl' | 'appSecret'>; logger: Logger };

const article = (noun: string) => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);

/**
 * Emails an invitation to join an organisation: a signed link naming the invitation, until it expires. An
 * invitation used, cancelled, expired, sent again since (a newer job sends that) or already emailed sends
 * nothing. Nor does one to an address that has an account: the inviter was answered as for any address (the
 * API never tells whether an address has an account), and the person, who belongs to one organisation, is
 * not troubled; the link, if they have it from an earlier send, says the address has an account. Each send
 * is recorded as finished (`markInvitationEmailed`), so that the introductions tick sends what a lost job
 * owed. Safe to retry: the same send has the same Message-ID.
 */
export async function sendOrganisationInvitation(deps: Deps, data: unknown): Promise<string> {
  const job = parseJob(OrganisationInvitationJobSchema, 'organisation-invitation', data);
  const found = await getInvitationDetail(deps.db, job.invitationId);
  if (!found) return 'moot';
  const { invitation, organisation } = found;
  if (linkState(invitation) !== 'usable' || invitation.sendCount !== job.sendCount) return 'moot';
  if (invitation.emailedSendCount >= job.sendCount) return 'sent already';
  if (await findUserByEmail(deps.db, invitation.email)) {
    await markInvitationEmailed(deps.db, invitation.id, job.sendCount);
    return 'not sent';
  }
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
  try {
    await deps.mailer.send({
      ...email,
      to: { name: '', address: invitation.email },
      messageId: messageIdFor('organisation-invitation', `${invitation.id}-${job.sendCount}`, deps.config.publicUrl),
    });
  } catch (err) {
    // Refused for good (no such mailbox): recorded as finished, so that the tick does not ask again.
    if (!isPermanentRejection(err)) throw err;
    deps.logger.warn({ err: (err as Error).message.slice(0, 500) }, 'organisation invitation rejected');
    await markInvitationEmailed(deps.db, invitation.id, job.sendCount);
    return 'rejected';
  }
  await markInvitationEmailed(deps.db, invitation.id, job.sendCount);
  return 'sent';
}

/** Enqueues every invitation email still owed, such as one whose job was lost with Redis. */
export async function organisationInvitationTick(db: Executor, queue: Queue<NotificationJob>) {
  const owed = await listOwedInvitationEmails(db);
  let enqueued = 0;
  for (const job of owed) if (await requeueOrganisationInvitation(queue, job)) enqueued++;
  return { owed: owed.length, enqueued };
}

/**
 * Tells a person that another member removed them from their organisation, and that their account is
 * deleted. The job was queued before the deletion, in its transaction: while the account is still there the
 * removal has not committed yet (or was undone), so the job fails and is tried again later; once it is gone
 * the email goes, to the address the job carries. Safe to retry: the same Message-ID.
 */
export async function sendMemberRemoved(deps: Deps, data: unknown): Promise<string> {
  const job = parseJob(MemberRemovedJobSchema, 'member-removed', data);
  if (await getUser(deps.db, job.userId)) throw new Error('the member is not removed (yet): trying again later');
  const email = renderMemberRemoved({
    name: job.name,
    organisationName: job.organisationName,
    removedBy: job.removedBy,
  });
  await deps.mailer.send({
    ...email,
    to: { name: job.name, address: job.email },
    messageId: messageIdFor('member-removed', job.userId, deps.config.publicUrl),
  });
  return 'sent';
}
