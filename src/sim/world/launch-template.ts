import { hex } from '../hex.js';
import { resolveVersion, type Topology } from '../topology.js';

/** One version of a launch template: what an instance launched from it runs. */
export interface SimLaunchTemplateVersion {
  number: number;
  imageId: string;
  instanceType: string;
  createTime: Date;
  /** CreateLaunchTemplateVersion's `VersionDescription`. */
  description?: string | undefined;
}

/**
 * An EC2 launch template with its versions. Version 1 is the template as declared; each later version changes the
 * image or instance type of the one before it, as CreateLaunchTemplateVersion with `SourceVersion` does
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-launch-template-versions.html).
 */
export interface SimLaunchTemplate {
  id: string;
  name: string;
  port: number;
  /** The workload's process name on its instances. */
  processName: string;
  bootTime: number | undefined;
  marketType: Topology['launchTemplates'][number]['marketType'];
  defaultVersion: number;
  versions: SimLaunchTemplateVersion[];
  createTime: Date;
}

/** Builds a declared launch template with its versions. */
export function launchTemplateOf(spec: Topology['launchTemplates'][number]): SimLaunchTemplate {
  const createTime = new Date();
  const versions: SimLaunchTemplateVersion[] = [{ number: 1, imageId: spec.imageId, instanceType: spec.instanceType, createTime }];
  for (const v of spec.versions) {
    const before = versions[versions.length - 1] as SimLaunchTemplateVersion;
    versions.push({
      number: versions.length + 1,
      imageId: v.imageId ?? before.imageId,
      instanceType: v.instanceType ?? before.instanceType,
      createTime,
    });
  }
  return {
    id: `lt-${hex(17)}`,
    name: spec.name,
    port: spec.port,
    processName: spec.processName,
    bootTime: spec.bootTime,
    marketType: spec.marketType,
    defaultVersion: spec.defaultVersion,
    versions,
    createTime,
  };
}

/** The latest version's number (`$Latest`). */
export function latestVersion(lt: SimLaunchTemplate): number {
  return lt.versions.length;
}

/** What CreateLaunchTemplateVersion gives: the version it copies (already resolved) and the data it changes. */
export interface NewVersionRequest {
  source: SimLaunchTemplateVersion | undefined;
  description: string | undefined;
  imageId: string | undefined;
  instanceType: string | undefined;
}

/**
 * Adds the next version: the source version's data with the given fields overriding it, or only the given fields
 * without a source, numbered after the latest
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-launch-template-versions.html). The caller checked that
 * an image and an instance type result.
 */
export function addVersion(lt: SimLaunchTemplate, request: NewVersionRequest): SimLaunchTemplateVersion {
  const version: SimLaunchTemplateVersion = {
    number: latestVersion(lt) + 1,
    imageId: request.imageId ?? request.source?.imageId ?? '',
    instanceType: request.instanceType ?? request.source?.instanceType ?? '',
    createTime: new Date(),
    description: request.description,
  };
  lt.versions.push(version);
  return version;
}

/** The version a group's `$Default`, `$Latest` or number names (the topology checked that it exists). */
export function versionOf(lt: SimLaunchTemplate, version: string | number): SimLaunchTemplateVersion {
  const n = typeof version === 'number' ? version : resolveVersion(version, lt.defaultVersion, latestVersion(lt));
  return lt.versions[n - 1] ?? (lt.versions[0] as SimLaunchTemplateVersion);
}
