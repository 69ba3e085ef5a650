import { CHARTER } from '../../core/charter.js';
import { consortiumStatusFor, conveningRefusal, isLive, maySeePost } from '../../core/policy.js';
import { areaOf, type OrgKind } from '../../core/taxonomy.js';
import type { Executor } from '../../db/client.js';
import {
  answerInvitations,
  appendLog,
  insertConsortium,
  insertInvitation,
  lockConsortium,
  lockPendingInvitations,
  markLeft,
  listMembersOf,
  findMembershipOf,
  isPostInvited,
  setConsortiumStatus,
  upsertMember,
  type ConsortiumRow,
  type InvitationRow,
} from '../../db/queries/consortia.js';
import { recordFlags } from '../../db/queries/flags.js';
import { getNeed, getOffering } from '../../db/queries/posts.js';
import { enqueueConsortiumEmail } from '../../worker/queues.js';
import type { AppDeps } from '../deps.js';
import { screenOrRefuse } from '../guardrail.js';
import { conflict, forbidden, HttpProblem, notFound } from '../problem.js';

/** Who acts: a signed-in user, or the person an emailed link was sent to. */
export interface ConsortiumActor {
  userId: string;
  organisationId: string;
  organisationKind: OrgKind;
}

const charterProblem = (detail: string, code = 'charter_not_accepted') =>
  new HttpProblem(422, code, 'The charter must be accepted', detail);

/**
 * Joining, convening and accepting again all need the current charter accepted in so many words: a tick,
 * and the version the person read.
 */
export function requireCharter(acceptCharter: boolean | undefined, charterVersion: string | undefined): void {
  if (acceptCharter !== true) {
    throw charterProblem(
      'Every member accepts the pre-competitive charter (GET /v1/charter): send "acceptCharter": true with the "charterVersion" you read.',
    );
  }
  if (charterVersion !== undefined && charterVersion !== CHARTER.version) {
    throw charterProblem(
      `The charter is now version ${CHARTER.version}; read it again (GET /v1/charter) and accept that version.`,
      'charter_outdated',
    );
  }
}

export async function createConsortium(
  tx: Executor,
  actor: ConsortiumActor,
  input: {
    title: string;
    scope: string;
    needIds: string[];
    capabilities: string[];
    acceptCharter?: boolean;
    charterVersion?: string;
    acknowledgeSensitive?: boolean;
  },
): Promise<ConsortiumRow> {
  requireCharter(input.acceptCharter, input.charterVersion);
  const flags = screenOrRefuse({ title: input.title, scope: input.scope }, input.acknowledgeSensitive);
  const found = [];
  for (const [i, id] of input.needIds.entries()) {
    const need = await getNeed(tx, id);
    if (!need || !maySeePost(need.post, actor.organisationId)) {
      throw new HttpProblem(404, 'not_found', 'Not found', `needIds[${i}]: there is no open need ${id}.`);
    }
    found.push(need.post);
  }
  const owns = found.some((n) => n.organisationId === actor.organisationId);
  const refusal = conveningRefusal(actor.organisationKind, owns);
  if (refusal) throw forbidden(refusal);
  const capabilities =
    input.capabilities.length > 0 ? input.capabilities : [...new Set(found.flatMap((n) => n.capabilities))].sort();
  const consortium = await insertConsortium(
    tx,
    {
      title: input.title,
      scope: input.scope,
      capabilities,
      areas: [...new Set(capabilities.map(areaOf).filter((a) => a !== undefined))].sort(),
      convenerOrganisationId: actor.organisationId,
      createdBy: actor.userId,
    },
    input.needIds,
  );
  await upsertMember(tx, {
    consortiumId: consortium.id,
    organisationId: actor.organisationId,
    joinedBy: actor.userId,
    charterVersion: CHARTER.version,
  });
  const who = { organisationId: actor.organisationId, userId: actor.userId };
  await appendLog(tx, { consortiumId: consortium.id, action: 'created', ...who, detail: { title: input.title } });
  await appendLog(tx, {
    consortiumId: consortium.id,
    action: 'joined',
    ...who,
    detail: { charterVersion: CHARTER.version, convener: true },
  });
  await recordFlags(tx, flags, { ...who, subjectType: 'consortium', subjectId: consortium.id });
  return consortium;
}

