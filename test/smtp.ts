import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  raw: string;
  parsed: ParsedMail;
}

/** An answer the server gives instead of accepting a recipient: a 4xx (try later) or a 5xx (never). */
export type Refusal = { code: number; message: string } | null;

/**
 * A real SMTP server in this process, on loopback. It keeps every message it accepted (parsed with
 * mailparser), and can refuse recipients, stop as a mail server shutting down does, and start again on the
 * same port with the same mailbox.
 */
export async function startSmtp(options: { port?: number; refuse?: (to: string) => Refusal } = {}) {
  const received: ReceivedMail[] = [];
  let parsing: Promise<unknown>[] = [];
  let server: SMTPServer | undefined;
  let refuse = options.refuse ?? (() => null);

  async function listen(port: number): Promise<number> {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 1024 * 1024,
      closeTimeout: 200,
      onRcptTo(address, _session, callback) {
        const refusal = refuse(address.address);
        if (!refusal) return callback();
        callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const to = session.envelope.rcptTo.map((r) => r.address).join(',');
          parsing.push(simpleParser(raw).then((parsed) => received.push({ to, raw, parsed })));
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => {});
    return (server.server.address() as AddressInfo).port;
  }

  const port = await listen(options.port ?? 0);
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    /** Every message accepted so far, parsed. */
    async messages(): Promise<ReceivedMail[]> {
      await Promise.all(parsing);
      parsing = [];
      return received;
    },
    async to(address: string) {
      return (await this.messages()).filter((m) => m.to === address);
    },
    setRefusal(f: (to: string) => Refusal) {
      refuse = f;
    },
    /** Waits until `count` messages have arrived. */
    async waitFor(count: number, timeoutMs = 20_000): Promise<ReceivedMail[]> {
      const deadline = Date.now() + timeoutMs;
      while ((await this.messages()).length < count) {
        if (Date.now() > deadline) throw new Error(`${received.length} of ${count} messages arrived`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return received;
    },
    /**
     * Goes down as a mail server does: new transactions get 421 for a moment while those in flight finish,
     * then the port closes and open connections are dropped.
     */
    async stop() {
      const before = refuse;
      refuse = () => ({ code: 421, message: 'Service shutting down, try again later' });
      await new Promise((r) => setTimeout(r, 300));
      await new Promise<void>((resolve) => server!.close(() => resolve()));
      refuse = before;
    },
    async restart() {
      await listen(port);
    },
  };
}

export type TestSmtp = Awaited<ReturnType<typeof startSmtp>>;

/** The links of a text part, by their label ("Request an introduction: URL"). */
export function linksIn(text: string, label: string): string[] {
  const re = new RegExp(`${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (\\S+)`, 'g');
  return [...text.matchAll(re)].map((m) => m[1]!);
}
