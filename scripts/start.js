// `npm start`: builds what changed since the last build (nothing, usually), then runs the server in
// this very process. npm forwards SIGTERM and SIGINT to the process its script started, and the
// script `exec`s node, so the signal reaches the server itself, which then shuts down cleanly.
const { build } = require('./build');

// Node 22.1+ keeps compiled bytecode of the modules it loads (in the OS temp directory), which
// shortens every start after the first; Node 20 has no such cache.
require('node:module').enableCompileCache?.();

const started = Date.now();
const ran = build({ ifStale: true });
if (ran.length) process.stderr.write(`built ${ran.join(' and ')} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
require('../dist/main.js');
