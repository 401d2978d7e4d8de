// Closes `npm test`: the name and first message line of every failed test (so that the tail of a
// CI log says what failed), then one line of passed/failed/skipped counts over every jest project
// and pytest, from what tools/jest-results.js and pytest's JUnit XML left in .test-results/.
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', '.test-results');
const total = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const unescapeXml = (text) => text.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#10;/g, ' ').replace(/&amp;/g, '&');
// Only the counts and failures: .test-results/ also holds the e2e services' logs (service-logs/).
for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => /\.(json|xml)$/.test(name)) : []) {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  if (file.endsWith('.json')) {
    const counts = JSON.parse(text);
    for (const key of Object.keys(total)) total[key] += counts[key];
    failures.push(...(counts.failures ?? []));
  } else if (file.endsWith('.xml')) {
    for (const suite of text.matchAll(/<testsuite\b[^>]*>/g)) {
      const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite[0])?.[1] ?? 0);
      const failed = attr('failures') + attr('errors');
      total.failed += failed;
      total.skipped += attr('skipped');
      total.passed += attr('tests') - failed - attr('skipped');
    }
    // <testcase classname="tests.test_x" name="test_y" …><failure message="…"> (or <error …>).
    for (const testcase of text.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const body = testcase[2] ?? '';
      const failure = /<(failure|error)\b[^>]*?message="([^"]*)"/.exec(body);
      if (!failure && !/<(failure|error)\b/.test(body)) continue;
      const attr = (name) => unescapeXml(new RegExp(`\\b${name}="([^"]*)"`).exec(testcase[1])?.[1] ?? '');
      failures.push({ test: `${attr('classname')}::${attr('name')}`, message: unescapeXml(failure?.[2] ?? failure?.[1] ?? '').slice(0, 300) });
    }
  }
}
for (const { test, message } of failures) console.log(`FAILED ${test}${message ? `: ${message}` : ''}`);
console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
