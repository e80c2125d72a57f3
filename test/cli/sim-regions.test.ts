import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { BIN, ROOT } from '../support/cli.js';

describe('gameday sim with a topology of two Regions', () => {
  let child: ChildProcessWithoutNullStreams;
  let printed: string;
  before(async () => {
    child = spawn(process.execPath, [BIN, 'sim', '--topology', 'experiments/topologies/two-regions.yaml', '--port', '0', '--speed', '40'], { cwd: ROOT });
    printed = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ctrl-C stops it.')) resolve(out);
      });
      child.on('exit', (code) => reject(new Error(`gameday sim exited ${String(code)}: ${out}`)));
    });
  });
  after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('prints each Region with its zones beside the one endpoint, and the outputs of every Region', async () => {
    const endpoint = /ready in .* at (http:\/\/127\.0\.0\.1:\d+) /.exec(printed)?.[1];
    assert.ok(endpoint !== undefined, printed);
    assert.match(printed, /^ {2}region us-east-1 \(home: Route 53, IAM, STS\): zones us-east-1a, us-east-1b, us-east-1c$/m);
    assert.match(printed, /^ {2}region eu-central-1: zones eu-central-1a, eu-central-1b, eu-central-1c$/m);
    assert.match(printed, /\$\{sim:alb\.web-euc1\.region\} = eu-central-1$/m);
    assert.match(printed, /\$\{sim:region\.names\} = us-east-1,eu-central-1$/m);
    const regions = ((await (await fetch(`${endpoint}/_sim/regions`)).json()) as { regions: { region: string; ready: boolean }[] }).regions;
    assert.deepEqual(
      regions.map((r) => [r.region, r.ready]),
      [
        ['us-east-1', true],
        ['eu-central-1', true],
      ],
    );
  });
});
