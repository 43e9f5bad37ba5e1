#!/usr/bin/env node
// In a checkout (src/ beside bin/) the CLI runs from the TypeScript sources through tsx, so it works
// straight after `npm ci` and always matches the sources; the published package ships no src/ and
// runs the compiled dist/ (built by prepack), needing no TypeScript tooling at run time.
import { existsSync } from 'node:fs';

// `infogain … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const sources = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(sources.href));
} else {
  ({ main } = await import('../dist/src/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
