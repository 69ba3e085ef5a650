/**
 * `npm run rematch`: rebuilds every match from scratch on the configured database. The work is done by
 * the running workers (start some with `npm run worker`); this command queues it and shows progress, and
 * gives up when no post has been matched for `--stall-timeout` seconds. `--help` lists the options.
 */
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { prepareDatabase } from '../db/migrate.js';
import { startRematch } from '../worker/queues.js';
import { matchingQueue, producerConnection } from '../worker/queues.js';
import { cliProgram, exitOnError, seconds, stallWatch } from './cli.js';

async function main() {
  const program = cliProgram(
    'npm run rematch --',
    'Rebuilds every match from scratch on the configured database: queues the work for the running workers ' +
      '(start some with `npm run worker`) and shows their progress.',
  )
    .option(
      '--stall-timeout <seconds>',
      'give up (exit code 1) when no post has been matched for this long',
      seconds,
      120,
    )
    .parse();
  const { stallTimeout } = program.opts<{ stallTimeout: number }>();
  const config = loadConfig();
  await prepareDatabase(config.databaseUrl);
  const db = connectDatabase(config.databaseUrl, { max: 2 });
  const redis = producerConnection(config.redisUrl, { enableOfflineQueue: true });
  try {
    const queue = matchingQueue(redis, config.queuePrefix);
    const run = await startRematch(db.db, queue);
    await queue.close();
    const total = async () =>
      (
        await db.sql<{ n: number }[]>`
          select (select count(*) from needs)::int + (select count(*) from offerings)::int as n`
      )[0]!.n;
    const pending = async () =>
      (
        await db.sql<{ n: number }[]>`
          select (select count(*) from needs where matched_version is distinct from version)::int
               + (select count(*) from offerings where matched_version is distinct from version)::int as n`
      )[0]!.n;
    const all = await total();
    console.log(`rematch ${run.runId}: ${run.chunks} jobs queued; the workers do the work`);
    const bar = new SingleBar(
      { format: 'matching {bar} {value}/{total} posts | {duration_formatted}' },
      Presets.shades_classic,
    );
    const checkProgress = stallWatch(
      stallTimeout,
      (done) =>
        `No post has been matched in ${stallTimeout} s (${done} of ${all} done): is a worker running? ` +
        'Start one with `npm run worker`; it needs PostgreSQL and Redis. The queued work waits for it, ' +
        'or run the command again to start over.',
    );
    bar.start(all, 0);
    try {
      for (let left = await pending(); left > 0; left = await pending()) {
        bar.update(all - left);
        checkProgress(all - left);
        await new Promise((r) => setTimeout(r, 500));
      }
      bar.update(all);
    } finally {
      bar.stop();
    }
  } finally {
    redis.disconnect();
    await db.close();
  }
}

main().catch(exitOnError);
