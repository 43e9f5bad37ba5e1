/**
 * The text task: character-level TinyShakespeare. A reference judge, diversity and degeneracy
 * checks, held-out evaluation sets and a bigram baseline; all randomness comes from `core/rng`.
 *
 * The parts, under text/ (each file's comment describes its part in full):
 *  - judge.ts: the judge, a character n-gram model with interpolated modified Kneser–Ney
 *    smoothing, fitted on the generator's training 95% only;
 *  - scoring.ts: diversity (distinct-n), degeneracy, and a text's score under the judge;
 *  - sets.ts: the corpus split and the evaluation sets (infilling and unconditional windows);
 *  - bigram.ts: the bigram-chain baseline, the task's model-independent reference;
 *  - files.ts (Node only): the committed judge table and held-out text, judge table files, and the
 *    set generators bound to the held-out text (exported here under the names of sets.ts's).
 * All but files.ts are environment-neutral. The task adapter (encoding, grading) is in index.ts;
 * the paired win rate of judge scores (`winRate`, `comparePairs`) is in eval/stats.ts.
 */
export { BigramChain, bigramBaseline, bigramInfill } from './text/bigram.js';
export { TextTaskError } from './text/error.js';
export {
  generateSet,
  generateUnconditional,
  HELDOUT_PATH,
  JUDGE_PATH,
  loadHeldout,
  loadShakespeareJudge,
  readJudgeFile,
  writeJudgeFile,
} from './text/files.js';
export { NgramJudge, type LogProbOptions, type NgramFitOptions, type NgramJudgeJSON, type NgramLevelJSON } from './text/judge.js';
export { degeneracy, distinctN, isDegenerate, scoreText, type DegeneracyOptions, type TextScore } from './text/scoring.js';
export {
  generateInfilling,
  MASK_CHAR,
  splitCorpus,
  TRAIN_FRACTION,
  type CorpusSplit,
  type DefaultPassages,
  type InfillingExample,
  type InfillingOptions,
  type TextExample,
  type TextSetOptions,
  type UnconditionalExample,
  type UnconditionalOptions,
  type WindowOptions,
} from './text/sets.js';
