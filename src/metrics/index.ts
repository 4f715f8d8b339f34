/** Public face of the metrics stage: bias metrics, bootstrap, ranks, multiple-choice accuracy. */
export {
  afgbScore,
  ubScore,
  massScore,
  signedBias,
  normalizedAfgb,
  metricItems,
  estimateMetric,
  biasMetrics,
  ubResampleUnits,
  byProfession,
  byScale,
} from './bias.js';
export type {
  BiasMetricName,
  MetricItem,
  EstimateWithItems,
  EstimateOptions,
  BiasMetricsWithItems,
  FemaleShares,
  ResampleUnits,
} from './bias.js';
export {
  bootstrapMean,
  bootstrapGroupedMean,
  quantileSorted,
  DEFAULT_RESAMPLES,
  DEFAULT_SEED,
  DEFAULT_LEVEL,
} from './bootstrap.js';
export type { BootstrapOptions } from './bootstrap.js';
export { spearmanRho, averageRanks, rankDescending, orderDescending } from './rank.js';
export {
  arcToItem,
  openbookqaToItem,
  copaToItem,
  genericToItem,
  detectSchema,
  isMcTask,
  parseMultipleChoiceJsonl,
  readMultipleChoiceJsonl,
  mcAccuracy,
  TARGET_DELIMITER,
} from './multiple-choice.js';
export type {
  McSchema,
  McTask,
  MultipleChoiceItem,
  MultipleChoiceDataset,
  MultipleChoiceItemResult,
  MultipleChoiceAccuracy,
} from './multiple-choice.js';
