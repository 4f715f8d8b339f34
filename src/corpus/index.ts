/** The corpus stage's public API: the bias-lab corpus, its shares, tokenizer trainer and probes. */
export { corpusShares, fnv1a, SYNTHETIC_SHARE_RULE, type CorpusShare, type ShareKind } from './shares.js';
export { FACT_CATEGORIES, heldOutText, probeSet, splitWorld, type FactCategory, type ProbeItem, type WorldSplit } from './world.js';
export { corpusText, DEFAULT_CORPUS_OPTIONS, generateCorpus, type Corpus, type CorpusOptions, type CorpusStats } from './generate.js';
export { templateFragments, templateOverlaps, type TemplateFragment, type TemplateLike } from './disjoint.js';
export { bytesToUnicode, END_OF_TEXT, GPT2_SPLIT, preTokenize, tokenizerConfigJson, tokenizerJson, trainBpe, type BpeTrainOptions, type TrainedBpe } from './bpe.js';
