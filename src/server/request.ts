/**
 * A validated request body → what to decode: the prompts' canvases (one per choice), the decode
 * entry, the limits. Everything a request can get wrong is found here, before a slot is taken or
 * a stream is opened, and becomes a 400 naming the field.
 */
import type { Model } from '../api/model.js';
import { promptCanvas, type PromptCanvas } from '../api/prompt.js';
import { prepareEntry, resolveEntry, type DecodeEntry } from '../decode/entry.js';
import { canvasLimit } from '../decode/limits.js';
import { cacheModeProblem } from '../decode/run.js';
import type { ChatMessage } from '../models/tokenizer.js';
import { samplerByName } from '../samplers/index.js';
import type { Params } from '../samplers/params.js';
import type { CompletionJob } from './completion.js';
import { ApiError, invalidField, messageOf, showValue } from './errors.js';
import type { ChatBody, CompletionBody } from './schema.js';

/** The most choices (prompts × n) one request may ask for. */
export const MAX_CHOICES = 64;

export interface ServedModel {
  model: Model;
  /** The id clients name in `model` (GET /v1/models), and other names it answers to. */
  id: string;
  aliases: readonly string[];
  /** The longest generation a request may ask for (below the model's context). */
  maxTokensCap: number;
}

/** A checked request: the decode job it runs (less its signal, which the handler adds) and how to answer. */
export interface DecodePlan extends Omit<CompletionJob, 'signal'> {
  /** Prompts before `n` copies: each prompt's choices are consecutive. */
  promptCount: number;
  stream: boolean;
  includeUsage: boolean;
  trace: boolean;
}

type Common = Omit<CompletionBody, 'prompt' | 'echo' | 'best_of' | 'suffix'>;

function checkModel(served: ServedModel, name: string): void {
  // OpenAI's answer to a model it does not have: 404, code model_not_found.
  if (name !== served.id && !served.aliases.includes(name)) throw modelNotFound(served, name, `field "model" is ${showValue(name)}`);
}

/** The 404 for a model this server does not serve (a request's `model`, GET /v1/models/{id}). */
export function modelNotFound(served: ServedModel, name: string, what = `no model ${showValue(name)}`): ApiError {
  return new ApiError(404, `${what}, expected "${served.id}" (the model this server serves; GET /v1/models)`, 'invalid_request_error', 'model', 'model_not_found');
}

/** Text → token ids (tokenizer models) or the oracle's alphabet; errors name `field`. */
function encodePrompt(served: ServedModel, text: string, field: string): Int32Array {
  const { model } = served;
  try {
    if (model.tokenizer) return model.tokenizer.encode(text);
    // An oracle reads its alphabet (`_` marks a position to fill); one mask appended, then dropped.
    const { canvas, promptLength } = promptCanvas(model, text, 1);
    return canvas.slice(0, promptLength);
  } catch (e) {
    throw invalidField(field, `field "${field}": ${messageOf(e).replace(/^prompt: /, '')}`, 'invalid_prompt');
  }
}

function canvasOf(served: ServedModel, ids: Int32Array, maxTokens: number, field: string, maxTokensField: string): PromptCanvas {
  const { card } = served.model;
  const limit = Math.min(canvasLimit(card), ids.length + served.maxTokensCap);
  if (ids.length + maxTokens > limit) {
    const why = limit === canvasLimit(card) ? `the context limit of model ${served.id} (${limit} tokens)` : `the server's max_tokens cap ${served.maxTokensCap}`;
    throw invalidField(
      maxTokensField,
      `field "${maxTokensField}" is ${maxTokens}: prompt ${ids.length} + ${maxTokens} tokens is over ${why}; expected at most ${Math.max(0, limit - ids.length)} after this prompt`,
      'context_length_exceeded',
    );
  }
  try {
    return promptCanvas(served.model, ids, maxTokens);
  } catch (e) {
    throw invalidField(field, `field "${field}": ${messageOf(e)}`, 'invalid_prompt');
  }
}

function resolveDecode(served: ServedModel, body: Common): Pick<DecodePlan, 'entry' | 'samplerName' | 'params' | 'decode'> {
  const samplerName = body.sampler ?? 'info-gain';
  try {
    samplerByName(samplerName);
  } catch (e) {
    throw invalidField('sampler', `field "sampler" is ${showValue(samplerName)}: ${messageOf(e)}`, 'unknown_sampler');
  }
  const params: Params = { ...(body.sampler_params ?? {}) };
  const decode: Params = {};
  for (const key of ['temperature', 'steps', 'block_length', 'threshold', 'schedule', 'use_cache', 'shifted_first'] as const) if (body[key] != null) decode[key] = body[key];
  let entry: DecodeEntry;
  try {
    entry = resolveEntry(samplerName, params, decode);
  } catch (e) {
    throw invalidField('sampler_params', `field "sampler_params": ${messageOf(e)}`, 'invalid_sampler_params');
  }
  const cacheProblem = cacheModeProblem(served.model.card, entry.decode.useCache);
  if (cacheProblem) throw invalidField('use_cache', `field "use_cache" is ${showValue(entry.decode.useCache)}: ${cacheProblem}, expected "none" for it`, 'invalid_use_cache');
  return { entry, samplerName, params, decode };
}