async function requireMember(tx: Executor, consortiumId: string, organisationId: string) {
  const m = await findMembershipOf(tx, consortiumId, organisationId);
  if (!m || m.leftAt) throw forbidden('Only members of the consortium may do this.');
  return m;
}

async function lockOpen(tx: Executor, id: string): Promise<ConsortiumRow> {
  const c = await lockConsortium(tx, id);
  if (!c) throw notFound('Consortium');
  if (c.status === 'closed') throw conflict('consortium_closed', 'The consortium is closed.');
  return c;
}

/**
 * Invites the organisation behind a need or an offering. The invitation names the post, never the
 * organisation: whoever invites an anonymous need's owner does not learn who it is.
 */
export async function inviteToConsortium(
  tx: Executor,
  actor: ConsortiumActor,
  consortiumId: string,
  target: { needId?: string; offeringId?: string },
): Promise<InvitationRow> {
  const consortium = await lockOpen(tx, consortiumId);
  await requireMember(tx, consortium.id, actor.organisationId);
  const post = target.needId
    ? (await getNeed(tx, target.needId))?.post
    : (await getOffering(tx, target.offeringId!))?.post;
  if (!post || !isLive(post)) throw notFound(target.needId ? 'Need' : 'Offering');
  // An invitation names a post; whether its owner is already a member is not told to whoever invites
  // (that would link an anonymous need to a member). Such an invitation stays pending, and no email goes.
  if (await isPostInvited(tx, consortium.id, target))
    throw conflict('already_invited', `This ${target.needId ? 'need' : 'offering'} has been invited already.`);
  const invitation = await insertInvitation(tx, {
    consortiumId: consortium.id,
    organisationId: post.organisationId,
    needId: target.needId ?? null,
    offeringId: target.offeringId ?? null,
    invitedBy: actor.userId,
  });
  await appendLog(tx, {
    consortiumId: consortium.id,
    action: 'invited',
    organisationId: actor.organisationId,
    userId: actor.userId,
    detail: target.needId
      ? { needId: target.needId, title: post.title }
      : { offeringId: target.offeringId, title: post.title },
  });
  return invitation;
}

export interface JoinOutcome {
  consortium: ConsortiumRow;
  /** The consortium became active with this join: every member is to be told. */
  activated: boolean;
}

/**
 * The organisation's pending invitation that an answer is about: the one named (an emailed link names its
 * own), or else its oldest. Only that one is answered: answering all at once would show the members that
 * the posts they were made for share an owner.
 */
async function pendingInvitation(tx: Executor, consortiumId: string, organisationId: string, invitationId?: string) {
  const pending = await lockPendingInvitations(tx, consortiumId, organisationId);
  return invitationId ? pending.find((i) => i.id === invitationId) : pending[0];
}

/**
 * Joins on an invitation, accepting the charter; a member who accepted an older charter accepts the
 * current one the same way. Reaching two biomanufacturers and one supplier or lab makes it active.
 */
