// Shared jest settings: TypeScript through SWC (fast, with decorator metadata for NestJS),
// workspace packages resolved to their sources so tests never depend on a stale build.
const fs = require('node:fs');
const path = require('node:path');

// Every workspace package that has a src/index.ts, by its npm name.
const workspaceSources = {};
for (const pattern of require('./package.json').workspaces) {
  const parent = path.join(__dirname, pattern.replace(/\/\*$/, ''));
  const dirs = pattern.endsWith('/*') ? fs.readdirSync(parent).map((name) => path.join(parent, name)) : [parent];
  for (const dir of dirs) {
    const manifest = path.join(dir, 'package.json');
    const index = path.join(dir, 'src', 'index.ts');
    if (fs.existsSync(manifest) && fs.existsSync(index)) workspaceSources[`^${require(manifest).name}$`] = index;
  }
}

module.exports = {
  testEnvironment: 'node',
  testResultsProcessor: path.join(__dirname, 'tools', 'jest-results.js'),
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: workspaceSources,
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
