// Jest testResultsProcessor: records each project's counts in .test-results/ so that
// tools/summarize-tests.js can print one closing line for the whole `npm test`.
const fs = require('node:fs');
const path = require('node:path');

module.exports = (results) => {
  const dir = path.join(__dirname, '..', '.test-results');
  fs.mkdirSync(dir, { recursive: true });
  const name = (results.testResults[0]?.displayName?.name ?? process.env.npm_package_name ?? 'jest').replace(/[^\w.-]+/g, '_');
  const counts = { passed: results.numPassedTests, failed: results.numFailedTests + results.numRuntimeErrorTestSuites, skipped: results.numPendingTests + results.numTodoTests };
  fs.writeFileSync(path.join(dir, `jest-${name}.json`), JSON.stringify(counts));
  return results;
};
