#!/usr/bin/env node
// The `visitsarch` command. Committed (not built) so that npm links it at install time, before
// the first build: npm links a workspace's `bin` only if its target exists then. It loads the
// compiled CLI, or says what to run when the repository has not been built yet.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'main.js');
if (!fs.existsSync(built)) {
  const root = path.resolve(__dirname, '..', '..');
  process.stderr.write(`visitsarch: the command line is not built yet: run \`npm run build\` (or \`npm start\`) in ${root}\n`);
  process.exit(1);
}
require(built);
