import assert from 'node:assert/strict';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AuditEntry } from '../../src/aws/audit.js';
import { loadTopology } from '../../src/sim/topology.js';
import { gameday, tempDir } from '../support/cli.js';
import { startSim } from '../support/sim.js';

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

async function auditLines(path: string): Promise<AuditEntry[]> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditEntry);
}

describe('gameday twin', () => {
  it('writes a twin of a topology that the simulated region loads, with its header, and an audit log of read calls', async () => {
    const tmp = await tempDir();
    try {
      const out = join(tmp.dir, 'twin.yaml');
      const result = await gameday(['twin', '--topology', 'experiments/topologies/reference.yaml', '-o', out], { timeoutMs: 120_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        /^twin of experiments\/topologies\/reference\.yaml: \d+ read calls \(0 mutating\), \d+ notes?; the topology loads in the simulated region/,
      );
      const text = await readFile(out, 'utf8');
      assert.match(
        text,
        /^# Twin of topology experiments\/topologies\/reference\.yaml at http:\/\/127\.0\.0\.1:\d+, account 123456789012, region us-east-1: read by gameday twin at \d{4}-\d\d-\d\dT/,
      );
      const twin = await loadTopology(out);
      const source = await loadTopology('experiments/topologies/reference.yaml');
      assert.deepEqual(
        twin.autoScalingGroups.map((g) => [g.name, g.min, g.desired, g.max, g.healthCheckType, g.healthCheckGracePeriod]),
        source.autoScalingGroups.map((g) => [g.name, g.min, g.desired, g.max, g.healthCheckType, g.healthCheckGracePeriod]),
      );
      const log = await auditLines(join(tmp.dir, 'twin.yaml.audit.jsonl'));
      assert.ok(log.length > 10, `${log.length} audit lines`);
      assert.deepEqual(
        log.filter((e) => e.mutating).map((e) => e.operation),
        [],
      );
      assert.equal(log[0]?.operation, 'GetCallerIdentity');
    } finally {
      await tmp.cleanup();
    }
  });

  it('twins a CloudFormation template, to stdout', async () => {
    const tmp = await tempDir();
    try {
      const result = await gameday(['twin', '--template', 'infra/reference-architecture.yaml', '--audit-log', join(tmp.dir, 'a.jsonl')], {
        timeoutMs: 120_000,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^# Twin of template infra\/reference-architecture\.yaml/);
      assert.match(result.stdout, /\nautoScalingGroups:\n/);
    } finally {
      await tmp.cleanup();
    }
  });

  it('refuses an unknown file or flags that name two sources in one sentence, exit 2, and writes nothing', async () => {
    const tmp = await tempDir();
    try {
      const out = join(tmp.dir, 'twin.yaml');
      const missing = await gameday(['twin', '--topology', 'no-such-topology.yaml', '-o', out]);
      assert.equal(missing.code, 2, missing.stderr);
      assert.equal(missing.stderr, 'error: Cannot use topology no-such-topology.yaml: no such file.\n');
      const both = await gameday(['twin', '--topology', 'experiments/topologies/reference.yaml', '--allowed-account', '123456789012', '-o', out]);
      assert.equal(both.code, 2, both.stderr);
      assert.match(both.stderr, /^error: [^\n]*leave them out with --template or --topology\.\n$/);
      assert.equal(await exists(out), false);
    } finally {
      await tmp.cleanup();
    }
  });

  it('refuses credentials of an account not in --allowed-account before any other read', async () => {
    const sim = await startSim({ speed: 100 });
    const tmp = await tempDir();
    try {
      const out = join(tmp.dir, 'twin.yaml');
      const result = await gameday(['twin', '--endpoint', sim.endpoint, '--allowed-account', '111111111111', '-o', out]);
      assert.equal(result.code, 5, result.stderr);
      assert.match(
        result.stderr,
        /^error: The credentials belong to account 123456789012[^\n]*, which is not in --allowed-account \(111111111111\); nothing was read\.\n$/,
      );
      assert.equal(await exists(out), false);
      assert.deepEqual(
        (await auditLines(join(tmp.dir, 'twin.yaml.audit.jsonl'))).map((e) => e.operation),
        ['GetCallerIdentity'],
      );
      // The same endpoint with the right account is read.
      const allowed = await gameday(['twin', '--endpoint', sim.endpoint, '--allowed-account', '123456789012', '-o', out]);
      assert.equal(allowed.code, 0, allowed.stderr);
      await loadTopology(out);
    } finally {
      await tmp.cleanup();
      await sim.close();
    }
  });
});
