import type { Database } from '../../db/client.js';
import { recordRematchProgress } from '../../db/queries/rematch.js';
import { parseJob, RematchJobSchema, type RematchJob } from '../queues.js';
import { matchNeeds, type StatsCache } from './match.js';

/** A chunk of a full rematch, as worker/index.ts names it; the job is started by `startRematch` (worker/queues.ts). */
export type RematchChunk = RematchJob;

/**
 * Matches one chunk of a full rematch. Matching a need replaces all of its matches, so the chunks rebuild
 * every match; each is idempotent, so a worker killed half-way only means its chunk runs again.
 */
export async function rematchNeeds(db: Database, stats: StatsCache, data: unknown) {
  const chunk = parseJob(RematchJobSchema, 'rematch-needs', data);
  // The rematch recounted the statistics: score with those, not with a copy cached before it.
  stats.refreshOnce(chunk.runId);
  const result = await matchNeeds(db, stats, chunk.ids);
  await recordRematchProgress(db, chunk.runId);
  return result;
}

// scripts/rematch.ts and bench/matching.ts (files another change owns) start a rematch through this path.
