import { z } from 'zod';

/**
 * Local Zones and Wavelength Zones: zones of a Region outside its Availability Zones, each a failure domain of its own
 * whose control plane (API calls) its parent Availability Zone handles. An account opts in to a zone group before it
 * can place anything there (https://docs.aws.amazon.com/local-zones/latest/ug/getting-started.html,
 * https://docs.aws.amazon.com/wavelength/latest/developerguide/get-started-wavelength.html).
 */

/** A topology's edge zone: `edgeZones` of a Region. */
export const edgeZoneSchema = z.strictObject({
  /** Full zone name: `us-east-1-bos-1a` (Local Zone) or `us-east-1-wl1-bos-wlz-1` (Wavelength Zone). */
  name: z.string().min(1),
  type: z.enum(['local-zone', 'wavelength-zone']),
  /** The Region's Availability Zone that handles its control plane: a suffix (`a`) or a full name. */
  parent: z.string().min(1),
  /** Whether the account has opted in to its zone group (ModifyAvailabilityZoneGroup); default true. */
  optedIn: z.boolean().default(true),
});

export type EdgeZoneSpec = z.output<typeof edgeZoneSchema>;

/** An edge zone as DescribeAvailabilityZones names it. */
export interface EdgeZone {
  name: string;
  type: EdgeZoneSpec['type'];
  /** The zone group ModifyAvailabilityZoneGroup opts in to. */
  groupName: string;
  /** Where AWS advertises its public addresses from; what a client location's latency table names. */
  networkBorderGroup: string;
  zoneId: string;
  parentZoneName: string;
}

/**
 * A Local Zone's name is its parent Region's code followed by a location identifier, `us-west-2-lax-1a`
 * (https://docs.aws.amazon.com/local-zones/latest/ug/available-local-zones.html); a Wavelength Zone's, the Region,
 * its carrier group and the city, `us-east-1-wl1-bos-wlz-1`
 * (https://docs.aws.amazon.com/wavelength/latest/developerguide/available-wavelength-zones.html).
 */
const LOCAL_ZONE = /^([a-z]{3})-(\d+)([a-z])$/;
const WAVELENGTH_ZONE = /^(wl\d+)-([a-z]{3})-wlz-(\d+)$/;

/** A Region's short code in zone ids: `use1`, `euw1`, `apne1`. */
export function regionShortCode(region: string): string {
  const [area = '', direction = '', n = ''] = region.split('-');
  const short = direction.replace(/^(north|south)(east|west)$/, (_, a: string, b: string) => `${a[0]}${b[0]}`);
  return `${area}${short.length === 2 ? short : direction.slice(0, 1)}${n}`;
}

/**
 * What an edge zone's name says, or a sentence saying why the name is not one of `region`'s zones of its type.
 * Local Zone: group and network border group are the name without its last letter (`us-east-1-bos-1`), the id is
 * `use1-bos1-az1` (the Local Zones guide's table). Wavelength Zone: the network border group is the zone's name and the
 * id `use1-wl1-bos-wlz1` (the Wavelength guide's table); the group is the carrier group `us-east-1-wl1` (assumed: the
 * Wavelength guide's opt-in names the carrier group, while the API reference's GroupName example shows a zone name).
 */
export function parseEdgeZone(region: string, spec: Pick<EdgeZoneSpec, 'name' | 'type'>, parentZoneName: string): EdgeZone | string {
  const { name, type } = spec;
  const what = type === 'local-zone' ? 'a Local Zone' : 'a Wavelength Zone';
  const example = type === 'local-zone' ? `${region}-bos-1a` : `${region}-wl1-bos-wlz-1`;
  if (!name.startsWith(`${region}-`)) return `'${name}' is not ${what} of ${region}: its name starts with the Region's (${example})`;
  const rest = name.slice(region.length + 1);
  const short = regionShortCode(region);
  if (type === 'local-zone') {
    const m = LOCAL_ZONE.exec(rest);
    if (m === null) return `'${name}' is not ${what} name: the Region, a three-letter location, a number and a letter (${example})`;
    const [, location = '', n = '', letter = 'a'] = m;
    const group = name.slice(0, -1);
    return { name, type, groupName: group, networkBorderGroup: group, zoneId: `${short}-${location}${n}-az${letter.charCodeAt(0) - 96}`, parentZoneName };
  }
  const m = WAVELENGTH_ZONE.exec(rest);
  if (m === null) return `'${name}' is not ${what} name: the Region, the carrier group, the city and wlz-<n> (${example})`;
  const [, carrier = '', city = '', n = ''] = m;
  return { name, type, groupName: `${region}-${carrier}`, networkBorderGroup: name, zoneId: `${short}-${carrier}-${city}-wlz${n}`, parentZoneName };
}
