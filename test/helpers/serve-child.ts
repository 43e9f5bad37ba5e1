/** `infogain serve` in a process of its own (bin/infogain.js), for tests that signal or kill it. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');

export interface ServeChild {
  process: ChildProcessWithoutNullStreams;
  /** `http://127.0.0.1:port`, from the line the server prints once it listens. */
  url: string;
  port: number;
  /** What it wrote to stderr so far. */
  stderr: () => string;
  /** Its exit: code, signal, and when (Date.now()). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const started = new Set<ChildProcessWithoutNullStreams>();

/** SIGKILL every server this file's tests started that is still running (for afterAll: a failed test leaves none behind). */
export function killServeChildren(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
}

/** Start `infogain serve --port 0 <args>` and resolve once it listens. */
export async function startServeChild(args: string[], env: Record<string, string> = {}): Promise<ServeChild> {
  const child = spawn(process.execPath, [join(root, 'bin/infogain.js'), 'serve', '--port', '0', ...args], { cwd: root, env: { ...process.env, ...env } });
  started.add(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/\S+)\/v1 /.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then(({ code }) => reject(new Error(`infogain serve exited (${code}) before listening: ${err}`)));
  });
  return { process: child, url, port: Number(new URL(url).port), stderr: () => err, exited };
}
