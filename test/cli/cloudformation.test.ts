import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import type { Journal } from '../../src/engine/journal.js';
import { BIN, ROOT, gameday, tempDir } from '../support/cli.js';

describe('a CloudFormation template as the simulated region’s topology', () => {
  it('runs experiments/stack-terminate-one-instance.yaml, which names everything by ${sim:stack.…} outputs, and it passes', async () => {
    const tmp = await tempDir();
    try {
      const journalPath = join(tmp.dir, 'journal.json');
      const result = await gameday(['run', join('experiments', 'stack-terminate-one-instance.yaml'), '--journal', journalPath, '--view', 'plain'], {
        timeoutMs: 180_000,
      });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const journal = JSON.parse(await readFile(journalPath, 'utf8')) as Journal;
      assert.equal(journal.verdict.status, 'passed');
      const text = JSON.stringify(journal);
      // The fault and probes reached the stack's group by the name its output gave, a name CloudFormation generated.
      assert.match(text, /stack-terminate-one-web-instance/);
      assert.match(text, /reference-ar-WebAutoScali-[0-9A-F]{6}/);
      assert.doesNotMatch(text, /\$\{sim:/);
    } finally {
      await tmp.cleanup();
    }
  });

  it('prints the stack outputs and the notes of what the region does not honour', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'sim',
        '--topology',
        join('infra', 'reference-architecture.yaml'),
        '--stack-name',
        'gd-ci',
        '--parameter',
        'DesiredCapacity=4',
        '--port',
        '0',
        '--speed',
        '40',
        '--json',
      ],
      { cwd: ROOT },
    );
    try {
      const info = await new Promise<{ outputs: Record<string, string>; notes: string[] }>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0] ?? '') as { outputs: Record<string, string>; notes: string[] });
        });
        child.on('exit', (code) => reject(new Error(`gameday sim exited ${String(code)}`)));
      });
      assert.match(info.outputs['stack.WebAsgName'] ?? '', /^gd-ci-WebAutoScalingGroup-[0-9A-F]{6}$/);
      assert.equal(info.outputs['stack.HealthyHostsAlarmName'], 'gd-ci-healthy-hosts');
      assert.ok(
        info.notes.some((n) => n.startsWith('Resources.WebAutoScalingGroup.CreationPolicy is not modelled')),
        info.notes.join('\n'),
      );
      const res = await fetch(`${info.outputs['stack.WebLoadBalancer.url'] ?? ''}/health`);
      assert.equal(res.status, 200);
      const asg = new AutoScalingClient({
        region: 'us-east-1',
        endpoint: info.outputs['region.endpoint'],
        credentials: { accessKeyId: 'A', secretAccessKey: 'b' },
      });
      try {
        const { AutoScalingGroups: [group] = [] } = await asg.send(
          new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [info.outputs['stack.WebAsgName'] ?? ''] }),
        );
        assert.equal(group?.DesiredCapacity, 4, 'the --parameter override reached the group');
      } finally {
        asg.destroy();
      }
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    }
  });

  it('refuses a template it cannot evaluate in one sentence naming the file and the template path, before anything starts', async () => {
    const tmp = await tempDir();
    try {
      const text = (await readFile(join(ROOT, 'infra', 'reference-architecture.yaml'), 'utf8')).replace('MinSize: !Ref MinSize', 'MinSize: !Ref MinimumSize');
      const file = await tmp.write('typo-stack.yaml', text);
      const result = await gameday(['sim', '--topology', file, '--port', '0']);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(
        result.stderr.trim(),
        `error: Cannot use topology ${file}: Resources.WebAutoScalingGroup.Properties.MinSize: Ref names 'MinimumSize', which is neither a parameter nor a resource of the template.`,
      );
      const bad = await gameday(['sim', '--topology', join('infra', 'reference-architecture.yaml'), '--parameter', 'MinSize=2', '--port', '0']);
      assert.equal(bad.code, 2, bad.stderr);
      assert.equal(bad.stderr.trim(), "error: Cannot use topology infra/reference-architecture.yaml: Parameters.MinSize: '2' is below its MinValue 3.");
      // Not YAML at all: the parser's first line (where), not its code frame; no stack trace.
      const broken = await tmp.write('broken-stack.yaml', 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  A: [unclosed\n');
      const unparsed = await gameday(['sim', '--topology', broken, '--port', '0']);
      assert.equal(unparsed.code, 2, unparsed.stderr);
      assert.match(unparsed.stderr, new RegExp(`^error: Cannot use topology ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+ at line 4, column 1\\.\n$`));
      // A plain topology's problem names its file once.
      const topology = await tmp.write('topology.yaml', 'region: us-east-1\n');
      const plain = await gameday(['sim', '--topology', topology, '--port', '0']);
      assert.equal(plain.code, 2, plain.stderr);
      assert.match(plain.stderr, /^error: Cannot use topology [^:]*topology\.yaml: [a-zA-Z]+: [^\n]+\.\n$/);
    } finally {
      await tmp.cleanup();
    }
  });
});
