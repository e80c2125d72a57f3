import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CreateExperimentTemplateCommand, FisClient, GetExperimentCommand, ListExperimentsCommand, ListExperimentTemplatesCommand } from '@aws-sdk/client-fis';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { makePlan } from '../../src/cli/plan.js';
import { runExperiment } from '../../src/engine/runner.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { SimRegion } from '../../src/sim/server.js';
import { loadTopology } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';
import { armApiFault, CREDENTIALS, truth } from '../support/sim.js';

const SPEED = 30;

/** An experiment whose one fault is `aws.fis.experiment` with these arguments (YAML) and the site probed through the ALB. */
const fisRun = (args: string, safety = ''): string => `apiVersion: gameday/v1
metadata: { name: fis-run }
environment: { type: sim, speed: ${SPEED} }
probes:
  - { name: site, probe: http, args: { url: "\${sim:alb.web-alb.url}/health" }, interval: 5s }
faults:
  - name: fis
    action: aws.fis.experiment
    args:
      pollInterval: 2s
      ${args}
safety: { maxZones: 3, allowLastHealthy: true${safety} }
recovery: { stableFor: 20s, timeout: 10m }
`;

/** A region, a template that stops one web instance for a minute (FIS starts it again), and the experiment's text. */
async function withFis(use: (experiment: string, fis: FisClient, aws: AwsClientFactory, outputs: Record<string, string>) => Promise<void>): Promise<void> {
  const region = await SimRegion.start({ topology: await loadTopology(undefined), speed: SPEED });
  const aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS });
  const fis = new FisClient({ endpoint: region.endpoint, region: 'us-east-1', credentials: CREDENTIALS });
  try {
    await region.world.ready(60_000);
    const created = await fis.send(
      new CreateExperimentTemplateCommand({
        clientToken: 't',
        description: 'stop one web instance for a minute',
        roleArn: 'arn:aws:iam::123456789012:role/fis',
        stopConditions: [{ source: 'none' }],
        targets: { web: { resourceType: 'aws:ec2:instance', resourceTags: { 'aws:autoscaling:groupName': 'web-asg' }, selectionMode: 'COUNT(1)' } },
        actions: { stop: { actionId: 'aws:ec2:stop-instances', parameters: { startInstancesAfterDuration: 'PT1M' }, targets: { Instances: 'web' } } },
      }),
    );
    // FIS chooses among every instance of a stored template's target: the plan counts them all, so the guards must allow that.
    const experiment = fisRun(`experimentTemplateId: ${created.experimentTemplate?.id ?? ''}`);
    await use(experiment, fis, aws, region.outputs());
  } finally {
    fis.destroy();
    await aws.destroy();
    await region.stop();
  }
}

