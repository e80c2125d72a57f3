import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { journalSchema } from '../../src/engine/journal.js';
import { BIN, gameday, ROOT, tempDir } from '../support/cli.js';
import { type Daemon, startSimProcess } from '../support/daemon.js';
import { CREDENTIALS } from '../support/sim.js';

/**
 * The world's endpoint as the run knows it: a forwarder to the simulated region that can vanish. It says it is the
 * region's endpoint (in `/_sim/outputs`), so every AWS call of the run goes through it while the probes reach the
 * region's load balancer directly: once it is cut, only the AWS calls fail.
 */
async function vanishingEndpoint(target: string): Promise<{ endpoint: string; cut(): void; restore(): Promise<void>; close(): void }> {
  const upstream = new URL(target);
  let endpoint = '';
  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const fwd = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      if (req.url?.startsWith('/_sim/outputs') !== true) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        return;
      }
      let body = '';
      up.on('data', (d: Buffer) => (body += d.toString()));
      up.on('end', () => {
        const parsed = JSON.parse(body) as { outputs?: Record<string, string> };
        if (parsed.outputs !== undefined) parsed.outputs['region.endpoint'] = endpoint;
        res.writeHead(up.statusCode ?? 502, { 'content-type': 'application/json' });
        res.end(JSON.stringify(parsed));
      });
    });
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  };
  let server: Server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  endpoint = `http://127.0.0.1:${port}`;
  const cut = (): void => {
    // No new connection is accepted (ECONNREFUSED) and the kept-alive ones are dropped.
    server.close();
    server.closeAllConnections();
  };
  // The endpoint comes back where it was.
  const restore = async (): Promise<void> => {
    server = createServer(forward);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  };
  return { endpoint, cut, restore, close: cut };
}

const experiment = (endpoint: string): string => `apiVersion: gameday/v1
metadata: { name: stop-one-and-lose-the-endpoint }
environment: { type: sim, endpoint: "${endpoint}" }
probes:
  - name: site
    probe: http
    args: { url: "\${sim:alb.web-alb.url}/health", timeout: 2s }
    interval: 5s
faults:
  - name: stop-one
    action: aws.ec2.stop-instances
    targets:
      tags: { "aws:autoscaling:groupName": web-asg }
      selection: COUNT(1)
    duration: 1m
safety:
  requireTags: { "gameday:allowed": "true" }
  maxGroupPercent: 67
recovery: { stableFor: 30s, timeout: 10m }
`;

