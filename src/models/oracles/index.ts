/** Exact oracle models: HMMs and Markov chains with exact conditionals, and their JSON files. */
export {
  ChainOracle,
  HmmOracle,
  OracleParamError,
  ROW_SUM_TOLERANCE,
  type ChainTables,
  type HmmJSON,
  type HmmParams,
  type HmmSeedOptions,
  type OracleOptions,
} from './hmm.js';
export { MarkovOracle, type FitTextOptions, type MarkovJSON, type MarkovParams } from './markov.js';
export { loadOracleFile, ModelFileError, parseOracle, type OracleModel } from './load.js';
