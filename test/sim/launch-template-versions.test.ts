import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
} from '@aws-sdk/client-ec2';
import { awsCli } from '../support/aws-cli.js';
import { parseTopology, placeholderOutputs, REFERENCE_TOPOLOGY } from '../../src/sim/topology.js';
import { allInstances, getOutputs, httpGet, sdkError, startSim, waitFor, workloadUrl, type Sim } from '../support/sim.js';

/**
 * Launch template versions over the wire, through the JS SDK and the AWS CLI: CreateLaunchTemplateVersion from a
 * source version, ModifyLaunchTemplate's SetDefaultVersion, and the describes that report them
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-launch-template-versions.html). A group's `$Default`
 * is resolved when it launches, so its next instances run the new default version and serve its app
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html).
 */
const SPEED = 100;

const topology = parseTopology(
  {
    ...REFERENCE_TOPOLOGY,
    apps: [
      { name: 'v1', imageId: 'ami-0d0000000000000d1' },
      { name: 'v2', imageId: 'ami-0d0000000000000d2' },
    ],
    launchTemplates: [{ name: 'web-lt', app: 'v1' }],
  },
  'launch template versions topology',
);

interface CliVersion {
  LaunchTemplateVersion: {
    VersionNumber: number;
    DefaultVersion: boolean;
    VersionDescription?: string;
    LaunchTemplateData: { ImageId?: string; InstanceType?: string };
  };
}

