/**
 * Launch template drift: whether the instances of an Auto Scaling group run what the group launches. One reading,
 * shared by the audit's `asg-instance-drift` rule (on an architecture read once) and the `aws.asg.launch-template-drift`
 * probe (on DescribeAutoScalingGroups, DescribeLaunchTemplates and DescribeInstances sampled live).
 */
import type { LaunchTemplate, LaunchTemplateVersion } from './model.js';

/** What drift is judged on: a template's versions and which one is the default and the latest. */
export type TemplateVersions = Pick<LaunchTemplate, 'defaultVersion' | 'latestVersion' | 'versions'>;

/** An instance as the group reports it (its launch template version) with the AMI EC2 reports it running. */
export interface DriftCandidate {
  id: string;
  /** `$Latest`, `$Default` or a number, as DescribeAutoScalingGroups names it; absent when the group does not say. */
  launchTemplateVersion?: string | undefined;
  /** The AMI it runs (DescribeInstances), absent when unknown. */
  imageId?: string | undefined;
}

/** An instance that runs something other than the group's version: the version it was launched from and its AMI. */
export interface DriftedInstance {
  id: string;
  /** The version number it was launched from, when the template still has that version. */
  version?: number | undefined;
  imageId?: string | undefined;
}

/** A group's drift: the version it launches now, and its instances that run something else. */
export interface Drift {
  wanted: LaunchTemplateVersion;
  drifted: DriftedInstance[];
}

/**
 * The version a `$Latest`, `$Default` or numbered reference means; an absent reference is the default version, as
 * Amazon EC2 Auto Scaling reads it (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html).
 */
export function resolveVersion(lt: TemplateVersions, version: string | undefined): LaunchTemplateVersion | undefined {
  const n = version === '$Latest' ? lt.latestVersion : version === '$Default' || version === undefined ? lt.defaultVersion : Number(version);
  return lt.versions.find((v) => v.number === n);
}

/**
 * Which of `instances` drifted from the version the group names (`groupVersion`): launched from another version,
 * or running another AMI than that version's. `undefined` when the template has no such version (nothing to compare).
 * An instance whose AMI is unknown is judged on its version alone; one whose version is not reported counts as
 * launched from the default version, as an absent reference means.
 */
export function launchTemplateDrift(lt: TemplateVersions, groupVersion: string | undefined, instances: readonly DriftCandidate[]): Drift | undefined {
  const wanted = resolveVersion(lt, groupVersion);
  if (wanted === undefined) return undefined;
  const drifted: DriftedInstance[] = [];
  for (const i of instances) {
    const own = resolveVersion(lt, i.launchTemplateVersion);
    const otherVersion = own !== undefined && own.number !== wanted.number;
    const otherImage = wanted.imageId !== undefined && i.imageId !== undefined && i.imageId !== wanted.imageId;
    if (otherVersion || otherImage) drifted.push({ id: i.id, version: own?.number, imageId: i.imageId });
  }
  return { wanted, drifted };
}
