// Prints the compiled test files for `npm test`, the slowest first. Node's runner starts files in the order given and
// keeps `--test-concurrency` of them running: with the long ones first, the suite does not end on one long file
// running alone while the other cores idle. The list names the files that took 40 s or more, run alone two at a time;
// a file missing from it runs in alphabetical order after them, and a name here that no longer exists is skipped.
//
// `npm test` runs three files at once on the 2-core machine: the files wait (on simulated AWS time, on processes they
// start) more than they compute. Measured file by file, two at a time: 2,302 s of summed wall time, 1,507 s of CPU
// (children included), the suite 1,156 s; with three at a time the suite took 921 s.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const SLOWEST_FIRST = [
  'orchestrator/crash-points',
  'orchestrator/dashboard',
  'cli/audit-e2e',
  'orchestrator/schedules',
  'sim/autoscaling',
  'cli/examples',
  'engine/global-experiments',
  'cli/report',
  'orchestrator/worker-loses-redis',
  'engine/release-experiments',
  'sim/aws-cli-ops',
  'conformance/moto',
  'localstack/moto-run',
  'sim/instance-refresh',
  'orchestrator/undo-outstanding',
  'actions/asg-instance-refresh',
  'sim/aws-cli-rds',
  'orchestrator/queue',
];

const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : [],
  );

const all = files('dist/test').sort();
const first = SLOWEST_FIRST.map((name) => `dist/test/${name}.test.js`).filter((f) => all.includes(f));
console.log([...first, ...all.filter((f) => !first.includes(f))].join('\n'));