export async function joinConsortium(
  tx: Executor,
  actor: ConsortiumActor,
  consortiumId: string,
  answer: { acceptCharter?: boolean; charterVersion?: string; invitationId?: string },
): Promise<JoinOutcome> {
  const consortium = await lockOpen(tx, consortiumId);
  requireCharter(answer.acceptCharter, answer.charterVersion);
  const who = { consortiumId: consortium.id, organisationId: actor.organisationId, userId: actor.userId };
  const membership = await findMembershipOf(tx, consortium.id, actor.organisationId);
  if (membership && !membership.leftAt) {
    if (membership.charterVersion === CHARTER.version)
      throw conflict('already_member', 'Your organisation is already a member under the current charter.');
    await upsertMember(tx, { ...who, joinedBy: actor.userId, charterVersion: CHARTER.version });
    await appendLog(tx, { ...who, action: 'charter-accepted', detail: { charterVersion: CHARTER.version } });
    return { consortium, activated: false };
  }
  const invitation = await pendingInvitation(tx, consortium.id, actor.organisationId, answer.invitationId);
  if (!invitation) throw forbidden('Only organisations invited to the consortium may join it.');
  await upsertMember(tx, { ...who, joinedBy: actor.userId, charterVersion: CHARTER.version });
  await answerInvitations(tx, [invitation.id], 'accepted');
  await appendLog(tx, { ...who, action: 'joined', detail: { charterVersion: CHARTER.version } });
  const kinds = (await listMembersOf(tx, consortium.id)).map((m) => m.organisation.kind);
  const status = consortiumStatusFor(consortium.status, kinds);
  if (status !== consortium.status) {
    await setConsortiumStatus(tx, consortium.id, status);
    await appendLog(tx, { ...who, organisationId: null, userId: null, action: 'activated', detail: {} });
  }
  return { consortium: { ...consortium, status }, activated: status === 'active' && consortium.status !== 'active' };
}

/**
 * Declines one invitation (see `pendingInvitation`). The log names the post, not who declined: an
 * anonymous need's owner stays unknown.
 */
export async function declineConsortium(
  tx: Executor,
  actor: ConsortiumActor,
  consortiumId: string,
  invitationId?: string,
): Promise<void> {
  const consortium = await lockConsortium(tx, consortiumId);
  if (!consortium) throw notFound('Consortium');
  const invitation = await pendingInvitation(tx, consortium.id, actor.organisationId, invitationId);
  if (!invitation) throw conflict('no_invitation', 'Your organisation has no open invitation to this consortium.');
  await answerInvitations(tx, [invitation.id], 'declined');
  const detail = invitation.needId
    ? { needId: invitation.needId, title: (await getNeed(tx, invitation.needId))?.post.title }
    : { offeringId: invitation.offeringId, title: (await getOffering(tx, invitation.offeringId!))?.post.title };
  await appendLog(tx, { consortiumId: consortium.id, action: 'declined', organisationId: null, userId: null, detail });
}

export async function leaveConsortium(tx: Executor, actor: ConsortiumActor, consortiumId: string): Promise<void> {
  const consortium = await lockOpen(tx, consortiumId);
  await requireMember(tx, consortium.id, actor.organisationId);
  if (consortium.convenerOrganisationId === actor.organisationId)
    throw conflict('convener_cannot_leave', 'The convener cannot leave; close the consortium instead.');
  await markLeft(tx, consortium.id, actor.organisationId);
  await appendLog(tx, {
    consortiumId: consortium.id,
    action: 'left',
    organisationId: actor.organisationId,
    userId: actor.userId,
    detail: {},
  });
}

export async function closeConsortium(tx: Executor, actor: ConsortiumActor, consortiumId: string): Promise<void> {
  const consortium = await lockOpen(tx, consortiumId);
  if (consortium.convenerOrganisationId !== actor.organisationId)
    throw forbidden('Only the convener may close the consortium.');
  await setConsortiumStatus(tx, consortium.id, 'closed');
  await appendLog(tx, {
    consortiumId: consortium.id,
    action: 'closed',
    organisationId: actor.organisationId,
    userId: actor.userId,
    detail: {},
  });
}

/**
 * Queues an email after the change that owes it is committed. A failure to queue (Redis away) is logged:
 * the invitation keeps `notifiedAt` null and the notifications tick sends it later.
 */
export async function notifyConsortium(
  deps: AppDeps,
  job: { kind: 'invitation'; invitationId: string } | { kind: 'active'; consortiumId: string },
): Promise<void> {
  await enqueueConsortiumEmail(deps.notificationsQueue, job).catch((err: Error) =>
    deps.logger.warn({ err: err.message, job }, 'could not queue a consortium email; the tick will send it'),
  );
}
