#!/usr/bin/env node
// The `node-chat` command. The TypeScript is compiled into dist/ by `npm ci` (the "prepare"
// script) or `npm run build`; this file only starts it.
let cli;
try {
  cli = await import('../dist/src/cli.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
    process.stderr.write('node-chat: not built yet: run `npm ci` or `npm run build` in the node-chat folder\n');
    process.exit(1);
  }
  throw error;
}
const code = await cli.main(process.argv.slice(2));
// null: a server is running (it exits by itself on SIGINT/SIGTERM). Otherwise the command is done:
// exit with its code (writes to files, pipes and terminals are synchronous on Linux and macOS).
if (code !== null) process.exit(code);
