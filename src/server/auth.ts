/**
 * API keys: with a key, the OpenAI routes (/v1/*) answer only requests carrying
 * `Authorization: Bearer <key>`; the others get OpenAI's 401. /health and /metrics stay open, so a
 * load balancer's health check and a Prometheus scrape need no secret (they reveal counts, never
 * a prompt or an output). A server that listens beyond loopback without a key refuses to start
 * unless that is asked for explicitly.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { ApiError } from './errors.js';

/** The environment variable `infogain serve` reads the key from when --api-key is absent. */
export const API_KEY_ENV = 'INFOGAIN_API_KEY';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether `token` is `key`, in time independent of where they differ: the SHA-256 digests have one
 * length whatever the token's, so neither the comparison nor a length check reveals the key.
 */
export function sameKey(key: string, token: string): boolean {
  return timingSafeEqual(digest(key), digest(token));
}

function unauthorized(message: string): Response {
  const error = new ApiError(401, message, 'invalid_request_error', null, 'invalid_api_key');
  return new Response(JSON.stringify(error.body()), { status: 401, headers: { 'Content-Type': 'application/json' } });
}

/** Hono's bearer-auth middleware, answering every refusal with OpenAI's 401 body. */
export function apiKeyAuth(key: string): MiddlewareHandler {
  if (key.length === 0) throw new RangeError('the API key is empty; give a non-empty key, or none');
  // What a bearer token may hold (RFC 6750's b64token); hono refuses any other header, so such a key could never be sent.
  if (!/^[A-Za-z0-9._~+/-]+=*$/.test(key))
    throw new RangeError('the API key holds a character a bearer token cannot carry: use letters, digits and . _ ~ + / - (then = padding), e.g. from `openssl rand -hex 32`');
  const missing = 'no API key: send it in the Authorization header as "Bearer <key>" (the openai client\'s apiKey)';
  return bearerAuth({
    verifyToken: (token) => sameKey(key, token),
    noAuthenticationHeader: { message: () => unauthorized(missing) },
    // A header that is not "Bearer <token>": OpenAI answers 401 here too, not hono's default 400.
    invalidAuthenticationHeader: { message: () => unauthorized(`${missing}; the header given is not of that form`) },
    invalidToken: { message: () => unauthorized('incorrect API key provided') },
  });
}

/** Whether `host` only accepts connections from this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Refuses to expose an unauthenticated server: a host beyond loopback needs an API key, or
 * `allowUnauthenticated` (the CLI's --allow-unauthenticated) to say it is meant.
 */
export function checkExposure(host: string, apiKey: string | undefined, allowUnauthenticated: boolean): void {
  if (apiKey !== undefined || allowUnauthenticated || isLoopbackHost(host)) return;
  throw new Error(
    `serve: --host ${host} accepts connections from other machines, and there is no API key: anyone who can reach it could use it. ` +
      `Set one with --api-key or the ${API_KEY_ENV} environment variable, or pass --allow-unauthenticated if the network in front of it is trusted`,
  );
}
