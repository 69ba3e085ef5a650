import { createServer, type Server } from 'node:http';
import type { AppDeps } from './deps.js';
import { createApp } from './app.js';

/** Listens on the configured port; `close` stops accepting and waits for requests in flight. */
export async function startApi(deps: AppDeps): Promise<{ server: Server; close(): Promise<void> }> {
  const { app } = createApp(deps);
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.config.port, () => resolve());
  });
  const address = server.address();
  deps.logger.info(
    { port: typeof address === 'object' ? address?.port : address, url: deps.config.publicUrl },
    'API listening',
  );
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
