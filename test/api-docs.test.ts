/** docs/api.md describes every name the package entries export (values and types). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** The names an entry file exports: `export { a, type B, c as d }` lists and `export * as ns`. */
function exportedNames(file: string): string[] {
  const source = readFileSync(join(root, file), 'utf8');
  const names: string[] = [];
  for (const m of source.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g))
    for (const part of m[1].split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop();
      if (name) names.push(name);
    }
  for (const m of source.matchAll(/export \* as (\w+)/g)) names.push(m[1]);
  return names;
}

describe('docs/api.md', () => {
  const doc = readFileSync(join(root, 'docs/api.md'), 'utf8');
  for (const [file, module] of [['src/index.ts', () => import('../src/index.js')], ['src/node.ts', () => import('../src/node.js')]] as const) {
    it(`mentions every export of ${file}`, async () => {
      const names = exportedNames(file);
      // The parse sees every value the module exports at run time (src/node.ts adds its own to src/index.ts's).
      const runtime = Object.keys(await module());
      const parsed = new Set(file === 'src/node.ts' ? [...names, ...exportedNames('src/index.ts')] : names);
      expect(runtime.filter((n) => !parsed.has(n))).toEqual([]);
      expect(names.filter((n) => !doc.includes(`\`${n}\``) && !doc.includes(`\`${n}(`) && !doc.includes(`\`${n}<`) && !doc.includes(`\`${n}.`))).toEqual([]);
    });
  }

  it('lists every built-in model loadModel takes by name, and no other', async () => {
    const { BUILTIN_MODELS } = await import('../src/node.js');
    const list = /\(`BUILTIN_MODELS`:([^)]*)\)/.exec(doc);
    if (!list) throw new Error('docs/api.md: no "(`BUILTIN_MODELS`: …)" list');
    const named = [...list[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    expect([...named].sort()).toEqual(BUILTIN_MODELS.map((m) => m.name).sort());
  });
});
