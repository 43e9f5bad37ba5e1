/**
 * Ctrl-C on a terminal, for real: the CLI runs as a child of util-linux `script`, on a
 * pseudo-terminal, so its stderr is a TTY and the progress bar hides the cursor and turns line wrap
 * off. Ctrl-C is the byte 0x03 typed into that terminal: its line discipline sends SIGINT to the
 * command, as a keyboard does. What the terminal receives is checked byte for byte.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../src/eval/lock.js';

const root = join(import.meta.dirname, '..');
const hasScript = spawnSync('script', ['--version']).status === 0;

const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';
const WRAP_OFF = '\x1b[?7l';
const WRAP_ON = '\x1b[?7h';

interface TerminalRun {
  /** Everything the terminal received, stdout and stderr interleaved as displayed. */
  screen: string;
  code: number | null;
  /** Milliseconds from Ctrl-C to the command's exit. */
  exitAfterMs: number;
}

/** Run the CLI on a pseudo-terminal and type Ctrl-C once `when` matches what it has shown. */
function interruptOnTerminal(args: string[], when: RegExp): Promise<TerminalRun> {
  const command = ['node', 'bin/infogain.js', ...args].map((a) => `'${a}'`).join(' ');
  // -q: no banner, -f: flush at once, -e: script's status is the command's, -c: the command.
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  let screen = '';
  let typedAt = 0;
  child.stdout.on('data', (chunk) => {
    screen += String(chunk);
    if (typedAt === 0 && when.test(screen)) {
      typedAt = Date.now();
      child.stdin.write('\x03');
    }
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ screen, code, exitAfterMs: typedAt === 0 ? NaN : Date.now() - typedAt })));
}

/** The terminal state the command left: what came after the bar's last change of it. */
function restoredAfterLast(screen: string, changed: string, restored: string): boolean {
  const at = screen.lastIndexOf(changed);
  return at >= 0 && screen.indexOf(restored, at) > at;
}

describe.skipIf(!hasScript)('Ctrl-C on a terminal', () => {
  it('compare restores the cursor and line wrap, prints the samplers that finished, exits 130', async () => {
    // 1,000 prompts: confidence takes seconds, info-gain half a minute more; Ctrl-C once info-gain has begun.
    const run = await interruptOnTerminal(['compare', '--model', 'hmm-demo', '--samplers', 'confidence,info-gain', '--n', '1000'], /\| info-gain \|/);
    expect(run.code, run.screen.slice(-2000)).toBe(130);
    expect(run.exitAfterMs).toBeLessThan(10_000);
    expect(run.screen).toContain(HIDE_CURSOR);
    expect(restoredAfterLast(run.screen, HIDE_CURSOR, SHOW_CURSOR)).toBe(true);
    expect(run.screen).toContain(WRAP_OFF);
    expect(restoredAfterLast(run.screen, WRAP_OFF, WRAP_ON)).toBe(true);
    const rows = run.screen.split(/\r?\n/).filter((l) => l.startsWith('│ ') && !l.startsWith('│ sampler'));
    expect(rows.map((l) => l.split('│')[1].trim())).toEqual(['confidence']);
    expect(rows[0].split('│').slice(2, 4).map((c) => c.trim())).toEqual([expect.stringMatching(/^-\d+\.\d{3}$/), expect.stringMatching(/^\d+\.\d{3}$/)]);
    expect(run.screen).toMatch(/model hmm-demo, n = 1000, seed 0, τ_tok = 0; means over prompts/);
    expect(run.screen).toMatch(/infogain: interrupted \(Ctrl-C\): 1 of 2 samplers finished, shown above; not finished: info-gain\r?\n/);
  }, 90_000);

  it('eval restores the terminal too, releases its lock and keeps the lines it wrote', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'infogain-interrupt-')), 'run');
    const args = ['eval', '--task', 'sudoku', '--samplers', 'confidence,info-gain', '--n', '20', '--batch-size', '1', '--task-option', 'blanks=40', '--out', out];
    const run = await interruptOnTerminal(args, /\| info-gain \|/);
    // The default action of SIGINT, as without the bar: the shell's 128 + 2.
    expect(run.code, run.screen.slice(-2000)).toBe(130);
    expect(restoredAfterLast(run.screen, HIDE_CURSOR, SHOW_CURSOR)).toBe(true);
    expect(restoredAfterLast(run.screen, WRAP_OFF, WRAP_ON)).toBe(true);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    const lines = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
  }, 90_000);
});
