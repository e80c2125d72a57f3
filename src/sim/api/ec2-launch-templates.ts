import { SimApiError } from '../protocol/errors.js';
import type { Ec2Result } from '../protocol/ec2-query.js';
import type { QueryParams } from '../protocol/query.js';
import type { XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import { addVersion, latestVersion, type SimLaunchTemplate, type SimLaunchTemplateVersion } from '../world/launch-template.js';
import { matchesAny } from './ec2-glob.js';

/** The launch templates a request names by `LaunchTemplateId.N`/`LaunchTemplateName.N` (or one of each), or all. */
function templatesNamed(world: SimWorld, ids: string[], names: string[]): SimLaunchTemplate[] {
  const all = [...world.launchTemplates.values()];
  if (ids.length === 0 && names.length === 0) return all;
  const missingId = ids.find((id) => !all.some((lt) => lt.id === id));
  if (missingId !== undefined)
    throw new SimApiError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${missingId}, does not exist.`);
  const missingName = names.find((n) => !all.some((lt) => lt.name === n));
  if (missingName !== undefined)
    throw new SimApiError('InvalidLaunchTemplateName.NotFoundException', 'At least one of the launch templates specified in the request does not exist.');
  return all.filter((lt) => ids.includes(lt.id) || names.includes(lt.name));
}

function versionXml(world: SimWorld, lt: SimLaunchTemplate, v: SimLaunchTemplateVersion): XmlValue {
  return {
    launchTemplateId: lt.id,
    launchTemplateName: lt.name,
    versionNumber: v.number,
    ...(v.description === undefined ? {} : { versionDescription: v.description }),
    createTime: v.createTime.toISOString(),
    createdBy: createdBy(world),
    defaultVersion: v.number === lt.defaultVersion,
    launchTemplateData: {
      imageId: v.imageId,
      instanceType: v.instanceType,
      ...(lt.marketType === undefined ? {} : { instanceMarketOptions: { marketType: lt.marketType } }),
    },
  };
}

/** Who created the region's launch templates and versions: the account's root user, as EC2 reports the caller's ARN. */
function createdBy(world: SimWorld): string {
  return `arn:aws:iam::${world.topology.accountId}:root`;
}

function templateXml(world: SimWorld, lt: SimLaunchTemplate): XmlValue {
  return {
    launchTemplateId: lt.id,
    launchTemplateName: lt.name,
    createTime: lt.createTime.toISOString(),
    createdBy: createdBy(world),
    defaultVersionNumber: lt.defaultVersion,
    latestVersionNumber: latestVersion(lt),
  };
}

/**
 * The one launch template a write names by `LaunchTemplateId` or `LaunchTemplateName` (exactly one), with EC2's
 * error codes (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
 */
function templateNamed(world: SimWorld, params: QueryParams): SimLaunchTemplate {
  const id = params.get('LaunchTemplateId');
  const name = params.get('LaunchTemplateName');
  if (id !== undefined && name !== undefined)
    throw new SimApiError('InvalidParameterCombination', 'Specify either LaunchTemplateId or LaunchTemplateName, not both.');
  if (id === undefined && name === undefined)
    throw new SimApiError('MissingParameter', 'The request must contain the parameter LaunchTemplateId or LaunchTemplateName.');
  const all = [...world.launchTemplates.values()];
  if (id !== undefined) {
    if (!/^lt-[0-9a-f]{17}$/.test(id)) throw new SimApiError('InvalidLaunchTemplateId.Malformed', `The launch template ID '${id}' is malformed.`);
    const found = all.find((lt) => lt.id === id);
    if (found === undefined)
      throw new SimApiError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);
    return found;
  }
  const found = all.find((lt) => lt.name === name);
  if (found === undefined)
    throw new SimApiError('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${name ?? ''}, does not exist.`);
  return found;
}

/** A numbered version of `lt` a write names (`SourceVersion`, `SetDefaultVersion`), or EC2's VersionNotFound. */
function numberedVersion(lt: SimLaunchTemplate, text: string, allowAliases: boolean): SimLaunchTemplateVersion {
  const n =
    allowAliases && text === '$Latest'
      ? latestVersion(lt)
      : allowAliases && text === '$Default'
        ? lt.defaultVersion
        : /^[1-9]\d*$/.test(text)
          ? Number(text)
          : 0;
  const found = lt.versions[n - 1];
  if (found === undefined)
    throw new SimApiError('InvalidLaunchTemplateId.VersionNotFound', `Could not find the specified version ${text} for the launch template with ID ${lt.id}.`);
  return found;
}

/**
 * CreateLaunchTemplateVersion: the next version, from `SourceVersion` with `LaunchTemplateData`'s ImageId and
 * InstanceType overriding it, or from the data alone
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-launch-template-versions.html). The region launches
 * from every version, so a version must end with an image and an instance type: EC2 accepts one without and fails
 * its launches later (assumed divergence, named in one sentence).
 */
