// Closes `npm test`: the name and first message line of every failed test (so that the tail of a
// CI log says what failed), then one line of passed/failed/skipped counts over every jest project
// and pytest, from what tools/jest-results.js and pytest's JUnit XML left in .test-results/.
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', '.test-results');
const total = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const unescapeXml = (text) => text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#10;/g, ' ').replace(/&amp;/g, '&');
/** The value of attribute `name` in an XML tag's attribute text, unescaped; '' if it has none. */
function attribute(attributes, name) {
  return unescapeXml(new RegExp(`\\b${name}="([^"]*)"`).exec(attributes)?.[1] ?? '');
}

// Only the counts and failures: .test-results/ also holds the e2e services' logs (service-logs/).
for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => /\.(json|xml)$/.test(name)) : []) {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  if (file.endsWith('.json')) {
    const counts = JSON.parse(text);
    for (const key of Object.keys(total)) total[key] += counts[key];
    failures.push(...(counts.failures ?? []));
  } else if (file.endsWith('.xml')) {
    for (const suite of text.matchAll(/<testsuite\b([^>]*)>/g)) {
      const count = (name) => Number(attribute(suite[1], name) || 0);
      const failed = count('failures') + count('errors');
      total.failed += failed;
      total.skipped += count('skipped');
      total.passed += count('tests') - failed - count('skipped');
    }
    // <testcase classname="tests.test_x" name="test_y" …><failure message="…"> (or <error …>).
    for (const testcase of text.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const failure = /<(?:failure|error)\b([^>]*)>/.exec(testcase[2] ?? '');
      if (!failure) continue;
      failures.push({ test: `${attribute(testcase[1], 'classname')}::${attribute(testcase[1], 'name')}`, message: attribute(failure[1], 'message').slice(0, 300) });
    }
  }
}
for (const { test, message } of failures) console.log(`FAILED ${test}${message ? `: ${message}` : ''}`);
console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
