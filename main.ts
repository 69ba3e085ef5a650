import { Argument } from 'commander';
import { pino } from 'pino';
import { ConfigError, configWarnings, loadConfig } from './config.js';
import { connectDatabase } from './db/client.js';
import { prepareDatabase } from './db/migrate.js';
import { startApi } from './api/server.js';
import { matchingQueue, notificationsQueue, producerConnection } from './worker/queues.js';
import { startWorker } from './worker/index.js';
import { startMetricsServer } from './worker/metrics.js';
import { cliProgram } from './scripts/cli.js';

const ROLES = ['api', 'worker', 'all'];

/**
 * `node dist/main.js [api|worker|all]`: the API, a worker, or both in one process (the default).
 * Any number of worker processes may run beside one or more APIs.
 */
async function main(): Promise<void> {
  const program = cliProgram(
    'node dist/main.js',
    'Runs Roadmatch: the API, a worker, or both in one process. Configured by environment variables (see the README).',
  )
    .addArgument(new Argument('[role]', 'api, worker or all').default('all'))
    .parse();
  const role = program.processedArgs[0] as string;
  if (!ROLES.includes(role)) {
    console.error(`Unknown role "${role}": use api, worker or all.`);
    process.exit(64);
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
  const logger = pino({ level: config.logLevel, base: { role } });
  for (const warning of configWarnings(config)) logger.warn(warning);
  await prepareDatabase(config.databaseUrl);
  logger.info('database ready');

  const stops: (() => Promise<void>)[] = [];
  // Every job in flight may hold a connection (digests hold theirs while the mail server answers).
  const database = connectDatabase(config.databaseUrl, {
    max: role === 'api' ? 10 : 10 + config.workerConcurrency + config.mailConcurrency,
  });
  stops.push(database.close);

  if (role === 'worker' || role === 'all') {
    const worker = await startWorker({ config, logger, db: database.db });
    stops.unshift(worker.close);
  }
  // A worker alone serves its metrics on its own port; under `all` the API serves them at /metrics.
  if (role === 'worker' && config.metricsPort) {
    const server = await startMetricsServer(config.metricsPort, config.metricsToken);
    logger.info({ port: config.metricsPort }, 'worker metrics listening');
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  }
  if (role === 'api' || role === 'all') {
    const redis = producerConnection(config.redisUrl);
    redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
    const queue = matchingQueue(redis, config.queuePrefix);
    const notifications = notificationsQueue(redis, config.queuePrefix);
    const api = await startApi({
      config,
      logger,
      db: database.db,
      redis,
      matchingQueue: queue,
      notificationsQueue: notifications,
    });
    // The HTTP server closes first, so that no request enqueues into a closed queue.
    stops.unshift(async () => {
      await queue.close();
      await notifications.close();
      redis.disconnect();
    });
    stops.unshift(api.close);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests and jobs in flight');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000).unref();
    for (const stop of stops) await stop().catch((err: Error) => logger.error({ err }, 'error during shutdown'));
    clearTimeout(force);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
