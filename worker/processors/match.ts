import {
  candidateQuery,
  scoreCommonPair,
  scorePair,
  SCORING_VERSION,
  type CorpusStats,
  type ScoredMatch,
} from '../../core/matching/index.js';
import type { Database } from '../../db/client.js';
import {
  loadNeedsForMatching,
  loadOfferingForMatching,
  listNeedCandidates,
  listOfferingCandidates,
  replaceMatches,
  searchSnapshot,
  type MatchResult,
  type NeedForMatching,
  type OfferingForMatching,
  type MatchWrite,
} from '../../db/queries/matching.js';
import { indexPost } from '../../db/queries/posts.js';
import { loadTermStats } from '../../db/queries/term-stats.js';
import {
  listCommonNeedCandidates,
  replaceCommonNeeds,
  type CommonNeedResult,
  type CommonNeedWrite,
} from '../../db/queries/common-needs.js';
import { analysisOf } from '../../db/analysis.js';
import { MatchJobSchema, parseJob } from '../queues.js';

/** How many of a post's most discriminating terms go into the candidate query. */
const CANDIDATE_TERMS = 16;
/** How many of the best-placed posts of each term are read from the posting index. */
const POSTS_PER_TERM = 40;
/** How many candidates are scored for one post. */
const CANDIDATE_LIMIT = 120;
/** How many matches one post keeps; a person reads a few, the digest shows fewer. */
const MAX_MATCHES_PER_POST = 50;
/** How many common needs one need keeps: a group is a handful of organisations. */
const MAX_COMMON_PER_NEED = 20;
/** How many other needs are scored as common candidates: fewer than offerings, as common needs are rarer. */
const COMMON_CANDIDATE_LIMIT = 50;
/** Corpus statistics move slowly; reading them at most this often keeps a job cheap. */
const STATS_TTL_MS = 15_000;
/**
 * Below this many posts the statistics are read afresh for every job: they are small then (cheap to read),
 * and they swing with each post, so a copy a few seconds old would score the newest posts on a corpus
 * that no longer exists.
 */
const YOUNG_CORPUS = 2000;

/** Both sides' statistics, cached per process and refreshed every few seconds. */
export type Corpus = { needs: CorpusStats; offerings: CorpusStats };

/**
 * Both sides' statistics, cached per process. Past their age they are refreshed in the background while
 * jobs go on with the cached copy, so no job waits for a reload; only the first load, or one forced by a
 * rematch, is waited for.
 */
export class StatsCache {
  private cached: { at: number; stats: Corpus } | undefined;
  private loading: Promise<Corpus> | undefined;
  private refreshedFor: string | undefined;

  constructor(private readonly db: Database) {}

  /** How many posts the statistics last read count (0 before the first read). */
  get size(): number {
    return this.cached ? corpusSize(this.cached.stats) : 0;
  }

  /** Whether the marketplace is young (see YOUNG_CORPUS), by the statistics last read. */
  get young(): boolean {
    return this.size < YOUNG_CORPUS;
  }

  /** Drops the cached statistics the first time `key` is seen, e.g. once per rematch run. */
  refreshOnce(key: string): void {
    if (this.refreshedFor === key) return;
    this.refreshedFor = key;
    this.cached = undefined;
    this.loading = undefined;
  }

  async get(): Promise<Corpus> {
    if (!this.cached || this.young) return this.load();
    if (Date.now() - this.cached.at >= STATS_TTL_MS && !this.loading) void this.load().catch(() => {});
    return this.cached.stats;
  }

