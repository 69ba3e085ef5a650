import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../../config.js';
import {
  pairViewFor,
  renderIntroductionAccepted,
  renderIntroductionClosed,
  renderIntroductionRequest,
  type RenderedEmail,
} from '../../core/email/render.js';
import { signLink } from '../../core/links.js';
import { FORMER_MEMBER, INTRODUCTION_REMINDER_DAYS, revealsNeedOwner } from '../../core/policy.js';
import type { Database } from '../../db/client.js';
import type { Executor } from '../../db/client.js';
import {
  listContactsFor,
  listDueReminders,
  expireIntroductions,
  getIntroduction,
  lockIntroduction,
  markIntroductionNotified,
  listOwedIntroductionEmails,
  recordIntroductionEmail,
  listSentIntroductionEmails,
  wholeIntroduction,
} from '../../db/queries/introductions.js';
import { isPermanentRejection, messageIdFor, type Mailer, type OutgoingEmail } from '../mailer.js';
import { enqueueIntroductionEmail, IntroductionEmailJobSchema, parseJob, type NotificationJob } from '../queues.js';

export interface IntroductionEmailDeps {
  db: Database;
  mailer: Mailer;
  config: Pick<Config, 'publicUrl' | 'appSecret'>;
  logger: Logger;
}

/**
 * Sends the emails an introduction owes in its current state, then records them as sent, holding the row's
 * lock throughout: two runs take turns and the second finds nothing owed. A crash between a send and the
 * commit repeats that state's emails once.
 */
