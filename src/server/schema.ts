/**
 * Request bodies, validated with zod: the OpenAI fields the server honours, infogain's own
 * (`sampler`, `sampler_params`, `steps`, `block_length`, `threshold`, `schedule`, `use_cache`, `shifted_first`, `trace`), and
 * OpenAI fields it cannot honour, accepted only at their neutral value. Every schema's `error`
 * text is the expectation; `describeIssue` turns the first issue into a message naming the field,
 * the value given and what was expected.
 */
import { z } from 'zod';
import { SCHEDULE_NAMES } from '../core/schedule.js';
import { CACHE_MODES, SHIFTED_FIRST } from '../decode/config.js';
import { invalidField, showValue, type ApiError } from './errors.js';

const SEED_MAX = 2 ** 32 - 1;

const int = (min: number, max: number, expected: string) =>
  z.number({ error: expected }).int({ error: expected }).min(min, { error: expected }).max(max, { error: expected });
const nonNegative = (expected: string) => z.number({ error: expected }).min(0, { error: expected });
const bool = (expected = 'true or false') => z.boolean({ error: expected });
/** An OpenAI field that infogain cannot honour: absent, null or its neutral value. */
const neutral = <T extends string | number | boolean>(value: T, why: string) =>
  z.literal(value, { error: `${JSON.stringify(value)} or null: ${why}` }).nullish();

const paramValue = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'a string, number, boolean or null' });

/** The fields both endpoints share. */
const common = {
  model: z.string({ error: 'the id of the served model (GET /v1/models)' }),
  max_tokens: int(0, Number.MAX_SAFE_INTEGER, 'an integer ≥ 0 (tokens to generate: the masks appended after the prompt; 0 only to infill masks the prompt holds)').nullish(),
  temperature: nonNegative('a number ≥ 0 (token temperature τ_tok; 0 = argmax)').nullish(),
  seed: int(0, SEED_MAX, `an integer in [0, ${SEED_MAX}] (choice i decodes with seed + i)`).nullish(),
  n: int(1, 64, 'an integer in [1, 64] (choices per prompt)').nullish(),
  stop: z
    .union([z.string().min(1), z.array(z.string().min(1)).max(4)], { error: 'a non-empty string or a list of at most 4 non-empty strings' })
    .nullish(),
  stream: bool().nullish(),
  stream_options: z.strictObject({ include_usage: bool().nullish() }, { error: 'an object {"include_usage": boolean}' }).nullish(),
  user: z.string({ error: 'a string (an end-user id; recorded, not used)' }).nullish(),
  // infogain's own fields
  sampler: z.string({ error: 'a sampler name (GET /v1/models lists them), or a variant name:label' }).min(1, { error: 'a sampler name' }).nullish(),
  sampler_params: z.record(z.string(), paramValue, { error: 'an object of the sampler\'s parameters, e.g. {"candidates": 4}' }).nullish(),
  steps: int(1, Number.MAX_SAFE_INTEGER, 'an integer ≥ 1 (total decoding steps) or null (one token per step)').nullish(),
  block_length: int(1, Number.MAX_SAFE_INTEGER, 'an integer ≥ 1 (semi-autoregressive block length) or null (one block)').nullish(),
  threshold: z.number({ error: 'a number in [0, 1] (high-confidence bypass) or null (off)' }).min(0, { error: 'a number in [0, 1]' }).max(1, { error: 'a number in [0, 1]' }).nullish(),
  schedule: z.enum(SCHEDULE_NAMES, { error: `one of ${SCHEDULE_NAMES.join(', ')} (tokens-per-step schedule)` }).nullish(),
  use_cache: z.enum(CACHE_MODES, { error: `one of ${CACHE_MODES.join(', ')} (KV cache; prefix and dual need a model with a cache graph)` }).nullish(),
  shifted_first: z.enum(SHIFTED_FIRST, { error: `one of ${SHIFTED_FIRST.join(', ')} (a shifted model's block-first position in a cache mode, docs/decisions.md D11)` }).nullish(),
  trace: bool('true or false (return the full decode trace)').nullish(),
  // OpenAI fields with no infogain meaning: accepted at their neutral value only.
  top_p: neutral(1, 'nucleus sampling is not supported (use temperature)'),
  presence_penalty: neutral(0, 'penalties are not supported'),
  frequency_penalty: neutral(0, 'penalties are not supported'),
  logprobs: z.union([z.literal(false), z.null()], { error: 'false or null: log-probabilities are not returned (the trace has every commit\'s probability)' }).optional(),
};

const promptIds = z.array(int(0, Number.MAX_SAFE_INTEGER, 'a token id (an integer ≥ 0)')).min(1);

export const COMPLETION_SCHEMA = z.strictObject({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).min(1).max(64), promptIds, z.array(promptIds).min(1).max(64)], {
    error: 'a string, a list of strings, a list of token ids, or a list of such lists (at most 64 prompts)',
  }),
  echo: neutral(false, 'the prompt is not echoed'),
  best_of: neutral(1, 'use sampler "best-of-n"'),
  suffix: z.null({ error: 'null: put the mask token in the prompt to infill' }).optional(),
});

const message = z.strictObject(
  {
    role: z.enum(['system', 'user', 'assistant', 'developer'], { error: 'one of system, user, assistant, developer' }),
    content: z.union([z.string(), z.array(z.strictObject({ type: z.literal('text'), text: z.string() })).min(1)], {
      error: 'a string or a list of {"type": "text", "text": …} parts',
    }),
    name: z.string().optional(),
  },
  { error: 'a message {"role", "content"}' },
);

export const CHAT_SCHEMA = z.strictObject({
  ...common,
  messages: z.array(message, { error: 'a non-empty list of messages' }).min(1, { error: 'a non-empty list of messages' }),
  max_completion_tokens: int(0, Number.MAX_SAFE_INTEGER, 'an integer ≥ 0 (same as max_tokens)').nullish(),
});

export type CompletionBody = z.infer<typeof COMPLETION_SCHEMA>;
export type ChatBody = z.infer<typeof CHAT_SCHEMA>;

/** `a.b[0].c` from a zod path. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let v = body;
  for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** Parse `body` with `schema`, or throw the 400 that names the first bad field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, known: readonly string[]): z.infer<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw invalidField('(body)', `the request body is ${showValue(body)}, expected a JSON object`, 'invalid_body');
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw describeIssue(body, issue, known);
}

function describeIssue(body: unknown, issue: z.core.$ZodIssue, known: readonly string[]): ApiError {
  if (issue.code === 'unrecognized_keys') {
    const field = fieldName([...issue.path, issue.keys[0]]);
    const valid = issue.path.length === 0 ? `; known fields: ${known.join(', ')}` : '';
    return invalidField(field, `unknown field "${field}"${valid}`, 'unknown_field');
  }
  const field = fieldName(issue.path);
  const value = valueAt(body, issue.path);
  return invalidField(field, `field "${field}" is ${showValue(value)}, expected ${issue.message}`, value === undefined ? 'missing_field' : 'invalid_value');
}

export const COMPLETION_FIELDS = Object.keys(COMPLETION_SCHEMA.shape);
export const CHAT_FIELDS = Object.keys(CHAT_SCHEMA.shape);
