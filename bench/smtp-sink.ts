/**
 * A local SMTP server that accepts every message and counts them, run as its own process by
 * `bench/digest.ts` so that receiving mail does not share the worker's event loop. Answers `count` over IPC.
 */
import { SMTPServer } from 'smtp-server';

let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
server.listen(Number(process.env.SINK_PORT ?? 0), '127.0.0.1', () => {
  const address = server.server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (m) => {
  if (m === 'count') process.send?.({ received });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
