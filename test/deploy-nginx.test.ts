/**
 * docs/deploy/nginx.conf, run as written (only the replica addresses and the listen port
 * replaced) by Debian's nginx in front of two `infogain serve` processes: 32 concurrent requests
 * of the official openai client, half streamed, and one replica killed with SIGKILL mid-run. Each
 * request completes or fails with an error a client retries (none hangs: each has a deadline),
 * retried it completes, and the survivor serves everything after the kill. Then a SIGTERM (drain)
 * of the survivor's replacement under load costs no request at all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { killServeChildren, startServeChild, type ServeChild } from './helpers/serve-child.js';

// Needs Debian's nginx (`.ci/run` installs it, so CI always runs this); a fresh machine without
// it still passes `npm test`, skipping only this test.
const NGINX = '/usr/sbin/nginx';
const CONFIG = join(import.meta.dirname, '../docs/deploy/nginx.conf');
const KEY = 'sk-deploy-test';
const MAX_TOKENS = 120;
/** No request may take longer than this (ms): longer is a hang. The client retries a timeout twice, so a hang ends in 3 × this. */
const REQUEST_DEADLINE_MS = 30_000;
/** Each test's limit: above a hung request's three tries, so a hang fails as a timeout error naming the request. */
const TEST_LIMIT_MS = 150_000;

