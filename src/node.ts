/**
 * `infogain/node`: everything of the environment-neutral entry, plus what needs Node: model
 * directories and oracle files on disk, the built-in models by name, onnxruntime-node as the
 * default runtime, the task registry with data files, and the eval harness. Reference: docs/api.md.
 */
export * from './index.js';
// Replaces the neutral loadModel: also built-in names and paths; the runtime defaults to onnxruntime-node.
export { loadModel, nodeRuntime, readTextFile } from './api/node-load.js';
export { BUILTIN_MODELS, builtinByName, DEFAULT_MODEL, type BuiltinModel } from './models/builtin.js';
export { isModelDir, loadModelDir, type LoadedModelDir } from './models/model-dir.js';
export { loadTokenizerDir } from './models/tokenizer-dir.js';
export { loadOracleFile } from './models/oracles/file.js';
export { loadTaskFile, taskByName, TASKS, textTask } from './tasks/index.js';
export { compareOnTask, compareSamplers, type SamplerSummary, type TaskSamplerSummary } from './eval/compare.js';
export { runEvaluation, type EvalOptions } from './eval/harness.js';
export { createServer, serve, type InfogainServer, type ListeningServer, type ServeOptions, type ServerOptions } from './server/index.js';
