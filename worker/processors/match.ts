import { candidateTerms, scorePair, type CorpusStats, type ScoredMatch } from '../../core/matching/index.js';
import type { Database } from '../../db/client.js';
import {
  loadNeedForMatching,
  loadOfferingForMatching,
  needCandidates,
  offeringCandidates,
  replaceMatchesOf,
  unmatchedPosts,
  type MatchWrite,
} from '../../db/queries/matches.js';
import { loadTermStats } from '../../db/queries/term-stats.js';
import { analysisOf } from '../../db/analysis.js';
import type { MatchJob } from '../queues.js';

/** How many of a post's most discriminating terms go into the candidate query. */
const CANDIDATE_TERMS = 24;
/** How many candidates are scored for one post. */
const CANDIDATE_LIMIT = 800;
/** How many matches one post keeps; a person reads a few, the digest shows fewer. */
const MAX_MATCHES_PER_POST = 50;
/** Corpus statistics move slowly; reading them at most this often keeps a job cheap. */
const STATS_TTL_MS = 15_000;

/** Both sides' statistics, cached per process and refreshed every few seconds. */
export class StatsCache {
  private cached: { at: number; stats: { needs: CorpusStats; offerings: CorpusStats } } | undefined;
  constructor(private readonly db: Database) {}

  invalidate(): void {
    this.cached = undefined;
  }

  async get(): Promise<{ needs: CorpusStats; offerings: CorpusStats }> {
    if (this.cached && Date.now() - this.cached.at < STATS_TTL_MS) return this.cached.stats;
    const [n, o] = await Promise.all([loadTermStats(this.db, 'need'), loadTermStats(this.db, 'offering')]);
    const toStats = (s: typeof n): CorpusStats => ({
      docCount: s.docCount,
      avgLength: s.avgLength,
      docFreq: (term) => s.docFreq.get(term) ?? 0,
    });
    const stats = { needs: toStats(n), offerings: toStats(o) };
    this.cached = { at: Date.now(), stats };
    return stats;
  }
}

const toWrite = (needId: string, offeringId: string, m: ScoredMatch): MatchWrite => ({
  needId,
  offeringId,
  score: m.score,
  needScore: m.needScore,
  offeringScore: m.offeringScore,
  explanation: m.explanation,
});

const best = (found: MatchWrite[]) => found.sort((a, b) => b.score - a.score).slice(0, MAX_MATCHES_PER_POST);

/**
 * Matches the latest version of one post against the other side and replaces its matches. Safe to run
 * twice and in any order: the write is skipped when the post changed meanwhile (its own job follows).
 */
export async function matchPost(db: Database, stats: StatsCache, job: MatchJob, now = new Date()) {
  const corpus = await stats.get();
  if (job.side === 'need') {
    const need = await loadNeedForMatching(db, job.id);
    if (!need) return { outcome: 'deleted' as const };
    const analyzed = analysisOf(need);
    const terms = candidateTerms(analyzed, corpus.offerings, CANDIDATE_TERMS);
    const candidates = await offeringCandidates(db, need, terms, CANDIDATE_LIMIT, now);
    const found: MatchWrite[] = [];
    for (const offering of candidates) {
      const m = scorePair({ ...need, analyzed }, { ...offering, analyzed: analysisOf(offering) }, corpus, now);
      if (m) found.push(toWrite(need.id, offering.id, m));
    }
    const outcome = await db.transaction((tx) => replaceMatchesOf(tx, 'need', need.id, need.version, best(found)));
    return { outcome, candidates: candidates.length, matches: Math.min(found.length, MAX_MATCHES_PER_POST) };
  }
  const offering = await loadOfferingForMatching(db, job.id);
  if (!offering) return { outcome: 'deleted' as const };
  const analyzed = analysisOf(offering);
  const terms = candidateTerms(analyzed, corpus.needs, CANDIDATE_TERMS);
  const candidates = await needCandidates(db, offering, terms, CANDIDATE_LIMIT, now);
  const found: MatchWrite[] = [];
  for (const need of candidates) {
    const m = scorePair({ ...need, analyzed: analysisOf(need) }, { ...offering, analyzed }, corpus, now);
    if (m) found.push(toWrite(need.id, offering.id, m));
  }
  const outcome = await db.transaction((tx) =>
    replaceMatchesOf(tx, 'offering', offering.id, offering.version, best(found)),
  );
  return { outcome, candidates: candidates.length, matches: Math.min(found.length, MAX_MATCHES_PER_POST) };
}

export async function sweepUnmatched(db: Database): Promise<MatchJob[]> {
  return unmatchedPosts(db);
}
