import { BlockList, isIPv4 } from 'node:net';
import { z } from 'zod';

/**
 * Where users are: the client locations of a topology. The simulated world tells a client apart by the loopback
 * address it sends from (a probe placed with `from:` binds it) or by the EDNS client subnet of its DNS question
 * (RFC 7871, which Route 53 honours for latency and geolocation routing:
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-edns0.html). What a location decides:
 * - Route 53 latency routing picks, among a name's latency records, the Region with the lowest latency from the
 *   client's `latency` table (Route 53 measures real latency between user networks and Regions; the table stands in
 *   for those measurements, an assumption of the topology's author);
 * - geolocation routing matches `country`, `subdivision` and `continent`;
 * - geoproximity routing measures from `coordinates`;
 * - a load balancer answers a client after the latency of its location to the load balancer's Region (or Local Zone
 *   group).
 * A question or a connection from an address no location claims is a client without a location.
 */

const CONTINENTS = ['AF', 'AN', 'AS', 'EU', 'OC', 'NA', 'SA'] as const;

export const clientLocationSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,31}$/, { error: 'names are letters, digits and -, at most 32' }),
  /** The loopback address the location's clients send from (127.x.y.z, not 127.0.0.1): what tells them apart. */
  address: z
    .string()
    .regex(/^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/, { error: 'a loopback IPv4 address 127.x.y.z' })
    .refine((a) => a !== '127.0.0.1', { error: '127.0.0.1 is every unplaced client; give the location its own loopback address' }),
  /** The client subnet (IPv4 CIDR) its resolvers send as EDNS client subnet, e.g. 203.0.113.0/24. */
  subnet: z.cidrv4({ error: 'an IPv4 CIDR such as 203.0.113.0/24' }).optional(),
  /** ISO 3166-1 alpha-2 country code, for geolocation routing. */
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, { error: 'an ISO 3166-1 alpha-2 country code such as JP' })
    .optional(),
  /** Subdivision (a US state or other subdivision code), for geolocation routing. */
  subdivision: z
    .string()
    .regex(/^[A-Z0-9]{1,3}$/, { error: 'a subdivision code such as WA' })
    .optional(),
  /** Continent code, for geolocation routing. */
  continent: z.enum(CONTINENTS).optional(),
  /** Where it is, for geoproximity routing. */
  coordinates: z.strictObject({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }).optional(),
  /**
   * Round-trip latency in ms from this location to each Region (`eu-central-1`) or Local Zone / Wavelength Zone group
   * (`us-east-1-bos-1`) it can reach; a Region left out is unreachably far for latency routing.
   */
  latency: z
    .record(z.string().regex(/^[a-z]{2}(-[a-z0-9]+)+-\d+$/, { error: 'a Region or zone group name such as eu-central-1' }), z.number().min(0))
    .default({}),
});

export type ClientLocation = z.output<typeof clientLocationSchema>;

/** The client locations of a world, found by the address a client sends from or the subnet its resolver names. */
export class ClientLocations {
  readonly all: readonly ClientLocation[];
  readonly #byAddress: Map<string, ClientLocation>;
  readonly #subnets: { location: ClientLocation; block: BlockList }[];

  constructor(locations: readonly ClientLocation[]) {
    this.all = locations;
    this.#byAddress = new Map(locations.map((l) => [l.address, l]));
    this.#subnets = locations.flatMap((location) => {
      if (location.subnet === undefined) return [];
      const [network = '', prefix = '32'] = location.subnet.split('/');
      const block = new BlockList();
      block.addSubnet(network, Number(prefix), 'ipv4');
      return [{ location, block }];
    });
  }

  /** The location a connection or a question from `address` comes from (an IPv4-mapped IPv6 address is read as IPv4). */
  fromAddress(address: string | undefined): ClientLocation | undefined {
    if (address === undefined) return undefined;
    return this.#byAddress.get(address.replace(/^::ffff:/, ''));
  }

  /** The location whose subnet holds an EDNS client subnet address. */
  fromClientSubnet(address: string | undefined): ClientLocation | undefined {
    if (address === undefined || !isIPv4(address)) return undefined;
    return this.#subnets.find((s) => s.block.check(address, 'ipv4'))?.location;
  }

  /** The location of a DNS question: its EDNS client subnet when one is sent and known, else its source address. */
  ofQuestion(source: string | undefined, clientSubnet: string | undefined): ClientLocation | undefined {
    return this.fromClientSubnet(clientSubnet) ?? this.fromAddress(source);
  }

  /** Round-trip ms from a location to a Region or zone group; undefined when the table does not name it. */
  static latency(location: ClientLocation, regionOrGroup: string): number | undefined {
    return location.latency[regionOrGroup];
  }
}

/** Refusals across locations: names and addresses are unique, so a client is one location. */
export function checkClientLocations(locations: readonly ClientLocation[], source: string): void {
  const names = new Set<string>();
  const addresses = new Map<string, string>();
  for (const l of locations) {
    if (names.has(l.name)) throw new Error(`${source}: client location '${l.name}' is declared twice.`);
    names.add(l.name);
    const other = addresses.get(l.address);
    if (other !== undefined) throw new Error(`${source}: client locations '${other}' and '${l.name}' share address ${l.address}; each needs its own.`);
    addresses.set(l.address, l.name);
  }
}
