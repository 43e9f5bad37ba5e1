/**
 * The `infogain` command line: one module per command under ./commands.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { packageRoot } from '../node/paths.js';
import { CommandExit } from './common.js';
import { registerCompare } from './commands/compare.js';
import { registerEval } from './commands/eval.js';
import { registerFrontier } from './commands/frontier.js';
import { registerGenerate } from './commands/generate.js';
import { registerInspect } from './commands/inspect.js';
import { registerLab } from './commands/lab.js';
import { registerLists } from './commands/lists.js';
import { registerReport } from './commands/report.js';
import { registerServe } from './commands/serve.js';
import { registerWeb } from './commands/web.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('infogain')
    .description('Decode masked diffusion language models with the Info-Gain Sampler and its baselines.')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .exitOverride()
    .enablePositionalOptions()
    // main() prints the one error line itself, so commander's own copy is dropped.
    .configureOutput({ outputError: () => {} });
  for (const register of [registerGenerate, registerCompare, registerLab, registerEval, registerReport, registerFrontier, registerInspect, registerLists, registerWeb, registerServe]) register(program);
  return program;
}

/**
 * The version in the package's own package.json, read at run time: the same file whether the CLI
 * runs from src/ in a checkout or from dist/src/ in an installed package (packageRoot finds it).
 */
export function packageVersion(): string {
  const file = join(packageRoot(), 'package.json');
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || !('version' in parsed) || typeof parsed.version !== 'string')
    throw new Error(`${file}: no "version" string; cannot tell the version of infogain`);
  return parsed.version;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommandExit) {
      console.error(`infogain: ${err.message}`);
      return err.exitCode;
    }
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    if (e.code?.startsWith('commander.') && !e.exitCode) return 0;
    console.error(`infogain: ${(e.message ?? String(err)).replace(/^error: /, '')}${e.code?.startsWith('commander.') ? ' (see --help)' : ''}`);
    return 2;
  }
}



