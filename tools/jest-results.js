// Jest testResultsProcessor: records each project's counts, and the names of its failed tests,
// in .test-results/ so that tools/summarize-tests.js can close `npm test` with them.
const fs = require('node:fs');
const path = require('node:path');

/** The first non-empty line of a failure message, without colour codes. */
function firstLine(message) {
  const plain = String(message ?? '').replace(/\x1b\[[0-9;]*m/g, '');
  return (plain.split('\n').find((line) => line.trim() !== '') ?? '').trim().slice(0, 300);
}

module.exports = (results) => {
  const dir = path.join(__dirname, '..', '.test-results');
  fs.mkdirSync(dir, { recursive: true });
  const name = (results.testResults[0]?.displayName?.name ?? process.env.npm_package_name ?? 'jest').replace(/[^\w.-]+/g, '_');
  const failures = [];
  for (const file of results.testResults) {
    const where = path.relative(path.join(__dirname, '..'), file.testFilePath);
    if (file.testExecError) failures.push({ test: where, message: firstLine(file.testExecError.message) });
    for (const test of file.testResults) {
      if (test.status === 'failed') failures.push({ test: `${where} › ${test.fullName}`, message: firstLine(test.failureMessages[0]) });
    }
  }
  const counts = { passed: results.numPassedTests, failed: results.numFailedTests + results.numRuntimeErrorTestSuites, skipped: results.numPendingTests + results.numTodoTests, failures };
  fs.writeFileSync(path.join(dir, `jest-${name}.json`), JSON.stringify(counts));
  return results;
};
