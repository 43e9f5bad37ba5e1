/**
 * Builds the browser app (web/) into dist/web. onnxruntime-web is bundled with the app; its wasm
 * runtime (the .mjs loaders and .wasm binaries: the wasm-only one, and the one with WebGPU
 * kernels) is copied to dist/web/ort/ and loaded from there (`ort.env.wasm.wasmPaths`), so nothing comes from outside the
 * machine. The `onnxruntime-web-use-extern-wasm` condition picks the build that loads that loader
 * by URL: the default build inlines it, and its thread workers would then load the app's own chunk.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, defaultClientConditions, type Plugin } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const ortDist = dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm'));
/** The runtime files `web/src/runtime.ts` points onnxruntime-web at. */
export const ORT_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];

function copyOrtRuntime(): Plugin {
  return {
    name: 'infogain-copy-ort-runtime',
    apply: 'build',
    generateBundle() {
      for (const file of ORT_FILES) this.emitFile({ type: 'asset', fileName: `ort/${file}`, source: readFileSync(join(ortDist, file)) });
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  // The decode worker (web/src/worker.ts) loads an onnxruntime-web build on demand: ES module workers split into chunks.
  worker: { format: 'es' },
  build: {
    outDir: join(here, '..', 'dist', 'web'),
    emptyOutDir: true,
    target: 'es2022',
    // The ort loader and the app are large by nature; the warning says nothing useful here.
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: { index: join(here, 'index.html'), bench: join(here, 'bench.html') } },
  },
  plugins: [copyOrtRuntime()],
});
