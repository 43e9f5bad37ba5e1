/**
 * `infogain`: the environment-neutral entry (browsers, workers, Node, Deno). Nothing reachable
 * from here imports `node:*` (test/api-entries.test.ts walks the import graph). The Node entry
 * (`infogain/node`, src/node.ts) adds model directories, built-in models by name and the eval
 * harness. Reference: docs/api.md.
 */
// The core calls
export { loadModel, ModelLoadError, type LoadModelOptions, type ModelSource, type OnnxModelSource, type OracleModelSource } from './api/load.js';
export { decode, generate, type DecodeCallOptions, type DecodeEvent, type DoneEvent, type GenerateBatchResult, type GenerateResult, type SequenceEvent, type StepEvent } from './api/decode.js';
export { DEFAULT_GEN_LENGTH, type Model } from './api/model.js';
export { outputText, promptCanvas, type Prompt, type PromptCanvas } from './api/prompt.js';
export { ResourceError, type BinaryResource, type JsonResource } from './api/resources.js';
export { SAMPLER_NAMES, type ParamsFor, type SamplerName, type SamplerParamsByName } from './api/sampler-params.js';

// Samplers and their parameters
export { SAMPLERS, samplerByName } from './samplers/index.js';
export type { AnySampler, BeamStrategy, BestOfStrategy, CandidateScore, Commit, PrepareContext, SamplerSpec, SequenceStrategy } from './samplers/sampler.js';
export { defineParams, ParamError, resolveParams, type ParamSchema, type Params, type ParamsOf, type ParamSpec, type ParamValue } from './samplers/params.js';

// The decode loop, lower level: entries, the batch driver, traces
export { DECODE_PARAMS, type DecodeConfig, type DecodeParams } from './decode/config.js';
export { prepareEntry, resolveEntry, type DecodeEntry } from './decode/entry.js';
export { decodeBatch, type BatchStats, type DecodeOptions } from './decode/run.js';
export type { SequenceInput } from './decode/sequence.js';
export { CanvasLengthError } from './decode/limits.js';
export { parseTrace, TRACE_FORMAT, TRACE_VERSION, type BeamEntry, type BeamStep, type SequenceTotals, type SequenceTrace, type StepKind, type StepRecord, type Trace } from './decode/trace.js';

// Models: cards, the ONNX backend, tokenizers, exact oracles
export { CardError, parseCard, type ModelCard } from './models/card.js';
export { resolveCardJson } from './models/card-json.js';
export type { Denoiser, ForwardRequest, ForwardRow } from './models/denoiser.js';
export { GraphError, OnnxDenoiser, type OrtRuntime } from './models/onnx.js';
export type { OnnxOptions } from './models/onnx-graph.js';
export { PRESETS } from './models/presets.js';
export { HfTokenizer, type ChatMessage } from './models/tokenizer.js';
export { TokenizerFileError } from './models/tokenizer-error.js';
export { ChainOracle, HmmOracle, MarkovOracle, ModelFileError, OracleParamError, parseOracle, type OracleModel } from './models/oracles/index.js';
export { isOracle, type Oracle } from './models/oracle.js';

// Tasks' pure parts: encoding examples for the built-in models, checking answers
export { sudokuTask, type SudokuExample } from './tasks/sudoku/task.js';
export { countdownTask } from './tasks/countdown/task.js';
export type { Encoded, ModelView, Outcome, Task, TaskName } from './tasks/task.js';
export * as sudoku from './tasks/sudoku.js';
export * as countdown from './tasks/countdown.js';
