import { SimApiError } from '../protocol/errors.js';
import type { Ec2Result } from '../protocol/ec2-query.js';
import type { QueryParams } from '../protocol/query.js';
import type { XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import { latestVersion, type SimLaunchTemplate, type SimLaunchTemplateVersion } from '../world/launch-template.js';
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

function versionXml(lt: SimLaunchTemplate, v: SimLaunchTemplateVersion): XmlValue {
  return {
    launchTemplateId: lt.id,
    launchTemplateName: lt.name,
    versionNumber: v.number,
    createTime: v.createTime.toISOString(),

    defaultVersion: v.number === lt.defaultVersion,
    launchTemplateData: {
      imageId: v.imageId,
      instanceType: v.instanceType,
      ...(lt.marketType === undefined ? {} : { instanceMarketOptions: { marketType: lt.marketType } }),
    },
  };
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

/** EC2's launch template reads, or undefined for another action. */
export function launchTemplateApi(world: SimWorld, params: QueryParams): Ec2Result | undefined {
  switch (params.action) {
    case 'DescribeLaunchTemplates': {
      let found = templatesNamed(world, params.ec2List('LaunchTemplateId'), params.ec2List('LaunchTemplateName'));
      for (const f of params.ec2Filters()) {
        if (f.name === 'launch-template-name') found = found.filter((lt) => matchesAny(f.values, lt.name));
        else throw new SimApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
      }
      return {
        launchTemplates: found.map((lt) => ({
          launchTemplateId: lt.id,
          launchTemplateName: lt.name,
          defaultVersionNumber: lt.defaultVersion,
          latestVersionNumber: latestVersion(lt),
          createTime: lt.createTime.toISOString(),
        })),
      };
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
      const versions = templates.flatMap((lt) => versionsAsked(lt, params).map((v) => versionXml(lt, v)));
      return { launchTemplateVersionSet: versions };
    }
    default:
      return undefined;
  }
}
