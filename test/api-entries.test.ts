/**
 * The package entries: `infogain` (src/index.ts) reaches no Node built-in and no onnxruntime-node,
 * so a bundler can ship it to a browser; `infogain/node` (src/node.ts) re-exports all of it.
 */
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SPECIFIER = /(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
const NODE_ONLY = new Set([...builtinModules, 'onnxruntime-node']);

/** Every module reachable from `entry` by value imports (type-only imports are erased), and each non-relative import seen. */
function importGraph(entry: string): { files: string[]; external: { from: string; specifier: string }[] } {
  const seen = new Set<string>();
  const external: { from: string; specifier: string }[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(SPECIFIER)) {
      if (/^(?:import|export)\s+type\s/.test(m[0])) continue;
      const specifier = m[1] ?? m[2];
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else external.push({ from: relative(ROOT, file), specifier });
    }
  };
  visit(join(ROOT, entry));
  return { files: [...seen].map((f) => relative(ROOT, f)), external };
}

const nodeOnly = (specifier: string) => specifier.startsWith('node:') || NODE_ONLY.has(specifier.split('/')[0]);

describe('package entries', () => {
  it('infogain (src/index.ts) reaches no node: module and no onnxruntime-node', () => {
    const { files, external } = importGraph('src/index.ts');
    expect(files).toContain('src/api/decode.ts');
    expect(files).toContain('src/models/tokenizer.ts');
    expect(external.filter((e) => nodeOnly(e.specifier))).toEqual([]);
  });

  it('the walk finds Node imports where they are: infogain/node reaches node:fs', () => {
    const { external } = importGraph('src/node.ts');
    expect(external.some((e) => e.specifier === 'node:fs' && e.from === 'src/api/node-load.ts')).toBe(true);
  });

  it('infogain/node exports everything infogain does', async () => {
    const neutral = await import('../src/index.js');
    const node = await import('../src/node.js');
    expect(Object.keys(node)).toEqual(expect.arrayContaining(Object.keys(neutral)));
    expect(node.loadModel).not.toBe(neutral.loadModel);
  });
});