describe('sim: launch template versions', () => {
  let sim: Sim;
  let imageV2: string;

  before(async () => {
    sim = await startSim({ topology, speed: SPEED, readyTimeoutMs: 30_000 });
    imageV2 = sim.outputs['app.v2.imageId'] ?? '';
  });
  after(async () => {
    await sim?.close();
  });

  it('creates a version from a source version through the SDK, answering launchTemplateVersion', async () => {
    assert.equal(sim.outputs['lt.web-lt.latestVersion'], '1');
    const { LaunchTemplateVersion: v } = await sim.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateName: 'web-lt',
        SourceVersion: '1',
        VersionDescription: 'release v2',
        LaunchTemplateData: { ImageId: imageV2 },
      }),
    );
    assert.equal(v?.VersionNumber, 2);
    assert.equal(v?.DefaultVersion, false);
    assert.equal(v?.VersionDescription, 'release v2');
    assert.equal(v?.LaunchTemplateName, 'web-lt');
    assert.equal(v?.LaunchTemplateId, sim.outputs['lt.web-lt.id']);
    assert.equal(v?.LaunchTemplateData?.ImageId, imageV2);
    // Inherited from the source version.
    assert.equal(v?.LaunchTemplateData?.InstanceType, 't3.micro');
    assert.ok(v?.CreateTime instanceof Date);
    const { LaunchTemplates } = await sim.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['web-lt'] }));
    assert.deepEqual(
      LaunchTemplates?.map((lt) => [lt.DefaultVersionNumber, lt.LatestVersionNumber]),
      [[1, 2]],
    );
    assert.equal((await getOutputs(sim.endpoint))['lt.web-lt.latestVersion'], '2');
  });

  it('refuses an unknown or malformed template and an unknown source version with EC2’s codes', async () => {
    const create = (input: ConstructorParameters<typeof CreateLaunchTemplateVersionCommand>[0]) =>
      sdkError(sim.ec2.send(new CreateLaunchTemplateVersionCommand(input)));
    assert.equal((await create({ LaunchTemplateName: 'nope', LaunchTemplateData: { ImageId: imageV2 } })).name, 'InvalidLaunchTemplateName.NotFoundException');
    assert.equal(
      (await create({ LaunchTemplateId: 'lt-0123456789abcdef0', LaunchTemplateData: { ImageId: imageV2 } })).name,
      'InvalidLaunchTemplateId.NotFound',
    );
    assert.equal((await create({ LaunchTemplateId: 'lt-zz', LaunchTemplateData: { ImageId: imageV2 } })).name, 'InvalidLaunchTemplateId.Malformed');
    const missing = await create({ LaunchTemplateName: 'web-lt', SourceVersion: '9', LaunchTemplateData: { ImageId: imageV2 } });
    assert.equal(missing.name, 'InvalidLaunchTemplateId.VersionNotFound');
    assert.equal(missing.$fault, 'client');
    assert.equal(
      (await sdkError(sim.ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateName: 'web-lt', DefaultVersion: '9' })))).name,
      'InvalidLaunchTemplateId.VersionNotFound',
    );
    const { LaunchTemplates } = await sim.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['web-lt'] }));
    assert.equal(LaunchTemplates?.[0]?.LatestVersionNumber, 2, 'a refused request creates nothing');
  });

  it('sets the default version, and the group’s next instance runs it and serves its app', async () => {
    const { LaunchTemplate } = await sim.ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateName: 'web-lt', DefaultVersion: '2' }));
    assert.equal(LaunchTemplate?.DefaultVersionNumber, 2);
    assert.equal(LaunchTemplate?.LatestVersionNumber, 2);
    const { LaunchTemplateVersions } = await sim.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'web-lt' }));
    assert.deepEqual(
      LaunchTemplateVersions?.map((v) => [v.VersionNumber, v.DefaultVersion, v.VersionDescription]),
      [
        [1, false, undefined],
        [2, true, 'release v2'],
      ],
    );
    const before = new Set((await allInstances(sim.ec2)).map((i) => i.InstanceId));
    await sim.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 4 }));
    const fresh = await waitFor(
      'the new instance running',
      async () => (await allInstances(sim.ec2)).find((i) => !before.has(i.InstanceId) && i.State?.Name === 'running'),
      { timeoutMs: 15_000 },
    );
    assert.equal(fresh.ImageId, imageV2);
    assert.equal(fresh.Tags?.find((t) => t.Key === 'aws:ec2launchtemplate:version')?.Value, '2');
    const answer = await waitFor(
      'the new instance serving',
      async () => {
        const r = await httpGet(workloadUrl(fresh, 8080));
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 15_000 },
    );
    assert.equal((JSON.parse(answer.body ?? '{}') as { app?: string }).app, 'v2');
    // The instances launched before keep serving the version they run.
    const old = (await allInstances(sim.ec2)).find((i) => before.has(i.InstanceId) && i.State?.Name === 'running');
    assert.ok(old !== undefined);
    assert.equal((JSON.parse((await httpGet(workloadUrl(old, 8080))).body ?? '{}') as { app?: string }).app, 'v1');
  });

  it('creates, sets as default and describes a version through the AWS CLI', async () => {
    const cli = awsCli(sim.endpoint);
    const created = await cli.json<CliVersion>(
      'ec2',
      'create-launch-template-version',
      '--launch-template-name',
      'web-lt',
      '--source-version',
      '2',
      '--version-description',
      'bigger',
      '--launch-template-data',
      '{"InstanceType":"t3.small"}',
    );
    assert.equal(created.LaunchTemplateVersion.VersionNumber, 3);
    assert.equal(created.LaunchTemplateVersion.DefaultVersion, false);
    assert.equal(created.LaunchTemplateVersion.VersionDescription, 'bigger');
    assert.deepEqual(created.LaunchTemplateVersion.LaunchTemplateData, { ImageId: imageV2, InstanceType: 't3.small' });
    const modified = await cli.json<{ LaunchTemplate: { DefaultVersionNumber: number; LatestVersionNumber: number } }>(
      'ec2',
      'modify-launch-template',
      '--launch-template-id',
      sim.outputs['lt.web-lt.id'] ?? '',
      '--default-version',
      '3',
    );
    assert.deepEqual([modified.LaunchTemplate.DefaultVersionNumber, modified.LaunchTemplate.LatestVersionNumber], [3, 3]);
    const described = await cli.json<{ LaunchTemplateVersions: { VersionNumber: number; DefaultVersion: boolean }[] }>(
      'ec2',
      'describe-launch-template-versions',
      '--launch-template-name',
      'web-lt',
      '--versions',
      '$Default',
      '$Latest',
    );
    assert.deepEqual(
      described.LaunchTemplateVersions.map((v) => [v.VersionNumber, v.DefaultVersion]),
      [[3, true]],
    );
    const stderr = await cli.fails(
      'ec2',
      'create-launch-template-version',
      '--launch-template-name',
      'web-lt',
      '--source-version',
      '7',
      '--launch-template-data',
      '{"InstanceType":"t3.small"}',
    );
    assert.match(stderr, /InvalidLaunchTemplateId\.VersionNotFound/);
  });

  it('offers each launch template’s latest version as an output before the region runs', () => {
    assert.equal(
      placeholderOutputs(parseTopology({ launchTemplates: [{ name: 'x-lt', versions: [{ instanceType: 't3.large' }] }] }))['lt.x-lt.latestVersion'],
      '2',
    );
  });
});
