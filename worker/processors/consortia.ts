import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import { CHARTER } from '../../core/charter.js';
import { renderConsortiumActive, renderConsortiumInvitation, type RenderedEmail } from '../../core/email/render.js';
import { signLink, ACTION_LINK_DAYS } from '../../core/links.js';
import { membersByKind, ORG_KIND_NAMES } from '../../core/taxonomy.js';
import type { Database, Executor } from '../../db/client.js';
import { getOrganisation } from '../../db/queries/accounts.js';
import {
  getConsortium,
  getInvitation,
  markActivationNotified,
  markInvitationNotified,
  countMembersByKind,
  listMembersOf,
  findMembershipOf,
  listOwedConsortiumEmails,
  listPeopleOf,
  recordSentEmail,
  listSentEmailsFor,
} from '../../db/queries/consortia.js';
import { isPermanentRejection, messageIdFor, type Mailer } from '../mailer.js';
import { ConsortiumEmailJobSchema, enqueueConsortiumEmail, parseJob, type NotificationJob } from '../queues.js';

export interface ConsortiumEmailDeps {
  db: Database;
  mailer: Mailer;
  config: Pick<Config, 'publicUrl' | 'appSecret'>;
  logger: Logger;
}

type Recipient = { id: string; name: string; email: string };

/**
 * Sends each person the email owed under `key`, skipping those an earlier attempt reached, and records each
 * as it goes: a retry after a failure part-way sends only what is still owed.
 */
async function sendOnce(
  deps: ConsortiumEmailDeps,
  key: string,
  people: Recipient[],
  render: (to: Recipient) => RenderedEmail,
): Promise<number> {
  const done = await listSentEmailsFor(deps.db, key);
  let sent = 0;
  for (const to of people) {
    if (done.has(to.id)) continue;
    const messageId = messageIdFor(key, to.id, deps.config.publicUrl);
    let error: string | null = null;
    try {
      await deps.mailer.send({ ...render(to), to: { name: to.name, address: to.email }, messageId });
      sent++;
    } catch (err) {
      if (!isPermanentRejection(err)) throw err;
      error = (err as Error).message.slice(0, 500);
      deps.logger.warn({ key, err: error }, 'consortium email rejected');
    }
    await recordSentEmail(deps.db, { key, userId: to.id, messageId, error });
  }
  return sent;
}

/** Sends what a `ConsortiumEmailJob` (parsed here) asks for. */
export async function sendConsortiumEmails(deps: ConsortiumEmailDeps, data: unknown): Promise<string> {
  const job = parseJob(ConsortiumEmailJobSchema, 'consortium-email', data);
  return job.kind === 'invitation' ? sendInvitation(deps, job.invitationId) : sendActivation(deps, job.consortiumId);
}

/** The invited organisation's people get the scope, the charter, and links to join or decline. */
async function sendInvitation(deps: ConsortiumEmailDeps, invitationId: string): Promise<string> {
  const { config } = deps;
  const found = await getInvitation(deps.db, invitationId);
  if (!found || found.invitation.status !== 'pending' || found.consortium.status === 'closed') return 'moot';
  const { invitation, consortium } = found;
  const organisation = await getOrganisation(deps.db, invitation.organisationId);
  if (!organisation) return 'moot';
  // A post of a member organisation was invited: the invitation stays pending (so that the inviter learns
  // nothing of its owner), and the members need no email about a consortium they are in.
  const membership = await findMembershipOf(deps.db, consortium.id, organisation.id);
  if (membership && !membership.leftAt) {
    await markInvitationNotified(deps.db, invitation.id);
    return 'member already';
  }
  const counts = (await countMembersByKind(deps.db, [consortium.id])).get(consortium.id) ?? {};
  const because = invitation.needId
    ? `need “${found.needTitle ?? 'a need'}”`
    : `offering “${found.offeringTitle ?? 'an offering'}”`;
  const expiresAt = Math.floor(Date.now() / 1000) + ACTION_LINK_DAYS * 86_400;
  const sent = await sendOnce(
    deps,
    `consortium-invitation.${invitation.id}`,
    await listPeopleOf(deps.db, [organisation.id]),
    (to) => {
      const link = (action: 'join-consortium' | 'decline-consortium') =>
        `${config.publicUrl}/a/${signLink(config.appSecret, { action, userId: to.id, targetId: invitation.id, expiresAt })}`;
      return renderConsortiumInvitation({
        recipientName: to.name,
        organisationName: organisation.name,
        title: consortium.title,
        scope: consortium.scope,
        because,
        membersLine: membersByKind(counts),
        status: consortium.status,
        charterVersion: CHARTER.version,
        charterText: CHARTER.text,
        joinUrl: link('join-consortium'),
        declineUrl: link('decline-consortium'),
        settingsUrl: `${config.publicUrl}/settings`,
      });
    },
  );
  await markInvitationNotified(deps.db, invitation.id);
  return `sent ${sent}`;
}

/** Every member's people get the members' names and contacts: the consortium can start work. */
async function sendActivation(deps: ConsortiumEmailDeps, consortiumId: string): Promise<string> {
  const consortium = await getConsortium(deps.db, consortiumId);
  if (!consortium || consortium.status !== 'active') return 'moot';
  const members = await listMembersOf(deps.db, consortium.id);
  const people = await listPeopleOf(
    deps.db,
    members.map((m) => m.organisation.id),
  );
  const view = members.map((m) => ({
    organisation: m.organisation.name,
    kind: ORG_KIND_NAMES[m.organisation.kind],
    people: people.filter((p) => p.organisationId === m.organisation.id).map((p) => ({ name: p.name, email: p.email })),
  }));
  const sent = await sendOnce(deps, `consortium-active.${consortium.id}`, people, (to) =>
    renderConsortiumActive({
      recipientName: to.name,
      title: consortium.title,
      url: `${deps.config.publicUrl}/consortia/${consortium.id}`,
      charterVersion: CHARTER.version,
      members: view,
      settingsUrl: `${deps.config.publicUrl}/settings`,
    }),
  );
  await markActivationNotified(deps.db, consortium.id);
  return `sent ${sent}`;
}

/** Enqueues every consortium email still owed, such as one whose job was lost with Redis. */
export async function consortiumTick(db: Executor, queue: Queue<NotificationJob>) {
  const owed = await listOwedConsortiumEmails(db);
  for (const invitationId of owed.invitations)
    await enqueueConsortiumEmail(queue, { kind: 'invitation', invitationId });
  for (const consortiumId of owed.active) await enqueueConsortiumEmail(queue, { kind: 'active', consortiumId });
  return { invitations: owed.invitations.length, active: owed.active.length };
}
