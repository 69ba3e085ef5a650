import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.js';
import type { RenderedEmail } from '../core/email/render.js';
import { emailsTotal } from './metrics.js';

export interface OutgoingEmail extends RenderedEmail {
  to: { name: string; address: string };
  /** Stable per email (`<digest.ID@host>`), so a resend after a crash is recognisably the same message. */
  messageId: string;
  replyTo?: { name: string; address: string };
  /** The signed one-click unsubscribe link (RFC 8058), for digests. */
  unsubscribeUrl?: string;
}

export interface Mailer {
  send(email: OutgoingEmail): Promise<void>;
  /** Where mail goes, for the logs: the SMTP host, or the outbox folder. */
  readonly destination: string;
  close(): void;
}

/**
 * Delivery through nodemailer: to `SMTP_URL` over a pool of connections, or, without one, as `.eml` files
 * in `OUTBOX_DIR` (named by Message-ID, so sending the same email twice writes one file).
 */
export function createMailer(config: Pick<Config, 'smtpUrl' | 'mailFrom' | 'outboxDir' | 'mailConcurrency'>): Mailer {
  const message = (e: OutgoingEmail) => ({
    from: config.mailFrom,
    to: e.to,
    replyTo: e.replyTo,
    subject: e.subject,
    text: e.text,
    html: e.html,
    messageId: e.messageId,
    headers: {
      // RFC 3834: written by the service, not a person; out-of-office replies stay away.
      'Auto-Submitted': 'auto-generated',
      ...(emailKind(e.messageId) === 'digest'
        ? { 'List-Id': `Roadmatch digest <digest.${messageHost(e.messageId)}>` }
        : {}),
      ...(e.unsubscribeUrl
        ? { 'List-Unsubscribe': `<${e.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
        : {}),
    },
  });
  /** Counts each email handed over (roadmatch_emails_total), by its kind and whether the server took it. */
  const counted =
    (send: (e: OutgoingEmail) => Promise<void>) =>
    async (e: OutgoingEmail): Promise<void> => {
      try {
        await send(e);
        emailsTotal.inc({ kind: emailKind(e.messageId), result: 'sent' });
      } catch (err) {
        emailsTotal.inc({ kind: emailKind(e.messageId), result: 'failed' });
        throw err;
      }
    };

  if (config.smtpUrl) {
    const transport = nodemailer.createTransport({
      url: config.smtpUrl,
      pool: true,
      // One connection per email in flight: a send never waits for a connection while holding a database one.
      maxConnections: config.mailConcurrency,
      maxMessages: 500,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    return {
      destination: new URL(config.smtpUrl).host,
      send: counted(async (e) => {
        await transport.sendMail(message(e));
      }),
      close: () => transport.close(),
    };
  }

  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let folderReady: Promise<unknown> | undefined;
  return {
    destination: config.outboxDir,
    send: counted(async (e) => {
      folderReady ??= mkdir(config.outboxDir, { recursive: true });
      await folderReady;
      const info = await transport.sendMail(message(e));
      const file = join(config.outboxDir, `${e.messageId.replace(/[<>]/g, '').replace(/[^\w.@-]/g, '_')}.eml`);
      // Written whole or not at all: a crash never leaves half an email for a reader to open.
      await writeFile(`${file}.tmp`, info.message as Buffer);
      await rename(`${file}.tmp`, file);
    }),
    close: () => transport.close(),
  };
}

/**
 * A rejection the mail server means for good (5xx: no such mailbox, policy): retrying cannot help, so it is
 * recorded. Anything else (4xx, a refused or dropped connection, a timeout) is worth retrying.
 */
export function isPermanentRejection(err: unknown): boolean {
  const code = (err as { responseCode?: number }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** `<kind.id@host>`, the host being the public URL's. */
export function messageIdFor(kind: string, id: string, publicUrl: string): string {
  return `<${kind}.${id}@${new URL(publicUrl).hostname}>`;
}

/** The kind an email's Message-ID names first (`<digest.…@host>`: digest), for metrics and headers. */
export function emailKind(messageId: string): string {
  return /^<?([a-z-]+)/.exec(messageId)?.[1] ?? 'other';
}

const messageHost = (messageId: string) => /@([^>]+)>?$/.exec(messageId)?.[1] ?? 'localhost';
