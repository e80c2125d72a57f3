import { performance } from 'node:perf_hooks';
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { type Drift, launchTemplateDrift, type TemplateVersions } from '../../architecture/drift.js';
import { no, partial, yes } from '../../registry/capabilities.js';
import type { ActivityContext, ProbeDefinition } from '../../registry/types.js';
import { sdk } from '../../aws/sdk.js';
import { describeGroup } from './asg-group.js';
import { MOTO_RELEASE_TEST } from './asg-instance-refresh-status.js';

const args = z.strictObject({ autoScalingGroupName: z.string().min(1) });

const tolerance = z.strictObject({
  maxDrifted: z.number().int().min(0).optional().meta({ description: 'How many InService instances may run another version or AMI; default 0.' }),
});
type DriftTolerance = z.output<typeof tolerance>;

/** The template and version a group launches from, whether named directly or in its mixed instances policy. */
function launchSpec(g: AutoScalingGroup): { id?: string | undefined; name?: string | undefined; version?: string | undefined } | undefined {
  const lt = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (lt === undefined || (lt.LaunchTemplateId === undefined && lt.LaunchTemplateName === undefined)) return undefined;
  return { id: lt.LaunchTemplateId, name: lt.LaunchTemplateName, version: lt.Version };
}

/**
 * The template's default and latest version numbers (DescribeLaunchTemplates) and, of its versions, those the group
 * and its instances name (DescribeLaunchTemplateVersions takes numbers, `$Latest` and `$Default`
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html)).
 */
async function readTemplate(
  ec2: EC2Client,
  spec: { id?: string | undefined; name?: string | undefined },
  versions: readonly string[],
  signal: AbortSignal,
): Promise<TemplateVersions & { name: string }> {
  const { DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand } = await sdk.ec2();
  const named = spec.id === undefined ? { LaunchTemplateNames: [spec.name ?? ''] } : { LaunchTemplateIds: [spec.id] };
  const lt = (await ec2.send(new DescribeLaunchTemplatesCommand(named), { abortSignal: signal })).LaunchTemplates?.[0];
  const which = spec.id === undefined ? { LaunchTemplateName: spec.name } : { LaunchTemplateId: spec.id };
  const out = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ ...which, Versions: [...versions] }), { abortSignal: signal });
  return {
    name: lt?.LaunchTemplateName ?? spec.name ?? spec.id ?? '?',
    defaultVersion: lt?.DefaultVersionNumber ?? 1,
    latestVersion: lt?.LatestVersionNumber ?? 1,
    versions: (out.LaunchTemplateVersions ?? []).map((v) => ({
      number: v.VersionNumber ?? 0,
      imageId: v.LaunchTemplateData?.ImageId,
      instanceType: v.LaunchTemplateData?.InstanceType,
    })),
  };
}

/** The AMI each instance runs, as DescribeInstances reports it. */
async function imagesOf(ec2: EC2Client, ids: readonly string[], signal: AbortSignal): Promise<Map<string, string>> {
  const images = new Map<string, string>();
  if (ids.length === 0) return images;
  const { DescribeInstancesCommand } = await sdk.ec2();
  let token: string | undefined;
  do {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [...ids], NextToken: token }), { abortSignal: signal });
    for (const r of out.Reservations ?? [])
      for (const i of r.Instances ?? []) if (i.InstanceId !== undefined && i.ImageId !== undefined) images.set(i.InstanceId, i.ImageId);
    token = out.NextToken;
  } while (token !== undefined && token !== '');
  return images;
}

/** The sentence a sample carries: what the group launches, and each drifted instance with its version and AMI. */
function describeDrift(group: string, template: string, d: Drift, inService: number): string {
  const wanted = `${template} version ${d.wanted.number}${d.wanted.imageId === undefined ? '' : ` (${d.wanted.imageId})`}`;
  if (d.drifted.length === 0) return `all ${inService} InService instance(s) of ${group} run ${wanted}`;
  const each = d.drifted.map((i) => `${i.id} (version ${i.version ?? '?'}, ${i.imageId ?? 'AMI unknown'})`);
  return `${d.drifted.length} of ${inService} InService instance(s) of ${group} run something other than ${wanted}: ${each.join(', ')}`;
}