function createVersion(world: SimWorld, params: QueryParams): Ec2Result {
  const lt = templateNamed(world, params);
  const sourceText = params.get('SourceVersion');
  const source = sourceText === undefined ? undefined : numberedVersion(lt, sourceText, true);
  const description = params.get('VersionDescription');
  if (description !== undefined && description.length > 255)
    throw new SimApiError('InvalidParameterValue', 'The version description must be at most 255 characters long.');
  const imageId = params.get('LaunchTemplateData.ImageId');
  const instanceType = params.get('LaunchTemplateData.InstanceType');
  if (imageId !== undefined && !/^ami-[0-9a-z]{1,32}$/.test(imageId))
    throw new SimApiError('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
  if ((imageId ?? source?.imageId) === undefined || (instanceType ?? source?.instanceType) === undefined)
    throw new SimApiError(
      'MissingParameter',
      'The simulated region needs LaunchTemplateData.ImageId and LaunchTemplateData.InstanceType when no SourceVersion provides them.',
    );
  if (params.bool('DryRun') === true) throw new SimApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
  return { launchTemplateVersion: versionXml(world, lt, addVersion(lt, { source, description, imageId, instanceType })) };
}

/** ModifyLaunchTemplate: `SetDefaultVersion` makes a numbered version the template's `$Default`. */
function modifyTemplate(world: SimWorld, params: QueryParams): Ec2Result {
  const lt = templateNamed(world, params);
  const asked = params.get('SetDefaultVersion');
  const version = asked === undefined ? undefined : numberedVersion(lt, asked, false);
  if (params.bool('DryRun') === true) throw new SimApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
  if (version !== undefined) lt.defaultVersion = version.number;
  return { launchTemplate: templateXml(world, lt) };
}

/**
 * The versions a DescribeLaunchTemplateVersions request asks for: `Versions` (numbers, `$Latest`, `$Default`), else
 * those between MinVersion and MaxVersion, else all. Without a template named, only `$Latest` and `$Default` may be
 * asked for, across every template
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html).
 */
function versionsAsked(lt: SimLaunchTemplate, params: QueryParams): SimLaunchTemplateVersion[] {
  const asked = params.ec2List('LaunchTemplateVersion');
  if (asked.length > 0) {
    const numbers = new Set(asked.map((v) => (v === '$Latest' ? latestVersion(lt) : v === '$Default' ? lt.defaultVersion : Number(v))));
    const bad = asked.find((v) => v !== '$Latest' && v !== '$Default' && !/^[1-9]\d*$/.test(v));
    if (bad !== undefined) throw new SimApiError('InvalidLaunchTemplateVersion.Malformed', `The launch template version '${bad}' is malformed.`);
    const missing = [...numbers].find((n) => n > latestVersion(lt));
    if (missing !== undefined)
      throw new SimApiError('InvalidLaunchTemplateId.VersionNotFound', `Could not find launch template version ${missing} for template ${lt.id}.`);
    return lt.versions.filter((v) => numbers.has(v.number));
  }
  const min = Number(params.get('MinVersion') ?? 1);
  const max = Number(params.get('MaxVersion') ?? latestVersion(lt));
  return lt.versions.filter((v) => v.number >= min && v.number <= max);
}

/** EC2's launch template operations, or undefined for another action. */
export function launchTemplateApi(world: SimWorld, params: QueryParams): Ec2Result | undefined {
  switch (params.action) {
    case 'DescribeLaunchTemplates': {
      let found = templatesNamed(world, params.ec2List('LaunchTemplateId'), params.ec2List('LaunchTemplateName'));
      for (const f of params.ec2Filters()) {
        if (f.name === 'launch-template-name') found = found.filter((lt) => matchesAny(f.values, lt.name));
        else throw new SimApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
      }
      return { launchTemplates: found.map((lt) => templateXml(world, lt)) };
    }
    case 'DescribeLaunchTemplateVersions': {
      const id = params.get('LaunchTemplateId');
      const name = params.get('LaunchTemplateName');
      if (id !== undefined && name !== undefined)
        throw new SimApiError('InvalidParameterCombination', 'Specify either LaunchTemplateId or LaunchTemplateName, not both.');
      const named = id !== undefined || name !== undefined;
      if (!named && params.ec2List('LaunchTemplateVersion').some((v) => v !== '$Latest' && v !== '$Default'))
        throw new SimApiError(
          'MissingParameter',
          'The request must contain the parameter LaunchTemplateId or LaunchTemplateName when it asks for numbered versions.',
        );
      const templates = templatesNamed(world, id === undefined ? [] : [id], name === undefined ? [] : [name]);
      const versions = templates.flatMap((lt) => versionsAsked(lt, params).map((v) => versionXml(world, lt, v)));
      return { launchTemplateVersionSet: versions };
    }
    case 'CreateLaunchTemplateVersion':
      return createVersion(world, params);
    case 'ModifyLaunchTemplate':
      return modifyTemplate(world, params);
    default:
      return undefined;
  }
}