describe('aws.fis.experiment', () => {
  it('starts the FIS experiment, follows it to completed, records its actions and resolved targets, and measures recovery', async () => {
    await withFis(async (text, _fis, aws, outputs) => {
      const registry = defaultRegistry();
      const loaded = parseExperiment(text, join(ROOT, 'experiments', 'fis-inline.yaml'), { registry, env: {}, simOutputs: outputs });
      const journal = await runExperiment(loaded, { registry, aws });
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const fault = journal.activities[0];
      const output = fault?.output as { state: string; actions: Record<string, string>; resolvedTargets: { target: string; id: string }[] };
      assert.equal(output.state, 'completed');
      assert.deepEqual(output.actions, { stop: 'completed' });
      assert.equal(output.resolvedTargets.length, 1);
      assert.match(output.resolvedTargets[0]?.id ?? '', /^i-/);
      // The account's safety lever is read first; it is disengaged, so the experiment starts.
      assert.deepEqual(
        fault?.calls.slice(0, 2).map((c) => c.operation),
        ['GetSafetyLever', 'StartExperiment'],
      );
      assert.equal((fault?.output as { safetyLever: string }).safetyLever, 'disengaged');
      assert.ok(fault?.calls.some((c) => c.operation === 'GetExperiment'));
      // The plan showed the template and the instances FIS could pick.
      assert.deepEqual(journal.targets[0]?.selected.map((s) => (s.id.startsWith('EXT') ? 'EXT' : s.id.slice(0, 2))).sort(), ['EXT', 'i-', 'i-', 'i-']);
      assert.ok(journal.measurement.injectedAt !== null && journal.measurement.recovered);
      // The injection is when FIS's stop action really began, not the StartExperiment call ~2 s (AWS) before it.
      const injected = journal.measurement.injectedAt;
      const stopped = (await truth(outputs['region.endpoint'] ?? '')).find(
        (e) => e.kind === 'instance-state' && e.from === 'running' && e.epochMs > journal.startedAtEpochMs,
      );
      assert.ok(stopped !== undefined);
      const at = stopped.epochMs - journal.startedAtEpochMs;
      assert.ok(at >= injected.lower - 1 && at <= injected.upper + 1, `the stop at ${at} ms lies in [${injected.lower}, ${injected.upper}]`);
      const startCall = fault?.calls.find((c) => c.operation === 'StartExperiment');
      assert.ok(startCall !== undefined && injected.lower >= startCall.startedAt);
    });
  });

  it('stops the FIS experiment when the run is aborted, and waits until it has stopped', async () => {
    await withFis(async (text, fis, aws, outputs) => {
      const registry = defaultRegistry();
      const loaded = parseExperiment(text, join(ROOT, 'experiments', 'fis-inline.yaml'), { registry, env: {}, simOutputs: outputs });
      const abort = new AbortController();
      const journal = await runExperiment(loaded, {
        registry,
        aws,
        signal: abort.signal,
        listener: { activityStart: (kind) => void (kind === 'fault' && setTimeout(() => abort.abort(), 500)) },
      });
      assert.equal(journal.verdict.status, 'aborted', journal.verdict.reason);
      const fault = journal.activities[0];
      assert.ok(
        fault?.calls.some((c) => c.operation === 'StopExperiment'),
        'StopExperiment was sent',
      );
      const id = String(fault?.calls.find((c) => c.operation === 'StartExperiment')?.response?.id ?? '');
      const e = await fis.send(new GetExperimentCommand({ id }));
      assert.equal(e.experiment?.state?.status, 'stopped');
    });
  });

  /** The run of an experiment whose fault is an FIS experiment from the template given inline. */
  const inline = (template: string, extra = ''): string => fisRun(`template: ${template}`, extra);
  const STOP_ONE = `{ description: stop one web instance, roleArn: "arn:aws:iam::123456789012:role/fis", targets: { web: { resourceType: "aws:ec2:instance", resourceTags: { "gameday:allowed": "true" }, selectionMode: "COUNT(1)" } }, actions: { stop: { actionId: "aws:ec2:stop-instances", parameters: { startInstancesAfterDuration: PT1M }, targets: { Instances: web } } }, stopConditions: [{ source: "aws:cloudwatch:alarm", value: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-healthy-hosts" }] }`;

  it('creates a template of its own for the run, runs it, and deletes it afterwards; the fence admits only what the template selects', async () => {
    await withFis(async (_text, fis, aws, outputs) => {
      const registry = defaultRegistry();
      const loaded = parseExperiment(inline(STOP_ONE, ', requireTags: { "gameday:allowed": "true" }'), join(ROOT, 'experiments', 'fis-inline.yaml'), {
        registry,
        env: {},
        simOutputs: outputs,
      });
      const journal = await runExperiment(loaded, { registry, aws });
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const fault = journal.activities[0];
      assert.deepEqual(
        fault?.calls.filter((c) => c.mutating).map((c) => c.operation),
        ['CreateExperimentTemplate', 'StartExperiment', 'DeleteExperimentTemplate'],
      );
      assert.ok(
        fault?.calls.every((c) => c.ok),
        'no call was refused',
      );
      // Only the template withFis made is left.
      assert.equal((await fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates?.length, 1);
      // gameday chose the one instance at plan time (after the guards), and the template it created names exactly it.
      const chosen = journal.targets[0]?.selected ?? [];
      assert.equal(chosen.length, 1);
      assert.deepEqual((fault?.calls.find((c) => c.operation === 'CreateExperimentTemplate')?.request as { targets: unknown }).targets, {
        web: { resourceType: 'aws:ec2:instance', resourceArns: [`arn:aws:ec2:us-east-1:123456789012:instance/${chosen[0]?.id ?? ''}`], selectionMode: 'ALL' },
      });
      assert.deepEqual(
        (fault?.output as { resolvedTargets: { id: string }[] }).resolvedTargets.map((t) => t.id),
        [chosen[0]?.id],
      );
    });
  });

  it("chooses a template's own targets with the run's seed: the same seed, the same pick", async () => {
    await withFis(async (_text, _fis, aws, outputs) => {
      const registry = defaultRegistry();
      const loaded = parseExperiment(inline(STOP_ONE), join(ROOT, 'experiments', 'fis-inline.yaml'), { registry, env: {}, simOutputs: outputs });
      const pick = async (seed: number): Promise<string[]> => (await makePlan(loaded, aws, seed)).plan.faults[0]?.resources.map((r) => r.id) ?? [];
      assert.deepEqual(await pick(7), await pick(7));
      const picks = new Set<string>();
      for (let seed = 0; seed < 12; seed++) picks.add((await pick(seed)).join());
      assert.ok(picks.size > 1, 'different seeds choose different instances');
    });
  });

  it("refuses to start when the account's FIS safety lever is engaged, with nothing started", async () => {
    await withFis(async (text, fis, aws, outputs) => {
      await aws.signedJson('fis', 'UpdateSafetyLeverState', {
        method: 'PATCH',
        path: '/safetyLevers/default/state',
        body: { state: { status: 'engaged', reason: 'incident INC-42 in progress' } },
      });
      const registry = defaultRegistry();
      const loaded = parseExperiment(text, join(ROOT, 'experiments', 'fis-inline.yaml'), { registry, env: {}, simOutputs: outputs });
      const journal = await runExperiment(loaded, { registry, aws });
      assert.equal(journal.verdict.status, 'refused', journal.verdict.reason);
      assert.match(journal.verdict.reason ?? '', /safety lever is engaged \(incident INC-42 in progress\)/);
      assert.deepEqual(
        journal.activities[0]?.calls.map((c) => c.operation),
        ['GetSafetyLever'],
      );
      assert.equal((await fis.send(new ListExperimentsCommand({}))).experiments?.length, 0);
    });
  });

  it('does not take a lever it cannot read for a disengaged one: a failing GetSafetyLever ends the run errored, nothing started', async () => {
    await withFis(async (text, fis, aws, outputs) => {
      await armApiFault(outputs['region.endpoint'] ?? '', { service: 'fis', action: 'GetSafetyLever', error: 'InternalError', count: 3 });
      const registry = defaultRegistry();
      const journal = await runExperiment(parseExperiment(text, join(ROOT, 'experiments', 'fis-inline.yaml'), { registry, env: {}, simOutputs: outputs }), {
        registry,
        aws,
      });
      assert.equal(journal.verdict.status, 'errored', journal.verdict.reason);
      assert.deepEqual(
        journal.activities[0]?.calls.map((c) => c.operation),
        ['GetSafetyLever'],
      );
      assert.equal((await fis.send(new ListExperimentsCommand({}))).experiments?.length, 0);
    });
  });

  it("an FIS stop condition ends the run aborted, naming the alarm; a target that resolves to nothing ends it invalid-fault with FIS's reason", async () => {
    await withFis(async (_text, fis, aws, outputs) => {
      const registry = defaultRegistry();
      const cw = new CloudWatchClient({ endpoint: outputs['region.endpoint'], region: 'us-east-1', credentials: CREDENTIALS });
      try {
        const loaded = parseExperiment(inline(STOP_ONE), join(ROOT, 'experiments', 'fis-inline.yaml'), { registry, env: {}, simOutputs: outputs });
        // The region re-evaluates the alarm every period; set to ALARM again and again while the fault runs, FIS sees it
        // whatever the machine's load.
        let alarming: NodeJS.Timeout | undefined;
        const journal = await runExperiment(loaded, {
          registry,
          aws,
          listener: {
            activityStart: (kind) => {
              if (kind === 'fault')
                alarming = setInterval(
                  () =>
                    void cw.send(new SetAlarmStateCommand({ AlarmName: 'web-healthy-hosts', StateValue: 'ALARM', StateReason: 'test' })).catch(() => undefined),
                  50,
                );
            },
            activityEnd: (record) => void (record.kind === 'fault' && clearInterval(alarming)),
          },
        }).finally(() => clearInterval(alarming));
        assert.equal(journal.verdict.status, 'aborted', journal.verdict.reason);
        assert.match(
          journal.verdict.reason ?? '',
          /ended stopped: Stop condition arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-healthy-hosts was triggered/,
        );
      } finally {
        cw.destroy();
      }
      // A template of the run's own is resolved by gameday first: a target that matches nothing is found before FIS is asked.
      const nothing = STOP_ONE.replace('"gameday:allowed": "true"', 'team: nobody');
      const own = await runExperiment(
        parseExperiment(inline(nothing), join(ROOT, 'experiments', 'fis-inline.yaml'), { registry, env: {}, simOutputs: outputs }),
        { registry, aws },
      );
      assert.equal(own.verdict.status, 'invalid-fault', own.verdict.reason);
      assert.match(own.verdict.reason ?? '', /fault 'fis' matched no resources \(of 0 candidates\)/);
      // A stored template's targets are FIS's to resolve: FIS fails the experiment and gameday names FIS's reason.
      const stored = await fis.send(
        new CreateExperimentTemplateCommand({
          clientToken: 'nobody',
          description: 'nobody',
          roleArn: 'arn:aws:iam::123456789012:role/fis',
          stopConditions: [{ source: 'none' }],
          targets: { web: { resourceType: 'aws:ec2:instance', resourceTags: { team: 'nobody' }, selectionMode: 'ALL' } },
          actions: { stop: { actionId: 'aws:ec2:stop-instances', targets: { Instances: 'web' } } },
        }),
      );
      const text = fisRun(`experimentTemplateId: ${stored.experimentTemplate?.id ?? ''}`);
      const journal = await runExperiment(parseExperiment(text, join(ROOT, 'experiments', 'fis-inline.yaml'), { registry, env: {}, simOutputs: outputs }), {
        registry,
        aws,
      });
      assert.equal(journal.verdict.status, 'invalid-fault', journal.verdict.reason);
      assert.match(journal.verdict.reason ?? '', /ended failed: Target resolution returned empty set for target web \(TargetResolutionFailed at web\)/);
    });
  });
});