/** One reading of a group's drift, or the sentence a sample reports when it cannot read one. */
export async function readDrift(
  ctx: Pick<ActivityContext, 'aws'>,
  groupName: string,
  signal: AbortSignal,
): Promise<{ drifted: number; detail: string } | { error: string }> {
  const group = await describeGroup(ctx, groupName, signal);
  if ('error' in group) return group;
  const spec = launchSpec(group);
  if (spec === undefined) return { error: `Auto Scaling group ${groupName} does not launch from a launch template` };
  try {
    const inService = (group.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
    const ec2 = await ctx.aws.ec2();
    const versions = [...new Set([spec.version ?? '$Default', ...inService.map((i) => i.LaunchTemplate?.Version ?? '$Default')])];
    const [template, images] = await Promise.all([
      readTemplate(ec2, spec, versions, signal),
      imagesOf(
        ec2,
        inService.map((i) => i.InstanceId ?? ''),
        signal,
      ),
    ]);
    const candidates = inService.map((i) => ({
      id: i.InstanceId ?? '',
      launchTemplateVersion: i.LaunchTemplate?.Version,
      imageId: images.get(i.InstanceId ?? ''),
    }));
    const d = launchTemplateDrift(template, spec.version, candidates);
    if (d === undefined) return { error: `launch template ${template.name} has no version ${spec.version ?? '$Default'}` };
    return { drifted: d.drifted.length, detail: describeDrift(groupName, template.name, d, inService.length) };
  } catch (error) {
    return { error: `${(error as { name?: string }).name ?? 'Error'}: ${(error as Error).message}` };
  }
}

/**
 * `aws.asg.launch-template-drift`: how many InService instances of a group run something other than the group's
 * launch template version: launched from another version, or running another AMI than that version names (an
 * instance changed in place). `$Latest` and `$Default` are resolved as the template stands now, so a new version
 * the group follows drifts every instance until an instance refresh replaces them. The same comparison as the
 * audit's `asg-instance-drift` rule (src/architecture/drift.ts).
 */
export const launchTemplateDriftProbe: ProbeDefinition<z.output<typeof args>, DriftTolerance> = {
  id: 'aws.asg.launch-template-drift',
  summary: "Counts a group's InService instances that run another launch template version or AMI than the group's version (default tolerance: none drifted).",
  measures: ['availability'],
  permissions: {
    read: ['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeLaunchTemplates', 'ec2:DescribeLaunchTemplateVersions', 'ec2:DescribeInstances'],
    write: [],
  },
  capabilities: {
    services: ['autoscaling', 'ec2'],
    support: {
      sim: yes('Each instance reports the version it was launched from; a topology declares versions and drifted instances.'),
      moto: partial(
        `moto reports every instance's version as the template's current default, not the one it was launched from, so drift shows through the AMI only (${MOTO_RELEASE_TEST}: "aws.asg.launch-template-drift finds instances left on the old version").`,
      ),
      'localstack-free': no('Auto Scaling is not in the community image.'),
      'localstack-paid': partial('Mock VM manager only; instance versions as moto reports them (unverified).'),
      aws: yes(),
    },
  },
  args,
  tolerance,
  defaultTolerance: {},
  open(a, ctx) {
    return {
      async sample(signal) {
        const started = performance.now();
        const drift = await readDrift(ctx, a.autoScalingGroupName, signal);
        if ('error' in drift) return { error: drift.error };
        return { value: drift.drifted, latencyMs: performance.now() - started, detail: drift.detail };
      },
      close: async () => undefined,
    };
  },
  check(o, t) {
    if (o.error !== undefined) return o.error;
    if (typeof o.value !== 'number') return 'no count of drifted instances';
    const max = t.maxDrifted ?? 0;
    if (o.value <= max) return null;
    return `${o.detail ?? `${o.value} drifted instance(s)`}; expected at most ${max}`;
  },
};
