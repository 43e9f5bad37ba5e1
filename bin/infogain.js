#!/usr/bin/env node
// Runs the TypeScript sources through tsx, so the CLI works straight after `npm ci`.
import { register } from 'tsx/esm/api';

// `infogain … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
