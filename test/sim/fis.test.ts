import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CreateExperimentTemplateCommand,
  DeleteExperimentTemplateCommand,
  FisClient,
  GetExperimentCommand,
  GetExperimentTemplateCommand,
  StartExperimentCommand,
  StopExperimentCommand,
  ListExperimentResolvedTargetsCommand,
  type CreateExperimentTemplateActionInput,
  type Experiment,
} from '@aws-sdk/client-fis';
import { join } from 'node:path';
import { DescribeScalingActivitiesCommand } from '@aws-sdk/client-auto-scaling';
import { CreateTagsCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { loadTopology } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { allInstances, armApiFault, CREDENTIALS, group, httpGet, referenceWith, sdkError, startSim, truth, waitFor, workloadUrl } from '../support/sim.js';

const SPEED = 30;

const template = (actions: Record<string, CreateExperimentTemplateActionInput>) => ({
  description: 'stop one web instance',
  roleArn: 'arn:aws:iam::123456789012:role/fis',
  stopConditions: [{ source: 'none' }],
  targets: { web: { resourceType: 'aws:ec2:instance', resourceTags: { 'aws:autoscaling:groupName': 'web-asg' }, selectionMode: 'COUNT(1)' } },
  actions,
});

describe('the simulated Fault Injection Service through the SDK', () => {
  it('runs a template: initiating, running, the action on the resolved instance, completed; refuses unknown actions and ids', async () => {
    // A group that does not replace stopped instances soon, so the restart after the stop can be seen.
    const sim = await startSim({ speed: SPEED, topology: referenceWith((t) => (t.timings = { asgHealthCheckPeriod: '10h' })) });
    const fis = new FisClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    const get = async (id: string): Promise<Experiment> => (await fis.send(new GetExperimentCommand({ id }))).experiment ?? {};
    try {
      const created = await fis.send(
        new CreateExperimentTemplateCommand({
          clientToken: 'a',
          ...template({
            stop: { actionId: 'aws:ec2:stop-instances', parameters: { startInstancesAfterDuration: 'PT1M' }, targets: { Instances: 'web' } },
            settle: { actionId: 'aws:fis:wait', parameters: { duration: 'PT10S' }, startAfter: ['stop'] },
          }),
        }),
      );
      const templateId = created.experimentTemplate?.id ?? '';
      assert.match(templateId, /^EXT/);
      assert.equal((await fis.send(new GetExperimentTemplateCommand({ id: templateId }))).experimentTemplate?.actions?.settle?.startAfter?.[0], 'stop');

      const started = await fis.send(new StartExperimentCommand({ clientToken: 'b', experimentTemplateId: templateId }));
      const id = started.experiment?.id ?? '';
      assert.equal(started.experiment?.state?.status, 'initiating');
      const running = await waitFor(
        'the stop action to run',
        async () => {
          const e = await get(id);
          return e.actions?.stop?.state?.status === 'running' ? e : undefined;
        },
        { timeoutMs: 10_000 },
      );
      assert.equal(running.state?.status, 'running');
      assert.equal(running.actions?.settle?.state?.status, 'pending', 'startAfter holds the wait until the stop is done');
      const done = await waitFor(
        'the experiment to complete',
        async () => {
          const e = await get(id);
          return ['completed', 'failed', 'stopped'].includes(e.state?.status ?? '') ? e : undefined;
        },
        { timeoutMs: 20_000 },
      );
      assert.equal(done.state?.status, 'completed', done.state?.reason);
      assert.deepEqual([done.actions?.stop?.state?.status, done.actions?.settle?.state?.status], ['completed', 'completed']);
      // The resolved instance really stopped, and started again after startInstancesAfterDuration.
      const resolved = (await fis.send(new ListExperimentResolvedTargetsCommand({ experimentId: id }))).resolvedTargets ?? [];
      assert.equal(resolved.length, 1);
      const victim = resolved[0]?.targetInformation?.identifier ?? '';
      const states = await waitFor(
        'the instance to run again',
        async () => {
          const s = (await truth(sim.endpoint)).filter((e) => e.kind === 'instance-state' && e.resource === victim).map((e) => e.to);
          return s.at(-1) === 'running' && s.includes('stopped') ? s : undefined;
        },
        { timeoutMs: 10_000 },
      );
      assert.deepEqual(states.slice(states.indexOf('stopping')), ['stopping', 'stopped', 'pending', 'running']);

      // StopExperiment: stopping, then stopped; the stopped instance is started again.
      const second = (await fis.send(new StartExperimentCommand({ clientToken: 'c', experimentTemplateId: templateId }))).experiment?.id ?? '';
      await waitFor('the second stop to run', async () => ((await get(second)).actions?.stop?.state?.status === 'running' ? true : undefined), {
        timeoutMs: 10_000,
      });
      const stopping = await fis.send(new StopExperimentCommand({ id: second }));
      assert.equal(stopping.experiment?.state?.status, 'stopping');
      const stopped = await waitFor(
        'the experiment to be stopped',
        async () => {
          const e = await get(second);
          return e.state?.status === 'stopped' ? e : undefined;
        },
        { timeoutMs: 10_000 },
      );
      assert.equal(stopped.actions?.settle?.state?.status, 'cancelled');

      await assert.rejects(
        fis.send(new CreateExperimentTemplateCommand({ clientToken: 'd', ...template({ x: { actionId: 'aws:ec2:explode', targets: { Instances: 'web' } } }) })),
        (e: { name: string; message: string }) => e.name === 'ValidationException' && /aws:ec2:explode/.test(e.message),
      );
      await assert.rejects(
        fis.send(new GetExperimentCommand({ id: 'EXPnope' })),
        (e: { name: string; $metadata: { httpStatusCode: number } }) => e.name === 'ResourceNotFoundException' && e.$metadata.httpStatusCode === 404,
      );
      await fis.send(new DeleteExperimentTemplateCommand({ id: templateId }));
      await assert.rejects(fis.send(new GetExperimentTemplateCommand({ id: templateId })), (e: { name: string }) => e.name === 'ResourceNotFoundException');
    } finally {
      fis.destroy();
      await sim.close();
    }
  });

  it("aws:network:disrupt-connectivity: the subnet's instances stop answering for the duration, then answer again", async () => {
    const sim = await startSim({ speed: SPEED, topology: referenceWith((t) => (t.timings = { asgHealthCheckPeriod: '10h' })) });
    const fis = new FisClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const subnet = ((await sim.ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? []).find((s) => s.AvailabilityZone === 'us-east-1a');
      const inA = (await allInstances(sim.ec2, { Filters: [{ Name: 'subnet-id', Values: [subnet?.SubnetId ?? ''] }] }))[0];
      const inB = (await allInstances(sim.ec2, { Filters: [{ Name: 'availability-zone', Values: ['us-east-1b'] }] }))[0];
      assert.ok(inA !== undefined && inB !== undefined);
      // Each instance's own port (another region on this machine may hold 8080 on a colliding address).
      const url = (i: typeof inA): string => workloadUrl(i, sim.region.world.instances.get(i.InstanceId ?? '')?.spec.port, '/health');
      assert.equal((await httpGet(url(inA))).status, 200);
      const created = await fis.send(
        new CreateExperimentTemplateCommand({
          clientToken: 'n',
          description: 'cut us-east-1a off',
          roleArn: 'arn:aws:iam::123456789012:role/fis',
          stopConditions: [{ source: 'none' }],
          targets: {
            subnet: {
              resourceType: 'aws:ec2:subnet',
              resourceArns: [`arn:aws:ec2:us-east-1:123456789012:subnet/${subnet?.SubnetId ?? ''}`],
              selectionMode: 'ALL',
            },
          },
          actions: { cut: { actionId: 'aws:network:disrupt-connectivity', parameters: { duration: 'PT1M', scope: 'all' }, targets: { Subnets: 'subnet' } } },
        }),
      );
      const id = (await fis.send(new StartExperimentCommand({ clientToken: 'o', experimentTemplateId: created.experimentTemplate?.id }))).experiment?.id ?? '';
      // Packets are dropped: a request to the instance in the subnet gets no answer, one in another zone does.
      await waitFor('the subnet to be cut off', async () => ((await httpGet(url(inA), 300)).error === 'ETIMEDOUT' ? true : undefined), { timeoutMs: 10_000 });
      assert.equal((await httpGet(url(inB))).status, 200);
      const done = await waitFor(
        'the experiment to complete',
        async () => {
          const e = (await fis.send(new GetExperimentCommand({ id }))).experiment;
          return ['completed', 'failed', 'stopped'].includes(e?.state?.status ?? '') ? e : undefined;
        },
        { timeoutMs: 20_000 },
      );
      assert.equal(done.state?.status, 'completed', done.state?.reason);
      assert.equal((await httpGet(url(inA))).status, 200, 'the subnet answers again after the duration');
      const events = (await truth(sim.endpoint)).filter((e) => e.kind === 'subnet-connectivity').map((e) => e.to);
      assert.deepEqual(events, ['disrupted', 'restored']);
      // FIS actions reference: https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html
      // A service scope (s3) denies only traffic to that service: the workload in the subnet keeps answering.
      const s3 = await fis.send(
        new CreateExperimentTemplateCommand({
          clientToken: 'p',
          description: 'cut us-east-1a off from S3',
          roleArn: 'arn:aws:iam::123456789012:role/fis',
          stopConditions: [{ source: 'none' }],
          targets: created.experimentTemplate?.targets as never,
          actions: { cut: { actionId: 'aws:network:disrupt-connectivity', parameters: { duration: 'PT1M', scope: 's3' }, targets: { Subnets: 'subnet' } } },
        }),
      );
      await fis.send(new StartExperimentCommand({ clientToken: 'q', experimentTemplateId: s3.experimentTemplate?.id }));
      await waitFor('the s3-scoped disruption', async () =>
        (await truth(sim.endpoint)).some((e) => e.kind === 'subnet-connectivity' && e.to === 'disrupted' && e.detail?.scope === 's3'),
      );
      assert.equal((await httpGet(url(inA))).status, 200, 'scope s3 leaves the workload answering');
      // A scope FIS does not have is refused the way FIS refuses a bad parameter.
      const bad = await sdkError(
        fis.send(
          new CreateExperimentTemplateCommand({
            clientToken: 'r',
            description: 'x',
            roleArn: 'arn:aws:iam::123456789012:role/fis',
            stopConditions: [{ source: 'none' }],
            targets: created.experimentTemplate?.targets as never,
            actions: {
              cut: { actionId: 'aws:network:disrupt-connectivity', parameters: { duration: 'PT1M', scope: 'internet' }, targets: { Subnets: 'subnet' } },
            },
          }),
        ),
      );
      assert.equal(bad.name, 'ValidationException');
      assert.match(bad.message, /scope 'internet'/);
    } finally {
      fis.destroy();
      await sim.close();
    }
  });

  it('resolves PERCENT(n) targets as the FIS User Guide says: rounded down, and a share below one instance fails the experiment', async () => {
    const sim = await startSim({ speed: SPEED, topology: referenceWith((t) => (t.timings = { asgHealthCheckPeriod: '10h' })) });
    const fis = new FisClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const web = (await allInstances(sim.ec2)).filter(
        (i) => i.Tags?.some((t) => t.Key === 'aws:autoscaling:groupName' && t.Value === 'web-asg') && i.State?.Name === 'running',
      );
      assert.equal(web.length, 3, 'the reference group runs three instances');
      const run = async (selectionMode: string, token: string): Promise<{ experiment: Experiment; resolved: number }> => {
        const reboot = template({ reboot: { actionId: 'aws:ec2:reboot-instances', targets: { Instances: 'web' } } });
        const created = await fis.send(
          new CreateExperimentTemplateCommand({ clientToken: token, ...reboot, targets: { web: { ...reboot.targets.web, selectionMode } } }),
        );
        const id =
          (await fis.send(new StartExperimentCommand({ clientToken: `${token}-run`, experimentTemplateId: created.experimentTemplate?.id }))).experiment?.id ??
          '';
        const experiment = await waitFor(
          `the ${selectionMode} experiment to end`,
          async () => {
            const e = (await fis.send(new GetExperimentCommand({ id }))).experiment;
            return ['completed', 'failed', 'stopped'].includes(e?.state?.status ?? '') ? e : undefined;
          },
          { timeoutMs: 10_000 },
        );
        const resolved = (await fis.send(new ListExperimentResolvedTargetsCommand({ experimentId: id }))).resolvedTargets ?? [];
        return { experiment, resolved: resolved.length };
      };
      const half = await run('PERCENT(50)', 'half');
      assert.equal(half.experiment.state?.status, 'completed', half.experiment.state?.reason);
      assert.equal(half.resolved, 1, '50% of three instances is one: FIS rounds down');
      const tiny = await run('PERCENT(5)', 'tiny');
      assert.equal(tiny.experiment.state?.status, 'failed');
      assert.match(tiny.experiment.state?.reason ?? '', /Target resolution returned empty set/);
      const many = await run('COUNT(10)', 'many');
      assert.equal(many.resolved, 3, 'COUNT(n) beyond the pool takes the whole pool');
    } finally {
      fis.destroy();
      await sim.close();
    }
  });

  it('the safety lever: engaging it stops running experiments and refuses new ones until it is disengaged', async () => {
    const sim = await startSim({ speed: SPEED, topology: referenceWith((t) => (t.timings = { asgHealthCheckPeriod: '10h' })) });
    const fis = new FisClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    const aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: sim.endpoint, credentials: CREDENTIALS });
    const lever = (status?: string) =>
      aws.signedJson(
        'fis',
        status === undefined ? 'GetSafetyLever' : 'UpdateSafetyLeverState',
        status === undefined
          ? { method: 'GET', path: '/safetyLevers/default' }
          : { method: 'PATCH', path: '/safetyLevers/default/state', body: { state: { status, reason: 'change freeze' } } },
      );
    try {
      const state = (r: { body: unknown }) => (r.body as { safetyLever: { state: { status: string; reason: string } } }).safetyLever.state;
      // Throttled once: retried like any SDK call, and the audit trail counts both attempts.
      await armApiFault(sim.endpoint, { service: 'fis', action: 'GetSafetyLever', error: 'Throttling', count: 1 });
      const audit: { operation: string; attempts?: number | undefined; ok: boolean }[] = [];
      const off = aws.onCall((e) => audit.push(e));
      assert.equal(state(await lever()).status, 'disengaged');
      off();
      assert.deepEqual(
        audit.map((e) => [e.operation, e.attempts, e.ok]),
        [['GetSafetyLever', 2, true]],
      );
      const created = await fis.send(
        new CreateExperimentTemplateCommand({
          clientToken: 'q',
          ...template({ stop: { actionId: 'aws:ec2:stop-instances', parameters: { startInstancesAfterDuration: 'PT5M' }, targets: { Instances: 'web' } } }),
        }),
      );
      const id = (await fis.send(new StartExperimentCommand({ clientToken: 'r', experimentTemplateId: created.experimentTemplate?.id }))).experiment?.id ?? '';
      await waitFor(
        'the stop to run',
        async () => ((await fis.send(new GetExperimentCommand({ id }))).experiment?.actions?.stop?.state?.status === 'running' ? true : undefined),
        { timeoutMs: 10_000 },
      );
      assert.deepEqual(state(await lever('engaged')), { status: 'engaged', reason: 'change freeze' });
      const stopped = await waitFor(
        'the experiment to be stopped',
        async () => {
          const e = (await fis.send(new GetExperimentCommand({ id }))).experiment;
          return e?.state?.status === 'stopped' ? e : undefined;
        },
        { timeoutMs: 10_000 },
      );
      assert.match(stopped.state?.reason ?? '', /safety lever/);
      const refused = await sdkError(fis.send(new StartExperimentCommand({ clientToken: 's', experimentTemplateId: created.experimentTemplate?.id })));
      assert.equal(refused.name, 'ConflictException');
      assert.equal(refused.$metadata?.httpStatusCode, 409);
      assert.equal(state(await lever('disengaged')).status, 'disengaged');
      await fis.send(new StartExperimentCommand({ clientToken: 't', experimentTemplateId: created.experimentTemplate?.id }));
    } finally {
      fis.destroy();
      await aws.destroy();
      await sim.close();
    }
  });

  it('a target that resolves to nothing fails the experiment by default and skips its actions with emptyTargetResolutionMode skip', async () => {
    // https://docs.aws.amazon.com/fis/latest/userguide/experiment-options.html: emptyTargetResolutionMode fail | skip.
    const sim = await startSim({ speed: 200 });
    const fis = new FisClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const shape = {
        description: 'fail over clusters the region does not have',
        roleArn: 'arn:aws:iam::123456789012:role/fis',
        stopConditions: [{ source: 'none' }],
        targets: { clusters: { resourceType: 'aws:rds:cluster', resourceTags: { AzImpairmentPower: 'DisruptRds' }, selectionMode: 'ALL' } },
        actions: {
          failover: { actionId: 'aws:rds:failover-db-cluster', targets: { Clusters: 'clusters' } },
          wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT1M' } },
        },
      };
      const finished = async (templateId: string | undefined, token: string): Promise<Experiment> => {
        const id = (await fis.send(new StartExperimentCommand({ clientToken: token, experimentTemplateId: templateId }))).experiment?.id ?? '';
        return waitFor('the experiment to end', async () => {
          const e = (await fis.send(new GetExperimentCommand({ id }))).experiment;
          return ['completed', 'failed', 'stopped'].includes(e?.state?.status ?? '') ? e : undefined;
        });
      };
      const failing = await fis.send(new CreateExperimentTemplateCommand({ clientToken: 's', ...shape }));
      const failed = await finished(failing.experimentTemplate?.id, 't');
      assert.equal(failed.state?.status, 'failed');
      assert.match(failed.state?.reason ?? '', /empty set for target clusters/);
      const skipping = await fis.send(
        new CreateExperimentTemplateCommand({ clientToken: 'u', ...shape, experimentOptions: { emptyTargetResolutionMode: 'skip' } }),
      );
      assert.equal(skipping.experimentTemplate?.experimentOptions?.emptyTargetResolutionMode, 'skip');
      const done = await finished(skipping.experimentTemplate?.id, 'v');
      assert.equal(done.state?.status, 'completed', done.state?.reason);
      assert.equal(done.actions?.failover?.state?.status, 'skipped');
      assert.equal(done.actions?.wait?.state?.status, 'completed');
    } finally {
      fis.destroy();
      await sim.close();
    }
  });

  it("AWS's AZ Availability: Power Interruption scenario template runs unmodified: zone a's instances stop, launches there fail, its subnet goes dark, the databases fail over away from it", async () => {
    // The scenario: https://docs.aws.amazon.com/fis/latest/userguide/az-availability-scenario.html (targets by the tag
    // AzImpairmentPower; its template sets emptyTargetResolutionMode skip). Actions: https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html
    const topology = await loadTopology(join(ROOT, 'experiments/topologies/web-and-database.yaml'));
    const asgSpec = topology.autoScalingGroups[0];
    const clusterSpec = topology.dbClusters[0];
    assert.ok(asgSpec !== undefined && clusterSpec !== undefined);
    asgSpec.tags.AzImpairmentPower = 'IceAsg';
    clusterSpec.tags.AzImpairmentPower = 'DisruptRds';
    const sim = await startSim({ topology, speed: 150, readyTimeoutMs: 30_000 });
    const fis = new FisClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const az = 'us-east-1a';
      const subnet = ((await sim.ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? []).find((x) => x.AvailabilityZone === az);
      await sim.ec2.send(new CreateTagsCommand({ Resources: [subnet?.SubnetId ?? ''], Tags: [{ Key: 'AzImpairmentPower', Value: 'DisruptSubnet' }] }));
      const running = [{ path: 'State.Name', values: ['running'] }];
      const inZone = [...running, { path: 'Placement.AvailabilityZone', values: [az] }];
      const created = await fis.send(
        new CreateExperimentTemplateCommand({
          clientToken: 'scenario',
          description: 'Affect multiple resource types in a single AZ, targeting by tags and explicit ARNs, to approximate power interruption in one AZ.',
          roleArn: 'arn:aws:iam::123456789012:role/fis',
          stopConditions: [{ source: 'none' }],
          experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'skip' },
          targets: {
            'IAM-role': { resourceType: 'aws:iam:role', resourceArns: ['arn:aws:iam::123456789012:role/launcher'], selectionMode: 'ALL' },
            'EBS-Volumes': {
              resourceType: 'aws:ec2:ebs-volume',
              resourceTags: { AzImpairmentPower: 'ApiPauseVolume' },
              selectionMode: 'COUNT(1)',
              parameters: { availabilityZoneIdentifier: az },
              filters: [{ path: 'Attachments.DeleteOnTermination', values: ['false'] }],
            },
            'EC2-Instances': { resourceType: 'aws:ec2:instance', resourceTags: { AzImpairmentPower: 'StopInstances' }, filters: inZone, selectionMode: 'ALL' },
            ASG: { resourceType: 'aws:ec2:autoscaling-group', resourceTags: { AzImpairmentPower: 'IceAsg' }, selectionMode: 'ALL' },
            'ASG-EC2-Instances': { resourceType: 'aws:ec2:instance', resourceTags: { AzImpairmentPower: 'IceAsg' }, filters: inZone, selectionMode: 'ALL' },
            Subnet: {
              resourceType: 'aws:ec2:subnet',
              resourceTags: { AzImpairmentPower: 'DisruptSubnet' },
              filters: [{ path: 'AvailabilityZone', values: [az] }],
              selectionMode: 'ALL',
            },
            'RDS-Cluster': {
              resourceType: 'aws:rds:cluster',
              resourceTags: { AzImpairmentPower: 'DisruptRds' },
              selectionMode: 'ALL',
              parameters: { writerAvailabilityZoneIdentifiers: az },
            },
            'ElastiCache-Cluster': {
              resourceType: 'aws:elasticache:replicationgroup',
              resourceTags: { AzImpairmentPower: 'DisruptElasticache' },
              selectionMode: 'ALL',
              parameters: { availabilityZoneIdentifier: az },
            },
          },
          actions: {
            'Pause-Instance-Launches': {
              actionId: 'aws:ec2:api-insufficient-instance-capacity-error',
              parameters: { availabilityZoneIdentifiers: az, duration: 'PT30M', percentage: '100' },
              targets: { Roles: 'IAM-role' },
            },
            'Pause-EBS-IO': {
              actionId: 'aws:ebs:pause-volume-io',
              parameters: { duration: 'PT30M' },
              targets: { Volumes: 'EBS-Volumes' },
              startAfter: ['Stop-Instances', 'Stop-ASG-Instances'],
            },
            'Stop-Instances': {
              actionId: 'aws:ec2:stop-instances',
              parameters: { completeIfInstancesTerminated: 'true', startInstancesAfterDuration: 'PT30M' },
              targets: { Instances: 'EC2-Instances' },
            },
            'Pause-ASG-Scaling': {
              actionId: 'aws:ec2:asg-insufficient-instance-capacity-error',
              parameters: { availabilityZoneIdentifiers: az, duration: 'PT30M', percentage: '100' },
              targets: { AutoScalingGroups: 'ASG' },
            },
            'Stop-ASG-Instances': {
              actionId: 'aws:ec2:stop-instances',
              parameters: { completeIfInstancesTerminated: 'true', startInstancesAfterDuration: 'PT30M' },
              targets: { Instances: 'ASG-EC2-Instances' },
            },
            'Pause-network-connectivity': {
              actionId: 'aws:network:disrupt-connectivity',
              parameters: { duration: 'PT2M', scope: 'all' },
              targets: { Subnets: 'Subnet' },
            },
            'Failover-RDS': { actionId: 'aws:rds:failover-db-cluster', parameters: {}, targets: { Clusters: 'RDS-Cluster' } },
            'Pause-ElastiCache': {
              actionId: 'aws:elasticache:replicationgroup-interrupt-az-power',
              parameters: { duration: 'PT30M' },
              targets: { ReplicationGroups: 'ElastiCache-Cluster' },
            },
          },
        }),
      );
      const seq = (await truth(sim.endpoint)).length;
      const id = (await fis.send(new StartExperimentCommand({ clientToken: 'go', experimentTemplateId: created.experimentTemplate?.id }))).experiment?.id ?? '';
      const resolved = (await waitFor('targets resolved', async () => {
        const r = (await fis.send(new ListExperimentResolvedTargetsCommand({ experimentId: id }))).resolvedTargets ?? [];
        return r.length > 0 ? r : undefined;
      })) as { targetName?: string }[];
      const names = new Set(resolved.map((r) => r.targetName));
      for (const t of ['IAM-role', 'ASG', 'ASG-EC2-Instances', 'Subnet', 'RDS-Cluster']) assert.ok(names.has(t), `target ${t} resolves in the sim`);
      // Replacements land outside a, with a Failed activity for a.
      await waitFor(
        'three InService instances outside zone a and a failed launch into a',
        async () => {
          const g = await group(sim.asg);
          const live = (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
          const acts = (await sim.asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web-asg' }))).Activities ?? [];
          return (
            live.length === 3 &&
            live.every((i) => i.AvailabilityZone !== az) &&
            acts.some((a) => a.StatusCode === 'Failed' && /\(us-east-1a\)/.test(a.StatusMessage ?? ''))
          );
        },
        { timeoutMs: 20_000 },
      );
      // The subnet disruption takes the orders-db primary's node in a dark: it fails over by itself, no sooner than 60 s.
      const events = async (): Promise<TruthEvent[]> => truth(sim.endpoint, seq);
      const dark = await waitFor('the subnet cut', async () => (await events()).find((e) => e.kind === 'subnet-connectivity' && e.to === 'disrupted'));
      const served = await waitFor('orders-db serving from b', async () =>
        (await events()).find((e) => e.kind === 'workload' && e.resource === 'rds/orders-db' && e.to === 'serving'),
      );
      assert.equal(served.detail?.zone, 'us-east-1b');
      assert.ok((served.epochMs - dark.epochMs) * sim.speed >= 60_000);
      const done = await waitFor(
        'the experiment to complete',
        async () => {
          const e = (await fis.send(new GetExperimentCommand({ id }))).experiment;
          return ['completed', 'failed', 'stopped'].includes(e?.state?.status ?? '') ? e : undefined;
        },
        { timeoutMs: 30_000 },
      );
      assert.equal(done.state?.status, 'completed', done.state?.reason);
      const status = (n: string): string | undefined => done.actions?.[n]?.state?.status;
      for (const n of ['Pause-EBS-IO', 'Stop-Instances', 'Pause-ElastiCache']) assert.equal(status(n), 'skipped', n);
      for (const n of ['Pause-Instance-Launches', 'Pause-ASG-Scaling', 'Stop-ASG-Instances', 'Pause-network-connectivity', 'Failover-RDS'])
        assert.equal(status(n), 'completed', n);
      const writer = (await events()).find((e) => e.kind === 'workload' && e.resource === 'rds/ledger-cluster' && e.to === 'serving');
      assert.notEqual(writer?.detail?.zone, az, 'the cluster writer moved out of a');
    } finally {
      fis.destroy();
      await sim.close();
    }
  });
});