function planOf(
  served: ServedModel,
  body: Common,
  prompts: Int32Array[],
  promptField: (i: number) => string,
  maxTokensBody: { value: number | null | undefined; field: string },
): Promise<DecodePlan> {
  const n = body.n ?? 1;
  if (prompts.length * n > MAX_CHOICES)
    throw invalidField('n', `field "n" is ${n} with ${prompts.length} prompts: ${prompts.length * n} choices, expected at most ${MAX_CHOICES} per request`);
  const maxTokens = maxTokensBody.value ?? Math.min(served.model.genLength, served.maxTokensCap);
  const canvases = prompts.map((ids, i) => canvasOf(served, ids, maxTokens, promptField(i), maxTokensBody.field));
  const seed = body.seed ?? Math.floor(Math.random() * 2 ** 32);
  if (seed + prompts.length * n - 1 >= 2 ** 32)
    throw invalidField('seed', `field "seed" is ${seed}: choice i decodes with seed + i, and ${prompts.length * n} choices pass 2^32 − 1; expected at most ${2 ** 32 - prompts.length * n}`);
  const stop = body.stop == null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  const decode = resolveDecode(served, body);
  const plan: DecodePlan = {
    inputs: canvases.flatMap((c) => Array.from({ length: n }, () => c)),
    promptCount: prompts.length,
    ...decode,
    maxTokens, seed, stop,
    stream: body.stream ?? false,
    includeUsage: body.stream_options?.include_usage ?? false,
    trace: body.trace ?? false,
  };
  // A sampler's preparation (PC-sampler's background) fails here, as a 400; no file is read for a request.
  return prepareEntry(plan.entry, { vocabSize: served.model.card.vocabSize }).then(
    (entry) => ({ ...plan, entry }),
    (e: unknown) => {
      throw invalidField('sampler_params', `field "sampler_params": ${messageOf(e)} (the server reads no file a request names)`, 'invalid_sampler_params');
    },
  );
}

export function completionPlan(served: ServedModel, body: CompletionBody): Promise<DecodePlan> {
  checkModel(served, body.model);
  const p = body.prompt;
  // A string, a list of strings, a list of ids, or a list of id lists (the schema admits no mix).
  const prompts: Int32Array[] =
    typeof p === 'string' ? [encodePrompt(served, p, 'prompt')]
    : p.every((x): x is number => typeof x === 'number') ? [Int32Array.from(p)]
    : p.map((x, i) => (typeof x === 'string' ? encodePrompt(served, x, `prompt[${i}]`) : Int32Array.from(typeof x === 'number' ? [x] : x)));
  const field = (i: number) => (typeof p === 'string' || typeof p[0] === 'number' ? 'prompt' : `prompt[${i}]`);
  return planOf(served, body, prompts, field, { value: body.max_tokens, field: 'max_tokens' });
}

export function chatPlan(served: ServedModel, body: ChatBody): Promise<DecodePlan> {
  checkModel(served, body.model);
  const tokenizer = served.model.tokenizer;
  if (!tokenizer || !tokenizer.hasChatTemplate) {
    const why = tokenizer ? `its ${tokenizer.configFile} has no "chat_template" field and there is no chat_template.jinja` : 'it has no tokenizer (an oracle model)';
    throw invalidField('messages', `model "${served.id}" has no chat template (${why}), so messages cannot be formatted; use POST /v1/completions with a prompt`, 'no_chat_template');
  }
  const messages: ChatMessage[] = body.messages.map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : m.content.map((part) => part.text).join('') }));
  let text: string;
  try {
    text = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
  } catch (e) {
    throw invalidField('messages', `field "messages": ${messageOf(e)}`, 'chat_template_failed');
  }
  if (body.max_tokens != null && body.max_completion_tokens != null && body.max_tokens !== body.max_completion_tokens)
    throw invalidField('max_completion_tokens', `field "max_completion_tokens" is ${body.max_completion_tokens} and "max_tokens" ${body.max_tokens}, expected one of them (or equal values)`);
  const maxTokens = body.max_completion_tokens != null ? { value: body.max_completion_tokens, field: 'max_completion_tokens' } : { value: body.max_tokens, field: 'max_tokens' };
  return planOf(served, body, [encodePrompt(served, text, 'messages')], () => 'messages', maxTokens);
}
