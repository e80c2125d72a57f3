import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { armApiFault, requestLog, runOnSim } from '../support/sim.js';

const SPEED = 30;

describe('AWS API faults during a run', () => {
  it('retries throttled and timed-out calls with backoff and still lands the fault and passes', async () => {
    await runOnSim(
      'terminate-one-instance.yaml',
      {
        speed: SPEED,
        seed: 3,
        requestTimeoutMs: 1_000,
        prepare: async (endpoint) => {
          await armApiFault(endpoint, { service: 'ec2', action: 'TerminateInstances', error: 'Throttling', count: 1 });
          await armApiFault(endpoint, { service: 'ec2', action: 'TerminateInstances', error: 'timeout', count: 1, delayMs: 5_000 });
        },
      },
      async ({ journal, endpoint }) => {
        assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
        const terminate = journal.audit.calls.find((c) => c.operation === 'TerminateInstances');
        assert.equal(terminate?.ok, true);
        assert.equal(terminate?.attempts, 3, 'throttled, timed out, then answered');
        const attempts = (await requestLog(endpoint)).filter((r) => r.action === 'TerminateInstances');
        assert.deepEqual(
          attempts.map((r) => r.errorCode ?? 'ok'),
          ['Throttling', 'timeout', 'ok'],
        );
      },
    );
  });

  it('ends errored when AWS denies a fault, naming the refusal, with the rollbacks of what had landed done', async () => {
    await runOnSim(
      'stop-half-fleet.yaml',
      {
        speed: SPEED,
        seed: 3,
        // A second fault that AWS denies, after the first one stopped instances.
        edit: (text) =>
          text.replace(
            '    duration: 2m\n',
            '    duration: 2m\n  - name: reboot-rest\n    action: aws.ec2.reboot-instances\n    startAfter: 10s\n    targets:\n      tags: { "aws:autoscaling:groupName": web-asg }\n      selection: COUNT(1)\n',
          ),
        prepare: (endpoint) => armApiFault(endpoint, { service: 'ec2', action: 'RebootInstances', error: 'UnauthorizedOperation', count: 5 }),
      },
      async ({ journal, events }) => {
        assert.equal(journal.verdict.status, 'errored', journal.verdict.reason);
        assert.match(journal.verdict.reason, /fault 'reboot-rest' did not land: AWS refused ec2:RebootInstances \(UnauthorizedOperation\)/);
        assert.equal(journal.verdict.exitCode, 4);
        // The rollback of what had landed ran: every stopped instance was started again, or had been replaced by its
        // group meanwhile; none is left stopped.
        const stopped = journal.targets.find((t) => t.fault === 'stop-half')?.selected.map((s) => s.id) ?? [];
        assert.ok(stopped.length > 0);
        const rollback = journal.activities.find((a) => a.kind === 'auto-rollback' && a.name === 'stop-half');
        assert.equal(rollback?.status, 'succeeded', rollback?.error?.message);
        const output = rollback?.output as { started: string[]; skipped: string[] };
        assert.deepEqual([...output.started, ...output.skipped].sort(), [...stopped].sort());
        const truth = await events();
        for (const id of stopped) {
          const last = truth.filter((e) => e.kind === 'instance-state' && e.resource === id).at(-1);
          assert.ok(last !== undefined && !['stopping', 'stopped'].includes(last.to), `${id} is left ${last?.to ?? 'unknown'}`);
        }
        // Denied calls are not retried: one attempt.
        assert.equal(journal.audit.calls.find((c) => c.operation === 'RebootInstances')?.attempts, 1);
      },
    );
  });
});

describe('a CloudWatch alarm stop condition', () => {
  it('aborts the run soon after the alarm goes to ALARM, says which and when, and rolls back', async () => {
    await runOnSim(
      'stop-half-fleet.yaml',
      {
        speed: SPEED,
        seed: 3,
        // Stopping two of three instances leaves one healthy target: fewer than the alarm's two.
        edit: (text) =>
          text.replace('recovery:\n', 'stopConditions:\n  - name: fleet-too-small\n    alarm: web-healthy-hosts\n    pollInterval: 5s\nrecovery:\n'),
      },
      async ({ journal, events }) => {
        assert.equal(journal.verdict.status, 'aborted', journal.verdict.reason);
        assert.match(
          journal.verdict.reason,
          /stop condition 'fleet-too-small' \(CloudWatch alarm web-healthy-hosts in ALARM\) tripped: alarm web-healthy-hosts is in ALARM \(Threshold Crossed/,
        );
        const sc = journal.stopConditions[0];
        assert.equal(sc?.alarm, 'web-healthy-hosts');
        assert.ok(sc?.trippedAt !== null && sc?.trippedAt !== undefined);
        // Tripped within one poll interval (5 s of AWS time) of the alarm's own change, never before it.
        const injected = journal.startedAtEpochMs + (journal.measurement.injectedAt?.lower ?? 0);
        const alarmed = (await events()).find((e) => e.kind === 'alarm-state' && e.to === 'ALARM' && e.epochMs >= injected);
        assert.ok(alarmed !== undefined);
        const alarmAt = alarmed.epochMs - journal.startedAtEpochMs;
        assert.ok(sc.trippedAt >= alarmAt && sc.trippedAt - alarmAt <= 5_000 / SPEED + 100, `alarm at ${alarmAt}, tripped at ${sc.trippedAt}`);
        const rollback = journal.activities.find((a) => a.kind === 'auto-rollback' && a.name === 'stop-half');
        assert.equal(rollback?.status, 'succeeded', rollback?.error?.message);
        assert.ok(journal.audit.calls.some((c) => c.service === 'cloudwatch' && c.operation === 'DescribeAlarms'));
      },
    );
  });
});