describe('gameday run whose world endpoint vanishes after the fault landed', () => {
  let sim: Daemon & { endpoint: string };
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    [sim, tmp] = await Promise.all([startSimProcess({ speed: 60 }), tempDir()]);
  });
  after(async () => {
    await sim?.stop();
    await tmp?.cleanup();
  });

  it('retries the undo with backoff to its deadline, exits 7, says first that the rollback failed and which instance, and journals the outstanding undo', async () => {
    const proxy = await vanishingEndpoint(sim.endpoint);
    try {
      const file = await tmp.write('stop-one.yaml', experiment(proxy.endpoint));
      const journalPath = `${tmp.dir}/journal.json`;
      const child = spawn(process.execPath, [BIN, 'run', file, '--journal', journalPath, '--view', 'plain', '--rollback-timeout', '4s'], {
        cwd: ROOT,
        env: { ...process.env, GAMEDAY_SPEED: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      // The endpoint vanishes as soon as the fault has landed: its undo, a minute of AWS time later, finds nothing there.
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/fault stop-one succeeded/.test(stderr)) proxy.cut();
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 7, `exit code; stdout:\n${stdout}\nstderr:\n${stderr}`);

      const journal = journalSchema.parse(JSON.parse(await readFile(journalPath, 'utf8')));
      const stopped = journal.targets.find((t) => t.fault === 'stop-one')?.selected.map((s) => s.id) ?? [];
      assert.equal(stopped.length, 1);
      const [instance] = stopped as [string];

      const first = stdout.split('\n')[0] ?? '';
      assert.match(first, /^verdict: ROLLBACK-FAILED — Rollback failed: /);
      assert.ok(first.includes(`${instance} may still be faulted (aws.ec2.stop-instances, fault 'stop-one')`), first);
      // What happened is said as it is: the endpoint could not be reached, AWS refused nothing.
      assert.match(first, new RegExp(`Could not reach the EC2 endpoint ${proxy.endpoint.replace(/\./g, '\\.')} for DescribeInstances: connect ECONNREFUSED`));
      assert.doesNotMatch(stdout, /AWS refused/);
      assert.match(first, new RegExp(`Finish with 'gameday undo ${journal.runId}'`));

      assert.equal(journal.verdict.status, 'rollback-failed');
      assert.equal(journal.verdict.exitCode, 7);
      const undo = journal.outstandingUndo?.[0];
      assert.equal(journal.outstandingUndo?.length, 1);
      assert.equal(undo?.fault, 'stop-one');
      assert.equal(undo?.action, 'aws.ec2.stop-instances');
      assert.deepEqual(undo?.resources, [instance]);
      assert.equal(undo?.region, 'us-east-1');
      assert.deepEqual(undo?.result?.output.instanceIds, [instance]);
      assert.ok((undo?.attempts ?? 0) >= 2, `attempts ${undo?.attempts}`);

      // The attempts backed off: the second began at least half the first wait (1 s, jittered by half) after the first.
      const end = journal.activities.find((a) => a.kind === 'fault-end');
      assert.equal(end?.status, 'failed');
      assert.equal(end?.attempts, undo?.attempts);
      const describes = (end?.calls ?? []).filter((c) => c.operation === 'DescribeInstances');
      assert.ok(describes.length >= 2, `${describes.length} DescribeInstances calls`);
      assert.ok(describes.every((c) => !c.ok && c.error?.name === 'ECONNREFUSED'));
      assert.ok((undo?.lastAttemptAt ?? 0) - (undo?.firstAttemptAt ?? 0) >= 500, JSON.stringify(undo));

      // The journal's warning is true: nothing started the instance again (its group may have replaced it since).
      const ec2 = new EC2Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
      const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance] }));
      ec2.destroy();
      const now = described.Reservations?.[0]?.Instances?.[0]?.State?.Name;
      assert.ok(now !== undefined && now !== 'running' && now !== 'pending', `${instance} is ${now}`);
      assert.ok(stdout.includes(`finish the undo: gameday undo --journal ${journalPath}`), stdout);

      // Once the endpoint is back, the journal is enough to finish the undo: the instance is started (unless its
      // group replaced it meanwhile, which the undo leaves alone, as the run's own would have).
      await proxy.restore();
      const undone = await gameday(['undo', '--journal', journalPath]);
      assert.equal(undone.code, 0, `${undone.stdout}${undone.stderr}`);
      assert.match(undone.stderr, new RegExp(`^undo fault-end 'stop-one' \\(aws\\.ec2\\.stop-instances\\) in us-east-1 on ${instance}$`, 'm'));
      const ec2Again = new EC2Client({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
      const after = (await ec2Again.send(new DescribeInstancesCommand({ InstanceIds: [instance] }))).Reservations?.[0]?.Instances?.[0]?.State?.Name;
      ec2Again.destroy();
      if (after === 'running')
        assert.ok(undone.stdout.includes(`undone: fault-end 'stop-one' (aws.ec2.stop-instances): {"started":["${instance}"]`), undone.stdout);
      else
        assert.ok(
          undone.stdout.includes(`"skipped":["${instance}"]`) && (after === 'terminated' || after === 'shutting-down'),
          `${instance} is ${after}: ${undone.stdout}`,
        );
    } finally {
      proxy.close();
    }
  });
});
