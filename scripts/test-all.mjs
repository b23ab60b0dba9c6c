// Runs every check Graft has, in order, keeps going after a failure so one run shows everything,
// and ends with the plain summary line CI reads: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const REPORTS = 'test-results';
mkdirSync(REPORTS, { recursive: true });

const only = process.argv.slice(2);
const stages = [
  { name: 'typecheck', cmd: 'npm run check' },
  { name: 'lint', cmd: 'npm run lint' },
  // Python with real Keras for the round-trip tests (made once, cached; a failed install fails here).
  { name: 'keras-env', cmd: 'node scripts/keras-env.mjs' },
  {
    name: 'unit',
    cmd: `npx vitest run --reporter=default --reporter=json --outputFile.json=${REPORTS}/unit.json`,
    report: `${REPORTS}/unit.json`,
    count: (r) => ({
      passed: r.numPassedTests,
      failed: r.numFailedTests + (r.numTotalTestSuites && !r.success && r.numFailedTests === 0 ? 1 : 0),
    }),
  },
  { name: 'build', cmd: 'npm run build' },
  {
    name: 'e2e',
    cmd: 'npx playwright test',
    env: { PLAYWRIGHT_JSON_OUTPUT_NAME: `${REPORTS}/e2e.json` },
    report: `${REPORTS}/e2e.json`,
    count: (r) => ({
      passed: r.stats.expected + (r.stats.flaky ?? 0),
      failed: r.stats.unexpected + (r.errors?.length ?? 0),
    }),
  },
].filter((s) => only.length === 0 || only.includes(s.name));

let passed = 0;
let failed = 0;
const lines = [];
for (const stage of stages) {
  if (stage.report) rmSync(stage.report, { force: true });
  const started = Date.now();
  console.log(`\n=== ${stage.name}: ${stage.cmd}`);
  const run = spawnSync(stage.cmd, {
    shell: true,
    stdio: 'inherit',
    env: { ...process.env, ...(stage.env ?? {}) },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  let p = run.status === 0 ? 1 : 0;
  let f = run.status === 0 ? 0 : 1;
  if (stage.report && existsSync(stage.report)) {
    try {
      const counted = stage.count(JSON.parse(readFileSync(stage.report, 'utf8')));
      p = counted.passed;
      // A runner that exits non-zero with no failed test still failed (a crash, no tests found…).
      f = counted.failed || (run.status === 0 ? 0 : 1);
    } catch (e) {
      console.error(`could not read ${stage.report}: ${e.message}`);
    }
  }
  passed += p;
  failed += f;
  lines.push(
    `${stage.name.padEnd(10)} ${run.status === 0 ? 'ok  ' : 'FAIL'}  ${p} passed, ${f} failed  (${seconds}s)`,
  );
}
console.log('\n' + lines.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
