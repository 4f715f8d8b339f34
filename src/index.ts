/**
 * The whole cell-facing API of lftf: `import * as lftf from "lftf"`.
 * Stages, in the order data flows: backend -> engine (models) -> data -> score -> metrics.
 */
export { initBackend, currentBackend, type BackendInfo } from './backend.js';
export { LftfError, isLftfError } from './errors.js';
export type * from './results.js';
export { LFTF_MIME } from './results.js';

// Engine
export { loadModel, saveModel, buildModel, embeddedModelDir } from './engine/checkpoint.js';
export { DecoderModel, TokenBatch, type ForwardOptions, type ForwardResult } from './engine/model.js';
export { TextTokenizer } from './engine/tokenizer.js';
export { parseConfig, readConfig, SUPPORTED_MODEL_TYPES, type ModelConfig } from './engine/config.js';
export { readSafetensors, parseSafetensors, writeSafetensors } from './engine/safetensors.js';
export { lmLoss, trainStep } from './engine/train.js';

// Data
export * from './data/index.js';

// Scoring and metrics
export { scorePronouns, type PromptRow } from './score/pronouns.js';
export { continuationLogProbs, planContinuations } from './score/continuations.js';
export { perplexity } from './score/perplexity.js';
export { scoreMultipleChoice, choiceLogLikelihoods } from './score/multiple-choice.js';
export { evaluate, type EvaluateOptions, type Evaluation } from './score/evaluate.js';
export * from './metrics/index.js';

// Notebook: one output carrying JSON (for the JupyterLab extension), HTML and text; progress.
export { display, toMimeBundle, toHtml, toText } from './notebook/display.js';
export { createProgress, type Progress, type ProgressInfo, type ProgressOptions } from './notebook/progress.js';

// LFTF: locate, tune, the whole pipeline.
export { rankBlocks, firstOrderScores, hiddenInfluenceScores, type RankOptions } from './lftf/locate.js';
export { tuneBlocks, TuneContext, snapshotBlocks, restoreBlocks, type TuneOptions, type TuneData } from './lftf/tune.js';
export { runDemo, prepareData, generalMetrics, type DemoOptions, type DemoSummary, type PreparedData } from './lftf/pipeline.js';