export async function sendIntroductionEmails(deps: IntroductionEmailDeps, data: unknown) {
  const job = parseJob(IntroductionEmailJobSchema, 'introduction-email', data);
  const { config } = deps;
  return deps.db.transaction(async (tx) => {
    const row = await lockIntroduction(tx, job.introductionId);
    if (!row) return 'gone';
    const full = (await getIntroduction(tx, row.id))!;
    const d = wholeIntroduction(full);
    if (!d) {
      // A post withdrawn or an organisation gone: no more emails, to anyone (a pending one is closed, by the
      // deletion or the tick). Whatever this state owed is marked done, so that the tick stops asking.
      await markIntroductionNotified(tx, row.id, {
        notifiedStatus: row.status,
        ...(row.remindedAt && !row.remindNotifiedAt ? { remindNotifiedAt: new Date() } : {}),
      });
      return 'side gone';
    }
    const i = d.introduction;
    const requesterIsNeedSide = i.requesterOrganisationId === d.needOrg.id;
    const { requesterOrg, recipientOrg } = d;
    const emails: (OutgoingEmail & { event: string; userId: string })[] = [];
    const email = (event: string, to: { id: string; name: string; email: string }, body: RenderedEmail) => ({
      ...body,
      event,
      userId: to.id,
      to: { name: to.name, address: to.email },
      messageId: messageIdFor(`introduction.${i.id}.${event}`, to.id, config.publicUrl),
    });
    // Null once the person who asked has deleted their account: nothing goes to them, and the other side reads
    // "a former member" where their name was.
    const requester = d.requester?.id
      ? { id: d.requester.id, name: d.requester.name!, email: d.requester.email! }
      : null;

    let mark: { notifiedStatus?: typeof i.status; remindNotifiedAt?: Date };
    if (i.status === 'pending' && (i.notifiedStatus !== 'pending' || (i.remindedAt && !i.remindNotifiedAt))) {
      const reminder = i.notifiedStatus === 'pending';
      const recipientAuthor = requesterIsNeedSide ? d.offering.createdBy : d.need.createdBy;
      // The recipient is the offering's side: a need's anonymous owner asking stays anonymous to it.
      const requesterHidden =
        requesterIsNeedSide && !revealsNeedOwner({ ...d.need, organisationId: d.needOrg.id }, recipientOrg.id);
      const requesterLabel = requesterHidden
        ? 'The anonymous biomanufacturer behind this need'
        : requester
          ? `${requester.name} of ${requesterOrg.name}`
          : `${FORMER_MEMBER[0]!.toUpperCase()}${FORMER_MEMBER.slice(1)} of ${requesterOrg.name}`;
      for (const to of await listContactsFor(tx, recipientOrg.id, recipientAuthor)) {
        const link = (action: 'accept' | 'decline') =>
          `${config.publicUrl}/a/${signLink(config.appSecret, {
            action,
            userId: to.id,
            targetId: i.id,
            expiresAt: Math.floor(i.expiresAt.getTime() / 1000) + 86_400,
          })}`;
        const body = renderIntroductionRequest({
          ...pairViewFor({ ...d, introduced: d.introduction.status === 'accepted' }, recipientOrg.id),
          organisationName: recipientOrg.name,
          requesterLabel,
          message: i.message,
          acceptUrl: link('accept'),
          declineUrl: link('decline'),
          expiresAt: i.expiresAt,
          reminder,
          settingsUrl: `${config.publicUrl}/settings`,
        });
        emails.push(email(reminder ? 'reminder' : 'request', to, body));
      }
      mark = reminder ? { remindNotifiedAt: new Date() } : { notifiedStatus: 'pending' };
    } else if (i.status === 'accepted' && i.notifiedStatus !== 'accepted') {
      const responder = d.responder?.id
        ? { id: d.responder.id, name: d.responder.name!, email: d.responder.email! }
        : (await listContactsFor(tx, recipientOrg.id, null))[0];
      if (responder) {
        const a = { user: requester ?? { id: '', name: FORMER_MEMBER, email: null }, org: requesterOrg };
        const b = { user: responder, org: recipientOrg };
        for (const [me, other] of [[a, b] as const, [b, a] as const]) {
          if (!me.user.email) continue; // a former member
          const body = renderIntroductionAccepted({
            ...pairViewFor({ ...d, introduced: d.introduction.status === 'accepted' }, me.org.id),
            you: { name: me.user.name, email: me.user.email, organisation: me.org.name },
            other: { name: other.user.name, email: other.user.email, organisation: other.org.name },
            message: i.message,
            settingsUrl: `${config.publicUrl}/settings`,
          });
          emails.push({
            ...email('accepted', { ...me.user, email: me.user.email }, body),
            ...(other.user.email ? { replyTo: { name: other.user.name, address: other.user.email } } : {}),
          });
        }
      }
      mark = { notifiedStatus: 'accepted' };
    } else if ((i.status === 'declined' || i.status === 'expired') && i.notifiedStatus !== i.status) {
      const body = renderIntroductionClosed({
        ...pairViewFor({ ...d, introduced: d.introduction.status === 'accepted' }, requesterOrg.id),
        recipientName: requester?.name ?? FORMER_MEMBER,
        outcome: i.status,
        settingsUrl: `${config.publicUrl}/settings`,
      });
      if (requester) emails.push(email(i.status, requester, body));
      mark = { notifiedStatus: i.status };
    } else {
      return 'nothing-owed';
    }

    const done = await listSentIntroductionEmails(tx, i.id);
    let sent = 0;
    for (const e of emails) {
      if (done.has(`${e.event}/${e.userId}`)) continue; // sent by an attempt that failed further on
      let error: string | null = null;
      try {
        await deps.mailer.send(e);
        sent++;
      } catch (err) {
        if (!isPermanentRejection(err)) throw err;
        // One address refused for good must not hold back the others, nor be retried for ever.
        error = (err as Error).message.slice(0, 500);
        deps.logger.warn({ introductionId: i.id, err: error }, 'introduction email rejected');
      }
      // Committed at once, apart from this transaction: if a later email fails and all is retried, this one
      // is not sent again. (The row lock above is NO KEY UPDATE, so this insert's key-share check passes.)
      await recordIntroductionEmail(deps.db, {
        introductionId: i.id,
        event: e.event,
        userId: e.userId,
        messageId: e.messageId,
        error,
      });
    }
    await markIntroductionNotified(tx, i.id, mark);
    return `sent ${sent}`;
  });
}

/**
 * Expires requests past their expiry (INTRODUCTION_EXPIRY_DAYS after asking) and any still pending whose
 * other side is gone (a post withdrawn, an organisation gone: no reminder goes to it), marks those unanswered for
 * INTRODUCTION_REMINDER_DAYS for a reminder, and enqueues every
 * email still owed (including any whose job was lost).
 */
export async function introductionsTick(db: Executor, queue: Queue<NotificationJob>, now = new Date()) {
  const expired = await expireIntroductions(db, now);
  const reminded = await listDueReminders(db, INTRODUCTION_REMINDER_DAYS, now);
  const owed = new Map<string, string>();
  for (const id of expired) owed.set(id, 'expired');
  for (const id of reminded) owed.set(id, 'pending-reminder');
  for (const o of await listOwedIntroductionEmails(db))
    if (!owed.has(o.id)) owed.set(o.id, o.remindedAt && o.status === 'pending' ? 'pending-reminder' : o.status);
  for (const [id, state] of owed) await enqueueIntroductionEmail(queue, id, state);
  return { expired: expired.length, reminded: reminded.length, enqueued: owed.size };
}