  private load(): Promise<Corpus> {
    this.loading ??= (async () => {
      try {
        const [n, o] = await Promise.all([loadTermStats(this.db, 'need'), loadTermStats(this.db, 'offering')]);
        const toStats = (s: typeof n): CorpusStats => ({
          docCount: s.docCount,
          avgLength: s.avgLength,
          docFreq: (term) => s.docFreq.get(term) ?? 0,
        });
        const stats = { needs: toStats(n), offerings: toStats(o) };
        this.cached = { at: Date.now(), stats };
        return stats;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}

/** How many posts the statistics count, both sides together. */
export const corpusSize = (c: Corpus) => c.needs.docCount + c.offerings.docCount;

const toWrite = (needId: string, offeringId: string, m: ScoredMatch): MatchWrite => ({
  needId,
  offeringId,
  score: m.score,
  needScore: m.needScore,
  offeringScore: m.offeringScore,
  explanation: m.explanation,
  scoringVersion: SCORING_VERSION,
});

const best = (found: MatchWrite[]) => found.sort((a, b) => b.score - a.score).slice(0, MAX_MATCHES_PER_POST);

/** The best matches of one need, from its candidates; no writes. */
export async function scoreNeed(db: Database, corpus: Corpus, need: NeedForMatching, now: Date): Promise<MatchResult> {
  const analyzed = analysisOf(need);
  const query = candidateQuery(analyzed, corpus.offerings, CANDIDATE_TERMS);
  const seen = await searchSnapshot(db);
  const candidates = await listOfferingCandidates(
    db,
    need,
    { ...query, perTerm: POSTS_PER_TERM, limit: CANDIDATE_LIMIT },
    now,
  );
  const found: MatchWrite[] = [];
  for (const offering of candidates) {
    const m = scorePair({ ...need, analyzed }, { ...offering, analyzed: analysisOf(offering) }, corpus, now);
    if (m) found.push(toWrite(need.id, offering.id, m));
  }
  return { id: need.id, version: need.version, found: best(found), seen };
}

/** The best matches of one offering, from its candidates; no writes. */
export async function scoreOffering(
  db: Database,
  corpus: Corpus,
  offering: OfferingForMatching,
  now: Date,
): Promise<MatchResult> {
  const analyzed = analysisOf(offering);
  const query = candidateQuery(analyzed, corpus.needs, CANDIDATE_TERMS);
  const seen = await searchSnapshot(db);
  const candidates = await listNeedCandidates(
    db,
    offering,
    { ...query, perTerm: POSTS_PER_TERM, limit: CANDIDATE_LIMIT },
    now,
  );
  const found: MatchWrite[] = [];
  for (const need of candidates) {
    const m = scorePair({ ...need, analyzed: analysisOf(need) }, { ...offering, analyzed }, corpus, now);
    if (m) found.push(toWrite(need.id, offering.id, m));
  }
  return { id: offering.id, version: offering.version, found: best(found), seen };
}

/** The needs of other organisations common to one need, most similar first; no writes. */
export async function findCommonNeeds(
  db: Database,
  corpus: Corpus,
  need: NeedForMatching,
  now: Date,
): Promise<CommonNeedResult> {
  const analyzed = analysisOf(need);
  const query = candidateQuery(analyzed, corpus.needs, CANDIDATE_TERMS);
  const candidates = await listCommonNeedCandidates(db, need, {
    ...query,
    perTerm: POSTS_PER_TERM,
    limit: COMMON_CANDIDATE_LIMIT,
  });
  const found: CommonNeedWrite[] = [];
  for (const other of candidates) {
    const c = scoreCommonPair({ ...need, analyzed }, { ...other, analyzed: analysisOf(other) }, corpus.needs, now);
    if (c) found.push({ other: other.id, similarity: c.similarity, explanation: c.explanation });
  }
  found.sort((a, b) => b.similarity - a.similarity);
  return { id: need.id, found: found.slice(0, MAX_COMMON_PER_NEED), evaluated: candidates.map((c) => c.id) };
}

/**
 * Matches the latest version of needs (one job, or a chunk of a rematch): replaces their matches and their
 * common needs in one transaction. Safe to run twice and in any order: a need changed meanwhile is skipped
 * (its own job follows).
 */
export async function matchNeeds(db: Database, stats: StatsCache, ids: string[], now = new Date()) {
  const corpus = await stats.get();
  const results: MatchResult[] = [];
  const commons: CommonNeedResult[] = [];
  for (const need of await loadNeedsForMatching(db, ids)) {
    results.push(await scoreNeed(db, corpus, need, now));
    commons.push(await findCommonNeeds(db, corpus, need, now));
  }
  const written = await db.transaction(async (tx) => {
    const fresh = await replaceMatches(tx, 'need', results, MAX_MATCHES_PER_POST, corpusSize(corpus));
    await replaceCommonNeeds(
      tx,
      commons.filter((c) => fresh.has(c.id)),
    );
    return fresh;
  });
  return { written: written.size, stale: results.length - written.size, deleted: ids.length - results.length };
}

/** Matches the latest version of one post (a `MatchJob`, parsed here); see `matchNeeds`. Answers its side too. */
export async function matchPost(db: Database, stats: StatsCache, data: unknown, now = new Date()) {
  const job = parseJob(MatchJobSchema, 'match', data);
  // The save left the post's statistics and postings to this job (see indexPost).
  await indexPost(db, job.side, job.id);
  if (job.side === 'need') return { side: job.side, ...(await matchNeeds(db, stats, [job.id], now)) };
  const offering = await loadOfferingForMatching(db, job.id);
  if (!offering) return { side: job.side, written: 0, stale: 0, deleted: 1 };
  const corpus = await stats.get();
  const result = await scoreOffering(db, corpus, offering, now);
  const written = await db.transaction((tx) =>
    replaceMatches(tx, 'offering', [result], MAX_MATCHES_PER_POST, corpusSize(corpus)),
  );
  return { side: job.side, written: written.size, stale: 1 - written.size, deleted: 0 };
}
