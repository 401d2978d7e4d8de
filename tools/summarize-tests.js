// Prints one closing line for `npm test`: the passed/failed/skipped counts of every jest
// project and of pytest, from what tools/jest-results.js and pytest's JUnit XML left in .test-results/.
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', '.test-results');
const total = { passed: 0, failed: 0, skipped: 0 };
// Only the counts: .test-results/ also holds the e2e services' logs (service-logs/).
for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => /\.(json|xml)$/.test(name)) : []) {
  const text = fs.readFileSync(path.join(dir, file), 'utf8');
  if (file.endsWith('.json')) {
    const counts = JSON.parse(text);
    for (const key of Object.keys(total)) total[key] += counts[key];
  } else if (file.endsWith('.xml')) {
    for (const suite of text.matchAll(/<testsuite\b[^>]*>/g)) {
      const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite[0])?.[1] ?? 0);
      const failed = attr('failures') + attr('errors');
      total.failed += failed;
      total.skipped += attr('skipped');
      total.passed += attr('tests') - failed - attr('skipped');
    }
  }
}
console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
