import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CREDENTIALS, runOnSim, targetHealth, waitFor } from '../support/sim.js';

/** One instance of web-asg loses its application (`processName`); three healthy targets are the steady state. */
const experiment = (processName: string) => `apiVersion: gameday/v1
metadata:
  name: kill-app-on-one
  description: The application dies on one web instance.
environment:
  type: sim
  speed: 60
probes:
  - name: targets
    probe: aws.elbv2.healthy-targets
    args: { targetGroupArn: "\${sim:tg.web-tg.arn}" }
    tolerance: { atLeast: 3 }
    interval: 5s
faults:
  - name: kill-app
    action: aws.ssm.kill-process
    args: { processName: ${processName} }
    targets:
      tags: { "aws:autoscaling:groupName": web-asg }
      selection: COUNT(1)
safety:
  requireTags: { "gameday:allowed": "true" }
  maxTargets: 1
recovery:
  stableFor: 30s
  timeout: 5m
  observeAtLeast: 2m
objectives:
  rto: 4m
`;

// https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html (AWSFIS-Run-Kill-Process)
describe('aws.ssm.kill-process', () => {
  it('kills the application on one instance of an EC2-checked group: it stays out of service until the undo reboots it', async () => {
    // fragile.yaml: EC2 health checks and ReplaceUnhealthy suspended; two group instances and a pet behind web-tg.
    await runOnSim(
      'terminate-one-instance.yaml',
      { topology: 'fragile.yaml', speed: 60, seed: 3, edit: () => experiment('"${sim:asg.web-asg.processName}"') },
      async (run) => {
        const { journal } = run;
        assert.equal(journal.verdict.status, 'not-recovered', journal.verdict.reason);
        const [fault, undo] = journal.activities;
        assert.deepEqual(
          fault?.calls.filter((c) => c.mutating).map((c) => c.operation),
          ['SendCommand'],
        );
        assert.ok((fault?.calls.filter((c) => c.operation === 'GetCommandInvocation').length ?? 0) >= 1, 'it waited for the invocation');
        const [victim] = (fault?.output?.instanceIds as string[] | undefined) ?? [];
        assert.ok(victim !== undefined);
        assert.deepEqual(
          undo?.calls.filter((c) => c.mutating).map((c) => c.operation),
          ['RebootInstances'],
        );
        assert.deepEqual(undo?.output?.rebooted, [victim]);
        const killed = (await run.events()).find((e) => e.kind === 'workload' && e.resource === victim && e.to === 'refusing');
        assert.equal(killed?.detail?.processKilled, 'gameday-app');
        // The reboot started the process again: its target passes its checks once more.
        const elb = new ElasticLoadBalancingV2Client({ endpoint: run.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
        try {
          await waitFor(
            'the rebooted target to be healthy',
            async () => (await targetHealth(elb, run.outputs['tg.web-tg.arn'] ?? '')).find((t) => t.Target?.Id === victim)?.TargetHealth?.State === 'healthy',
            { timeoutMs: 30_000, intervalMs: 100 },
          );
        } finally {
          elb.destroy();
        }
      },
    );
  });

  it('fails clearly when no process of that name runs, and changes nothing', async () => {
    await runOnSim('terminate-one-instance.yaml', { speed: 60, seed: 3, edit: () => experiment('nginx') }, async (run) => {
      const [fault] = run.journal.activities;
      assert.equal(fault?.status, 'failed');
      assert.match(fault?.error?.message ?? '', /^Killing 'nginx' failed on i-[0-9a-f]+ \(Failed\) \(SSM command [0-9a-f-]{36}\)\.$/);
      assert.ok(!(await run.events()).some((e) => e.kind === 'workload' && e.to === 'refusing'));
    });
  });
});
