// Prints the compiled test files for `npm test`. Node's runner sorts the files it is given on its command line (Node
// 20 and 24 alike) and keeps `--test-concurrency` of them running, reporting each file's results in that order.
//
// `npm test` runs three files at once on the 2-core machine: the files wait (on simulated AWS time, on processes they
// start) more than they compute. Measured file by file, two at a time: 2,302 s of summed wall time, 1,507 s of CPU
// (children included); the whole suite, three at a time, about 905 s.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : [],
  );

console.log(files('dist/test').sort().join('\n'));