const root = mkdtempSync(join(tmpdir(), 'infogain-nginx-'));
// nginx's workers run as nobody when it is started as root: they must reach the temp paths in here.
chmodSync(root, 0o755);
const nginxes: ChildProcess[] = [];
const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
afterAll(async () => {
  killServeChildren();
  // nginx's master stops its workers on SIGTERM (on SIGKILL they would be left running).
  await Promise.all(
    nginxes.filter(running).map((nginx) => {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      return exited;
    }),
  );
  rmSync(root, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** The documented config with this test's addresses: each replaced line must be there exactly once. */
function siteConfig(replicaPorts: [number, number], listenPort: number): string {
  let text = readFileSync(CONFIG, 'utf8');
  const replace = (line: string, by: string) => {
    const count = text.split(line).length - 1;
    if (count !== 1) throw new Error(`${CONFIG}: expected the line "${line}" once, found it ${count} times`);
    text = text.replace(line, by);
  };
  replace('server 10.0.0.11:8080 ', `server 127.0.0.1:${replicaPorts[0]} `);
  replace('server 10.0.0.12:8080 ', `server 127.0.0.1:${replicaPorts[1]} `);
  replace('listen 80;', `listen 127.0.0.1:${listenPort};`);
  return text;
}

/** nginx in the foreground with everything it writes (pid, logs, temp files) in `dir`. */
async function startNginx(dir: string, site: string, port: number): Promise<ChildProcess> {
  writeFileSync(join(dir, 'infogain.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 512; }
http {
  log_format upstreams '$status "$upstream_addr" "$http_x_test_phase"';
  access_log ${dir}/access.log upstreams;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/infogain.conf;
}
`,
  );
  const nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  nginxes.push(nginx);
  let stderr = '';
  nginx.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let tries = 0; ; tries++) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited (${nginx.exitCode}): ${stderr}`);
    const up = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (up) return nginx;
    if (tries > 100) throw new Error(`nginx did not answer on port ${port}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

type Outcome = { ok: true; text: string; finish: string | null } | { ok: false; error: unknown };

/** One request as an application sends it: the openai client (its own retries on), a deadline. */
async function complete(client: OpenAI, i: number): Promise<Outcome> {
  // Greedy confidence, one row per step: requests long enough to be cut mid-decode, cheap enough for two cores.
  const body = { model: 'hmm-demo', prompt: 'abcab', max_tokens: MAX_TOKENS, seed: i, temperature: 0.7, ...{ sampler: 'confidence' } };
  try {
    if (i % 2 === 0) {
      const r = await client.completions.create(body);
      return { ok: true, text: r.choices[0].text, finish: r.choices[0].finish_reason };
    }
    let text = '';
    let finish: string | null = null;
    for await (const chunk of await client.completions.create({ ...body, stream: true })) {
      text += chunk.choices[0]?.text ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    return { ok: true, text, finish };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * What a client may retry: the connection failed or broke (a stream cut when its replica died
 * reaches the client as a broken connection), or a 5xx. A timeout is not among them: it is a hang.
 */
function retryable(error: unknown): boolean {
  if (error instanceof APIConnectionTimeoutError) return false;
  if (error instanceof APIConnectionError) return true;
  if (error instanceof APIError) return error.status !== undefined && error.status >= 500;
  return error instanceof TypeError && /terminated|other side closed|socket/i.test(`${error.message} ${String(error.cause)}`);
}

/** The requests nginx answered: each one's status, the replicas it went to in turn, and the X-Test-Phase header it carried. */
function accessLog(dir: string): { status: number; upstreams: string[]; phase: string }[] {
  return readFileSync(join(dir, 'access.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => /^(\d+) "([^"]*)" "([^"]*)"$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ status: Number(m[1]), upstreams: m[2].split(/, | : /), phase: m[3] }));
}

interface Deployment {
  replicas: [ServeChild, ServeChild];
  /** The openai client, through nginx, retrying as it does by default. */
  client: OpenAI;
  /** nginx's files. */
  dir: string;
}

/** Two replicas of `infogain serve --model hmm-demo` (with an API key, which nginx passes on) behind nginx. */
async function deploy(name: string): Promise<Deployment> {
  const dir = join(root, name);
  mkdirSync(dir, { mode: 0o755 });
  const env = { INFOGAIN_API_KEY: KEY };
  const replicas = await Promise.all([startServeChild(['--model', 'hmm-demo'], env), startServeChild(['--model', 'hmm-demo'], env)]);
  const port = await freePort();
  await startNginx(dir, siteConfig([replicas[0].port, replicas[1].port], port), port);
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: KEY, maxRetries: 2, timeout: REQUEST_DEADLINE_MS });
  return { replicas: [replicas[0], replicas[1]], client, dir };
}

const completed = (o: Outcome) => o.ok && o.text.length === MAX_TOKENS && o.finish === 'length';

const activeOn = async (replica: ServeChild) => ((await (await fetch(`${replica.url}/health`)).json()) as { active: number }).active;

describe.skipIf(!existsSync(NGINX))('two replicas behind nginx (docs/deploy/nginx.conf)', () => {
  it('SIGKILL of one mid-run: every request completes or fails retryably, none hangs; the survivor serves the rest', async () => {
    const { replicas, client, dir } = await deploy('kill');
    // 32 at once; least_conn spreads them over both replicas. The kill lands while both decode.
    const run = Array.from({ length: 32 }, (_, i) => complete(client, i));
    await expect.poll(async () => Math.min(...(await Promise.all(replicas.map(activeOn)))), { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(4);
    const [victim, survivor] = replicas;
    victim.process.kill('SIGKILL');
    const outcomes = await Promise.all(run);

    const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [{ i, error: o.error }]));
    for (const { i, error } of failed) expect(retryable(error), `request ${i}: ${String(error)}`).toBe(true);
    for (const o of outcomes) if (o.ok) expect(completed(o), JSON.stringify(o).slice(0, 200)).toBe(true);
    // The retry a client makes: each failed request completes now; so do 8 more. Marked, to find them in nginx's log.
    await victim.exited;
    const afterKill = client.withOptions({ defaultHeaders: { 'X-Test-Phase': 'after-kill' } });
    for (const { i } of failed) expect(completed(await complete(afterKill, i)), `retry of request ${i}`).toBe(true);
    const more = await Promise.all(Array.from({ length: 8 }, (_, i) => complete(afterKill, 100 + i)));
    expect(more.every(completed)).toBe(true);
    // Each was answered by the survivor. (nginx skips the victim for fail_timeout, 10 s, then tries it
    // again and moves on when it refuses.) nginx logs a request just after its last bytes leave: wait for the lines.
    const answeredAfterKill = () => accessLog(dir).filter((line) => line.phase === 'after-kill');
    await expect.poll(() => answeredAfterKill().length).toBe(failed.length + 8);
    for (const line of answeredAfterKill()) {
      expect(line.status, JSON.stringify(line)).toBe(200);
      expect(line.upstreams.at(-1), JSON.stringify(line)).toBe(`127.0.0.1:${survivor.port}`);
      expect(line.upstreams.slice(0, -1).every((u) => u === `127.0.0.1:${victim.port}`), JSON.stringify(line)).toBe(true);
    }
    const log = accessLog(dir);
    const after = answeredAfterKill();
    // Requests nginx itself moved from the victim to the survivor (the client never saw the kill).
    const moved = log.filter((line) => line.phase !== 'after-kill' && line.upstreams.length === 2 && line.status === 200).length;
    console.log(
      `nginx, SIGKILL of one replica among 32 requests: ${outcomes.length - failed.length} completed (${moved} moved to the survivor by nginx), ${failed.length} failed retryably ` +
        `(${failed.map((f) => `${f.i % 2 ? 'streamed' : 'plain'}: ${String(f.error)}`).join('; ')}); ${after.length} answered after the kill, all by the survivor`,
    );
  }, TEST_LIMIT_MS);

  it('SIGTERM of one under load (a rolling restart): no request fails, even without client retries', async () => {
    const { replicas, client } = await deploy('drain');
    const noRetries = client.withOptions({ maxRetries: 0 });
    const load = Array.from({ length: 16 }, (_, i) => complete(noRetries, i));
    const [drained, other] = replicas;
    await expect.poll(() => activeOn(drained), { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(2);
    drained.process.kill('SIGTERM');
    const late = Array.from({ length: 8 }, (_, i) => complete(noRetries, 100 + i));
    const outcomes = await Promise.all([...load, ...late]);
    expect(outcomes.filter((o) => !completed(o)).map((o) => (o.ok ? o : String(o.error)))).toEqual([]);
    expect(await drained.exited).toMatchObject({ code: 0 });
    expect(drained.stderr()).toMatch(/stopped: [1-9]\d* requests finished while draining, 0 cancelled/);
    expect(other.process.exitCode).toBeNull();
  }, TEST_LIMIT_MS);
});
