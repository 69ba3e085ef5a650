/**
 * `npm run rematch`: rebuilds every match from scratch on the configured database. The work is done by
 * the running workers (start some with `npm run worker`); this command queues it and shows progress.
 */
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config.js';
import { connectDatabase } from '../db/client.js';
import { prepareDatabase } from '../db/migrate.js';
import { startRematch } from '../worker/processors/rematch.js';
import { matchingQueue, producerConnection } from '../worker/queues.js';

async function main() {
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
    bar.start(all, 0);
    for (let left = await pending(); left > 0; left = await pending()) {
      bar.update(all - left);
      await new Promise((r) => setTimeout(r, 500));
    }
    bar.update(all);
    bar.stop();
  } finally {
    redis.disconnect();
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
