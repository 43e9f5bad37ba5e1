/** Run the CLI in-process and capture what it prints (console and the raw streams). */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

export async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' '))),
    vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(`${a.join(' ')}\n`)),
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true)),
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true)),
  ];
  try {
    const code = await main(args);
    return { code, stdout: out.join('\n'), stderr: err.join('').replace(/\n$/, '') };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}
