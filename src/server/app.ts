/**
 * The HTTP routes (Hono): the OpenAI endpoints, health and metrics. Validation happens before a
 * decoding slot is taken and before a stream opens, so every bad request gets a plain 400; after
 * that, a request's failure (timeout, a model error) ends that request only.
 */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { streamSSE } from 'hono/streaming';
import type { DecodeEntry } from '../decode/entry.js';
import type { BatchingDenoiser } from '../decode/batcher.js';
import { isOracle } from '../models/oracle.js';
import { SAMPLERS } from '../samplers/index.js';
import type { Admission } from './admission.js';
import { apiKeyAuth } from './auth.js';
import { runCompletion, type CompletionEvent, type CompletionResult } from './completion.js';
import { ApiError, invalidField, messageOf } from './errors.js';
import { DRAIN_DEADLINE, type HeldRequest, type Lifecycle } from './lifecycle.js';
import type { ServerMetrics } from './metrics.js';
import { chatPlan, completionPlan, modelNotFound, type DecodePlan, type ServedModel } from './request.js';
import { CHAT_FIELDS, CHAT_SCHEMA, COMPLETION_FIELDS, COMPLETION_SCHEMA, parseBody } from './schema.js';

export interface AppState {
  served: ServedModel;
  batcher: BatchingDenoiser;
  admission: Admission;
  metrics: ServerMetrics;
  /** A request's decode is cancelled after this long (ms), queueing included. */
  timeoutMs: number;
  maxBodyBytes: number;
  /** Origins whose pages may call the server (CORS); `*` for any; empty: no CORS headers. */
  corsOrigins: readonly string[];
  /** The execution provider the model runs on (GET /v1/models' `infogain.device`); null: an oracle, or not stated. */
  device: string | null;
  startedAt: number;
  /** Requests to /v1/* must carry `Authorization: Bearer <apiKey>`; null: no key. */
  apiKey: string | null;
  /** Which requests are held, and whether the server is draining (SIGTERM). */
  lifecycle: Lifecycle;
}

type Kind = 'completion' | 'chat';

const TIMEOUT = 'request timeout';

let counter = 0;
const requestId = (kind: Kind) => `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${Date.now().toString(36)}${(counter++).toString(36)}`;

function errorResponse(error: ApiError): Response {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (error.retryAfter !== undefined) headers['Retry-After'] = String(error.retryAfter);
  return new Response(JSON.stringify(error.body()), { status: error.status, headers });
}

const ENDPOINTS = new Set(['/health', '/metrics', '/v1/models', '/v1/completions', '/v1/chat/completions']);
const endpointOf = (path: string) => (ENDPOINTS.has(path) ? path : path.startsWith('/v1/models/') ? '/v1/models/:id' : 'other');

/** The infogain extension of a chunk: the step's record, with each committed token's text. */
function stepExtension(state: AppState, event: Extract<CompletionEvent, { type: 'step' }>) {
  const { model } = state.served;
  const { denoiser } = model;
  const tokenText = (id: number) => (model.tokenizer ? model.tokenizer.decode([id]) : isOracle(denoiser) ? denoiser.detokenize(Int32Array.of(id)) : String(id));
  return {
    // The choice is named here too: a step that makes no text final is sent with no choices.
    choice: event.choice,
    copy: event.copy,
    step: { ...event.step, commits: event.step.commits.map((c) => ({ ...c, text: tokenText(c.token) })) },
    cumulative_uncertainty: event.cumulativeUncertainty,
  };
}

function usageOf(result: CompletionResult) {
  return {
    prompt_tokens: result.promptTokens,
    completion_tokens: result.completionTokens,
    total_tokens: result.promptTokens + result.completionTokens,
    forward_calls: result.forwardCalls,
    row_forwards: result.rowForwards,
    cumulative_uncertainty: result.cumulativeUncertainty,
  };
}

function runInfo(plan: DecodePlan, entry: DecodeEntry) {
  return { sampler: entry.sampler.name, sampler_params: entry.params, seed: plan.seed, max_tokens: plan.maxTokens };
}

/** The whole answer of a non-streamed request. */
function completionBody(kind: Kind, id: string, created: number, model: string, plan: DecodePlan, result: CompletionResult) {
  const choices = result.choices.map((c, index) => ({
    index,
    ...(kind === 'chat' ? { message: { role: 'assistant' as const, content: c.text, refusal: null } } : { text: c.text }),
    finish_reason: c.finishReason,
    logprobs: null,
    infogain: { cumulative_uncertainty: c.cumulativeUncertainty, completion_tokens: c.completionTokens },
  }));
  return {
    id, object: kind === 'chat' ? 'chat.completion' : 'text_completion', created, model, choices, usage: usageOf(result),
    infogain: { ...runInfo(plan, plan.entry), ...(plan.trace && result.trace ? { trace: result.trace } : {}) },
  };
}

