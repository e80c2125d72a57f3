import { SimApiError } from '../protocol/errors.js';
import type { Ec2Result } from '../protocol/ec2-query.js';
import type { QueryParams } from '../protocol/query.js';
import type { SimWorld } from '../region.js';
import { glob } from './ec2-glob.js';
import { zoneId } from './ec2-network.js';

/** One zone as DescribeAvailabilityZones' AvailabilityZone shape carries it, with the fields its filters read. */
interface ZoneRow {
  zoneName: string;
  zoneId: string;
  zoneType: 'availability-zone' | 'local-zone' | 'wavelength-zone';
  optInStatus: 'opt-in-not-required' | 'opted-in' | 'not-opted-in';
  groupName: string;
  networkBorderGroup: string;
  parentZoneName?: string | undefined;
  parentZoneId?: string | undefined;
}

/**
 * The Region's zones. An Availability Zone is `opt-in-not-required` and its group and network border group are the
 * Region's name; a Local Zone or Wavelength Zone carries its group, network border group, opt-in status and parent
 * zone (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AvailabilityZone.html).
 */
function zoneRows(world: SimWorld): ZoneRow[] {
  const region = world.topology.region;
  return [
    ...world.availabilityZones.map((zone) => ({
      zoneName: zone,
      zoneId: zoneId(world, zone),
      zoneType: 'availability-zone' as const,
      optInStatus: 'opt-in-not-required' as const,
      groupName: region,
      networkBorderGroup: region,
    })),
    ...world.edgeZones.map((e) => ({
      zoneName: e.name,
      zoneId: e.zoneId,
      zoneType: e.type,
      optInStatus: e.optedIn ? ('opted-in' as const) : ('not-opted-in' as const),
      groupName: e.groupName,
      networkBorderGroup: e.networkBorderGroup,
      parentZoneName: e.parentZoneName,
      parentZoneId: zoneId(world, e.parentZoneName),
    })),
  ];
}

const FILTERS: Record<string, (z: ZoneRow, region: string) => string | undefined> = {
  'zone-name': (z) => z.zoneName,
  'zone-id': (z) => z.zoneId,
  'zone-type': (z) => z.zoneType,
  'opt-in-status': (z) => z.optInStatus,
  'group-name': (z) => z.groupName,
  'network-border-group': (z) => z.networkBorderGroup,
  'parent-zone-name': (z) => z.parentZoneName,
  'parent-zone-id': (z) => z.parentZoneId,
  'region-name': (_, region) => region,
  state: () => 'available',
};

/**
 * DescribeAvailabilityZones: without AllAvailabilityZones only the zones the account may use (Availability Zones and
 * opted-in edge zones); with it, every zone "regardless of your opt-in status"
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAvailabilityZones.html).
 */
function describeAvailabilityZones(world: SimWorld, params: QueryParams): Ec2Result {
  const region = world.topology.region;
  const all = zoneRows(world);
  let zones = params.bool('AllAvailabilityZones') === true ? all : all.filter((z) => z.optInStatus !== 'not-opted-in');
  const names = params.ec2List('ZoneName');
  const ids = params.ec2List('ZoneId');
  const unknown = names.find((n) => !all.some((z) => z.zoneName === n)) ?? ids.find((id) => !all.some((z) => z.zoneId === id));
  if (unknown !== undefined) throw new SimApiError('InvalidParameterValue', `Invalid availability zone: [${unknown}]`);
  // A zone named explicitly is listed whatever its opt-in, as AWS lists it.
  if (names.length > 0 || ids.length > 0) zones = all.filter((z) => names.includes(z.zoneName) || ids.includes(z.zoneId));
  for (const f of params.ec2Filters()) {
    const field = FILTERS[f.name];
    if (field === undefined) throw new SimApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    zones = zones.filter((z) => {
      const v = field(z, region);
      return v !== undefined && f.values.some((pattern) => glob(pattern, v));
    });
  }
  return {
    availabilityZoneInfo: zones.map((z) => ({
      zoneName: z.zoneName,
      zoneState: 'available',
      optInStatus: z.optInStatus,
      messageSet: [],
      regionName: region,
      zoneId: z.zoneId,
      groupName: z.groupName,
      networkBorderGroup: z.networkBorderGroup,
      zoneType: z.zoneType,
      parentZoneName: z.parentZoneName,
      parentZoneId: z.parentZoneId,
    })),
  };
}

/**
 * ModifyAvailabilityZoneGroup: opting in to a Local Zone or Wavelength Zone group answers at once and the zones turn
 * opted-in later (`edgeZoneOptIn`). "The only valid value is opted-in. You must contact Amazon Web Services Support to
 * opt out" (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyAvailabilityZoneGroup.html).
 */
function modifyAvailabilityZoneGroup(world: SimWorld, params: QueryParams): Ec2Result {
  const group = params.get('GroupName') ?? '';
  const status = params.get('OptInStatus');
  // The error code and message of both refusals are assumed: AWS documents neither.
  if (status !== 'opted-in')
    throw new SimApiError('InvalidParameterValue', `Opting out of zone group '${group}' needs AWS Support; the only valid OptInStatus is opted-in.`);
  if (!world.edgeZones.some((e) => e.groupName === group)) {
    const groups = [...new Set(world.edgeZones.map((e) => e.groupName))];
    throw new SimApiError(
      'InvalidParameterValue',
      `'${group}' is not a Local Zone or Wavelength Zone group of ${world.topology.region}${groups.length > 0 ? ` (${groups.join(', ')})` : ''}.`,
    );
  }
  if (params.bool('DryRun') === true) throw new SimApiError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
  world.optInZoneGroup(group);
  return { return: true };
}

/** The zone operations of EC2, or undefined for another action. */
export function zonesApi(world: SimWorld, params: QueryParams): Ec2Result | undefined {
  const action = params.action;
  if (action === 'DescribeAvailabilityZones') return describeAvailabilityZones(world, params);
  if (action === 'ModifyAvailabilityZoneGroup') return modifyAvailabilityZoneGroup(world, params);
  return undefined;
}
