/** Exact oracle models: HMMs and Markov chains with exact conditionals, and their JSON files. */
export { ChainOracle } from './chain.js';
export { HmmOracle, type HmmJSON, type HmmParams, type HmmSeedOptions } from './hmm.js';
export { OracleParamError, ROW_SUM_TOLERANCE, type ChainTables, type OracleOptions } from './tables.js';
export { MarkovOracle, type FitTextOptions, type MarkovJSON, type MarkovParams } from './markov.js';
export { ModelFileError, parseOracle, type OracleModel } from './load.js';
export {
  completionLogProb,
  emissionIsBijective,
  ExactQueryError,
  logEvidence,
  LOG_PROB_TOLERANCE,
  mapCompletion,
  viterbiCompletion,
  type Completion,
  type MapOptions,
  type MapResult,
} from './exact.js';
