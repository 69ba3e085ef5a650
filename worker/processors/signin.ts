import type { Config } from '../../config.js';
import { renderSignin } from '../../core/email/render.js';
import { signLink } from '../../core/links.js';
import type { Database } from '../../db/client.js';
import { findUserById } from '../../db/queries/accounts.js';
import { findSigninLink } from '../../db/queries/sessions.js';
import { messageIdFor, type Mailer } from '../mailer.js';
import type { SigninEmailJob } from '../queues.js';

/** Emails a one-time sign-in link; a link already used or expired is not sent (a late retry is moot). */
export async function sendSigninEmail(
  deps: { db: Database; mailer: Mailer; config: Pick<Config, 'publicUrl' | 'appSecret'> },
  job: SigninEmailJob,
): Promise<string> {
  const link = await findSigninLink(deps.db, job.signinId);
  if (!link || link.usedAt || link.expiresAt <= new Date()) return 'moot';
  const user = await findUserById(deps.db, link.userId);
  if (!user) return 'moot';
  const token = signLink(deps.config.appSecret, {
    action: 'signin',
    userId: user.id,
    targetId: link.id,
    expiresAt: Math.floor(link.expiresAt.getTime() / 1000),
  });
  const minutes = Math.round((link.expiresAt.getTime() - link.createdAt.getTime()) / 60_000);
  const email = renderSignin({
    name: user.name,
    url: `${deps.config.publicUrl}/signin/${token}`,
    minutes,
    welcome: job.welcome,
  });
  await deps.mailer.send({
    ...email,
    to: { name: user.name, address: user.email },
    messageId: messageIdFor('signin', link.id, deps.config.publicUrl),
  });
  return 'sent';
}