export function createApp(state: AppState): Hono {
  const app = new Hono();
  const { served, metrics, lifecycle } = state;
  /** The held request of each /v1 request (set by the gate below, read by the decode routes). */
  const heldOf = new WeakMap<Request, HeldRequest>();

  app.use('*', async (c, next) => {
    await next();
    metrics.requests.inc({ endpoint: endpointOf(c.req.path), status: String(c.res.status) });
  });
  app.use('*', async (c, next) => {
    await next();
    // Answers written while draining close their connection: the next request opens a new one, which the load balancer sends elsewhere.
    if (lifecycle.draining) c.res.headers.set('Connection', 'close');
  });
  if (state.corsOrigins.length > 0)
    app.use('*', cors({ origin: state.corsOrigins.includes('*') ? '*' : [...state.corsOrigins], allowHeaders: ['Content-Type', 'Authorization'], exposeHeaders: ['Retry-After'] }));
  if (state.apiKey !== null) app.use('/v1/*', apiKeyAuth(state.apiKey));
  // The drain gate: while draining a new request gets 503; one admitted is held until answered.
  app.use('/v1/*', async (c, next) => {
    const held = lifecycle.begin();
    heldOf.set(c.req.raw, held);
    try {
      await next();
    } finally {
      if (!held.streaming) held.end();
    }
  });
  app.onError((error, c) => {
    if (error instanceof ApiError) return errorResponse(error);
    if (error instanceof HTTPException) return error.getResponse();
    console.error(`infogain serve: ${c.req.method} ${c.req.path}: ${error.stack ?? error.message}`);
    return errorResponse(new ApiError(500, `internal error: ${error.message}`, 'server_error'));
  });
  app.notFound((c) => errorResponse(new ApiError(404, `no route ${c.req.method} ${c.req.path}; the server answers GET /v1/models, POST /v1/completions, POST /v1/chat/completions, GET /health, GET /metrics`, 'not_found_error', null, 'unknown_route')));

  // 503 while draining, so a health-checking load balancer takes this replica out.
  app.get('/health', (c) =>
    c.json(
      { status: lifecycle.draining ? 'draining' : 'ok', model: served.id, active: state.admission.active, queued: state.admission.queued, uptime_s: Math.round((Date.now() - state.startedAt) / 1000) },
      lifecycle.draining ? 503 : 200,
    ),
  );
  app.get('/metrics', async (c) => c.text(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }));
  const modelObject = () => {
    const { card, tokenizer } = served.model;
    return {
      id: served.id, object: 'model', created: Math.floor(state.startedAt / 1000), owned_by: 'infogain',
      infogain: {
        vocab_size: card.vocabSize, context_limit: card.contextLimit, max_tokens: served.maxTokensCap, default_max_tokens: Math.min(served.model.genLength, served.maxTokensCap),
        chat_template: tokenizer?.hasChatTemplate ?? false, samplers: SAMPLERS.map((s) => s.name), device: state.device,
      },
    };
  };
  app.get('/v1/models', (c) => c.json({ object: 'list', data: [modelObject()] }));
  app.get('/v1/models/:id{.+}', (c) => {
    const id = c.req.param('id');
    if (id !== served.id && !served.aliases.includes(id)) throw modelNotFound(served, id);
    return c.json(modelObject());
  });

  const limit = bodyLimit({
    maxSize: state.maxBodyBytes,
    onError: () => {
      const response = errorResponse(new ApiError(413, `the request body is over the server's limit of ${state.maxBodyBytes} bytes`, 'invalid_request_error', null, 'body_too_large'));
      // The rest of the body is never read: the connection cannot carry another request.
      response.headers.set('Connection', 'close');
      return response;
    },
  });
  app.post('/v1/completions', limit, async (c) => handle(c, 'completion', completionPlan(served, parseBody(COMPLETION_SCHEMA, await readJson(c), COMPLETION_FIELDS))));
  app.post('/v1/chat/completions', limit, async (c) => handle(c, 'chat', chatPlan(served, parseBody(CHAT_SCHEMA, await readJson(c), CHAT_FIELDS))));

  async function handle(c: Context, kind: Kind, planned: Promise<DecodePlan>): Promise<Response> {
    const plan = await planned;
    const started = performance.now();
    const held = heldOf.get(c.req.raw);
    if (!held) throw new Error('a decode route ran without the drain gate');
    const { cancel } = held;
    const onClientGone = () => cancel.abort(new DOMException('the client disconnected', 'AbortError'));
    c.req.raw.signal.addEventListener('abort', onClientGone, { once: true });
    if (c.req.raw.signal.aborted) onClientGone(); // gone while the body was read and checked
    const timer = setTimeout(() => cancel.abort(TIMEOUT), state.timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      c.req.raw.signal.removeEventListener('abort', onClientGone);
    };
    let release: () => void;
    try {
      release = await state.admission.acquire(cancel.signal);
    } catch (error) {
      cleanup();
      throw asApiError(error, cancel.signal);
    }
    const finish = (result: CompletionResult | null) => {
      release();
      cleanup();
      if (result) {
        metrics.addTokens(result.completionTokens);
        metrics.requestSeconds.observe({ endpoint: kind }, (performance.now() - started) / 1000);
      }
    };
    const id = requestId(kind);
    const created = Math.floor(Date.now() / 1000);
    const events = runCompletion(served.model, state.batcher, { ...plan, signal: cancel.signal });
    if (!plan.stream) {
      let result: CompletionResult | null = null;
      try {
        for await (const event of events) if (event.type === 'done') result = event;
      } catch (error) {
        finish(null);
        throw asApiError(error, cancel.signal);
      }
      finish(result);
      if (!result) throw new ApiError(500, 'the decode ended without a result', 'server_error');
      return c.json(completionBody(kind, id, created, served.id, plan, result));
    }
    held.streaming = true;
    return streamSSE(c, async (stream) => {
      stream.onAbort(onClientGone);
      let result: CompletionResult | null = null;
      const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
        stream.writeSSE({ data: JSON.stringify({ id, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created, model: served.id, choices, ...extra }) });
      // OpenAI's chunks: text only when there is text; an empty delta only in a chat's opening role
      // chunk and in each choice's last chunk, which carries nothing but its finish_reason.
      const text = (index: number, content: string) =>
        kind === 'chat' ? { index, delta: { content }, finish_reason: null, logprobs: null } : { index, text: content, finish_reason: null, logprobs: null };
      const finished = (index: number, reason: string) =>
        kind === 'chat' ? { index, delta: {}, finish_reason: reason, logprobs: null } : { index, text: '', finish_reason: reason, logprobs: null };
      const role = (index: number) => ({ index, delta: { role: 'assistant', content: '', refusal: null }, finish_reason: null, logprobs: null });
      try {
        if (kind === 'chat') for (let i = 0; i < plan.inputs.length; i++) await chunk([role(i)], { infogain: runInfo(plan, plan.entry) });
        for await (const event of events) {
          // A step that makes no text final still sends its record, with no choice (as OpenAI's usage chunk has none).
          if (event.type === 'step') await chunk(event.delta ? [text(event.choice, event.delta)] : [], { infogain: stepExtension(state, event) });
          else if (event.type === 'finish') {
            if (event.delta) await chunk([text(event.choice, event.delta)]);
            await chunk([finished(event.choice, event.finishReason)]);
          } else result = event;
        }
        if (result && plan.trace && result.trace) await chunk([], { infogain: { trace: result.trace } });
        if (result && plan.includeUsage) await chunk([], { usage: usageOf(result) });
        await stream.writeSSE({ data: '[DONE]' });
      } catch (error) {
        // The client is gone (nothing to tell), or the stream ends with an error event in OpenAI's shape.
        if (!stream.aborted && !c.req.raw.signal.aborted) await stream.writeSSE({ data: JSON.stringify(asApiError(error, cancel.signal).body()) }).catch(() => undefined);
      } finally {
        finish(result);
        held.end();
      }
    });
  }

  function asApiError(error: unknown, signal: AbortSignal): ApiError {
    if (error instanceof ApiError) return error;
    if (signal.aborted && signal.reason === TIMEOUT)
      return new ApiError(504, `the request took longer than the server's timeout of ${state.timeoutMs / 1000} s and was cancelled`, 'timeout_error', null, 'timeout');
    if (signal.aborted && signal.reason === DRAIN_DEADLINE)
      return new ApiError(503, 'the server is shutting down and its drain deadline cancelled this request; retry it (another replica, or this one once restarted)', 'server_error', null, 'server_shutting_down', 1);
    if (signal.aborted) return new ApiError(499, 'the client disconnected', 'invalid_request_error', null, 'client_closed');
    console.error(`infogain serve: decode failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return new ApiError(500, `the decode failed: ${messageOf(error)}`, 'server_error');
  }

  async function readJson(c: Context): Promise<unknown> {
    const text = await c.req.text();
    try {
      return JSON.parse(text);
    } catch (e) {
      throw invalidField('(body)', `the request body is not valid JSON (${messageOf(e)}); expected a JSON object`, 'invalid_json');
    }
  }

  return app;
}
