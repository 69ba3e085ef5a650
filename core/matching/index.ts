// The matching engine: pure functions, no I/O. Analyse each post once (analyzePost), keep corpus
// statistics per side (buildCorpusStats or corpusStatsFrom), then scorePair each candidate pair.
// Reuse the same CorpusStats object across pairs: per-post query preparation is cached against it.

export {
  analyzePost,
  indexTerms,
  isRequestSentence,
  analyzedToJson,
  analyzedFromJson,
  ANALYSIS_VERSION,
  FIELD_WEIGHTS,
  type AnalyzedText,
  type AnalyzedTextJson,
} from './analysis.js';
export { buildCorpusStats, corpusStatsFrom, coverage, idf, termContributions, BM25, type CorpusStats } from './bm25.js';
export {
  capabilityCoverage,
  sharedCapabilities,
  trlFit,
  trlDistance,
  partnershipFactor,
  partnershipFit,
  UNSTATED_PARTNERSHIP_FIT,
  commonPartnershipTypes,
  SAME_AREA_CREDIT,
  TRL_FACTORS,
  NO_COMMON_PARTNERSHIP_FACTOR,
  type TrlFit,
} from './fit.js';
export {
  explain,
  matchedTerms,
  sentenceList,
  partnershipPhrase,
  trlPhrase,
  trlRange,
  MAX_EXPLANATION_TERMS,
  SUMMARY_TERMS,
  type MatchExplanation,
} from './explain.js';
export {
  isDomainTerm,
  isDomainPhrase,
  isRareTerm,
  isConcept,
  termShare,
  CAPABILITY_TERMS,
  RARE_SHARE,
  RARE_MIN_DF,
} from './domain.js';
export {
  scorePair,
  scoreComponents,
  rankScore,
  SCORING_VERSION,
  relevanceOf,
  exclusionReason,
  candidateTerms,
  MATCH_THRESHOLD,
  MATCH_RULE,
  pairEvidence,
  MODALITY_MISMATCH_FACTOR,
  modalityFactor,
  WEIGHTS,
  type MatchableNeed,
  type MatchableOffering,
  type ScoredMatch,
  type PairComponents,
} from './score.js';
export { termImpacts, candidateQuery } from './candidates.js';
export * from './common.js';
