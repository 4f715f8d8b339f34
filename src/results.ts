/**
 * Plain-data result shapes that every stage returns and every display (terminal, notebook
 * MIME bundle, JupyterLab extension, HTML report) consumes. No tensors here: numbers only.
 * The `kind` field selects the renderer; the MIME type is application/vnd.lftf.v1+json.
 */

export interface Estimate {
  value: number;
  /** Seeded bootstrap 95% confidence interval, [lo, hi]. */
  ci: [number, number];
}

/** One scored prompt. */
export interface ItemScore {
  id: string;
  dataset: 'genbias' | 'genhint';
  profession: string;
  template_id: string;
  scale: 'word' | 'phrase' | 'sentence';
  prompt: string;
  hint: 'male' | 'female' | null;
  p_he: number;
  p_she: number;
}

export interface BiasMetrics {
  afgb: Estimate;
  ub: Estimate;
  mass: Estimate;
  signed: Estimate;
  afgb_norm: Estimate;
}

export interface ProfessionRow {
  profession: string;
  n: number;
  p_he: number;
  p_she: number;
  signed: number;
  afgb: number;
  /** Real-world female share in [0,1] where a source is known, else null. */
  female_share: number | null;
}

export interface ScaleRow {
  scale: string;
  n: number;
  afgb: number;
  signed: number;
  mass: number;
}

export interface MultipleChoiceResult {
  task: string;
  n: number;
  acc: number;
  acc_norm: number;
}

export interface ScoresResult {
  kind: 'scores';
  model: string;
  backend: string;
  split: string;
  metrics: BiasMetrics;
  ppl?: number;
  mc?: MultipleChoiceResult[];
  by_profession: ProfessionRow[];
  by_scale: ScaleRow[];
}

export interface BmiRow {
  block: number;
  /** Exact BMI: relative dev-AFGB reduction after tuning this block alone (ours). */
  score: number;
  d_ub: number;
  d_ppl: number;
  first_order: number;
  hidden_influence: number;
}

export interface BmiResult {
  kind: 'bmi';
  model: string;
  blocks: BmiRow[];
  /** Spearman rho of each fast estimator against exact BMI. */
  rho: { first_order: number; hidden_influence: number };
  top_block: number;
}

export interface LossStep {
  step: number;
  loss: number;
  fair: number;
  hint: number;
  mass: number;
  keep: number;
  /** Dev metrics where evaluated at this step. */
  dev_afgb?: number;
  dev_ub?: number;
  dev_ppl?: number;
}

export interface TuningRunResult {
  kind: 'tuning-run';
  model: string;
  blocks: number[];
  steps: LossStep[];
  best_step: number;
  trainable_params: number;
  wall_s: number;
}

export interface GeneralMetrics {
  afgb: number;
  ub: number;
  mass: number;
  ppl: number;
  mc: number;
}

export interface ComparisonRow {
  method: string;
  blocks: number[];
  before: GeneralMetrics;
  after: GeneralMetrics;
  trainable_params: number;
  wall_s: number;
  /** Set when this row repeats an identical configuration and reuses its run (same numbers). */
  reused_from?: string;
}

export interface ComparisonResult {
  kind: 'comparison';
  model: string;
  rows: ComparisonRow[];
}

export type LftfResult = ScoresResult | BmiResult | TuningRunResult | ComparisonResult;
export const LFTF_MIME = 'application/vnd.lftf.v1+json';
