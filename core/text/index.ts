export { normalizeText, tokenize, lightStem, type Token } from './tokenize.js';
export { foldSpelling } from './spelling.js';
export { stem, porter2 } from './stem.js';
export { STOP_WORDS, isStopWord } from './stopwords.js';
export { findConcepts, allConcepts, CONCEPT_PREFIX, type ConceptMatch } from './thesaurus.js';
export { THESAURUS, SHADOWING_PHRASES, type ThesaurusGroup } from './thesaurus-data.js';
export { addText, analyzeText, emptyBag, termOf, TERM_WEIGHTS, type TermBag } from './analyze.js';
