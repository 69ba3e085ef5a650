import { UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendConsortiumEmails } from '../../worker/processors/consortia.js';
import { sendDigest } from '../../worker/processors/digest.js';
import { sendIntroductionEmails } from '../../worker/processors/introductions.js';
import { matchPost } from '../../worker/processors/match.js';
import { rematchNeeds } from '../../worker/processors/rematch.js';
import { sendAccountEmail, sendSigninEmail } from '../../worker/processors/signin.js';
import { jobFinished, startMailWorld, type MailWorld } from '../mail-world.js';

// Nothing is read before the payload is checked, so these need no database or mailer.
const none = {} as never;

describe('job payloads', () => {
  it('fails a malformed job in each processor, for good, naming the job and the fields at fault', async () => {
    const cases: [Promise<unknown>, RegExp][] = [
      [matchPost(none, none, { side: 'post', id: 'x', version: 1 }), /^malformed match job: side: .+; id: /],
      [rematchNeeds(none, none, { runId: 7 }), /^malformed rematch-needs job: runId: .+; ids: /],
      [sendDigest(none, { userId: 42 }), /^malformed digest job: userId: .+; period: /],
      [sendIntroductionEmails(none, {}), /^malformed introduction-email job: introductionId: /],
      [sendConsortiumEmails(none, { kind: 'party' }), /^malformed consortium-email job: kind: /],
      [
        sendAccountEmail(none, { kind: 'signin', requestId: 'r' }),
        /^malformed account-email job: requestId: .+; email: /,
      ],
      [sendSigninEmail(none, null), /^malformed signin-email job: payload: /],
    ];
    for (const [run, message] of cases) {
      const err = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UnrecoverableError);
      expect((err as Error).message).toMatch(message);
    }
  });
});

describe('a malformed job on the queue', () => {
  let w: MailWorld;
  beforeAll(async () => {
    w = await startMailWorld();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('fails at its first attempt with the clear message, and is not retried', async () => {
    const job = await w.t.deps.notificationsQueue.add('digest', { userId: 'not-a-user', period: 2026 } as never);
    await expect(jobFinished(w.t, job)).rejects.toThrow(/^malformed digest job: userId: .+; period: /);
    const failed = await w.t.deps.notificationsQueue.getJob(job.id!);
    expect(await failed!.getState()).toBe('failed');
    expect(failed!.attemptsMade).toBe(1);
  });
});
