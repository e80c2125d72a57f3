import { isIPv4, isIPv6 } from 'node:net';
import { SimApiError } from '../protocol/errors.js';
import type { SimRequest, SimRoute, WireReply } from '../protocol/reply.js';
import { restXmlService, xmlNode as node, type XmlNode as Node } from '../protocol/rest-xml.js';
import { tagList, XmlList, type XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import { AWS_LOCATIONS } from '../world/aws-locations.js';
import { fqdn, routingPolicy, SimHostedZone, type GeoLocation, type GeoProximity, type RecordSet } from '../world/hosted-zone.js';
import { checkOf, createHealthCheck, healthCheckStatus, healthCheckXml, updateHealthCheck } from './route53-health-checks.js';
import { bool, int, invalid, reply, ROUTE53_NS, list, parseBody, text } from './route53-xml.js';

/** The Regions a latency record may name: ResourceRecordSetRegion of Route 53's API model. */
const LATENCY_REGIONS = new Set(
  (
    'us-east-1 us-east-2 us-west-1 us-west-2 ca-central-1 eu-west-1 eu-west-2 eu-west-3 eu-central-1 eu-central-2 ap-southeast-1 ' +
    'ap-southeast-2 ap-southeast-3 ap-northeast-1 ap-northeast-2 ap-northeast-3 eu-north-1 sa-east-1 cn-north-1 cn-northwest-1 ap-east-1 ' +
    'me-south-1 me-central-1 ap-south-1 ap-south-2 af-south-1 eu-south-1 eu-south-2 ap-southeast-4 il-central-1 ca-west-1 ap-southeast-5 ' +
    'mx-central-1 ap-southeast-7 us-gov-east-1 us-gov-west-1 ap-east-2 ap-southeast-6 eusc-de-east-1'
  ).split(' '),
);

/** GeoLocation.ContinentCode values Route 53 supports (GeoLocation in the API model). */
const CONTINENTS = new Set(['AF', 'AN', 'AS', 'EU', 'OC', 'NA', 'SA']);

const RECORD_TYPES = new Set(['A', 'AAAA', 'CAA', 'CNAME', 'DS', 'MX', 'NAPTR', 'NS', 'PTR', 'SOA', 'SPF', 'SRV', 'TXT']);

// ---- lookups and XML of resources ---------------------------------------------------------------------------------

function zoneOf(world: SimWorld, id: string): SimHostedZone {
  const zone = world.hostedZones.get(id.replace(/^\/?hostedzone\//, ''));
  if (zone === undefined) throw new SimApiError('NoSuchHostedZone', `No hosted zone found with ID: ${id}`, 404);
  return zone;
}

function zoneXml(zone: SimHostedZone): XmlValue {
  return {
    Id: `/hostedzone/${zone.id}`,
    Name: zone.name,
    CallerReference: zone.callerReference,
    Config: { Comment: zone.comment, PrivateZone: false },
    ResourceRecordSetCount: zone.records.length,
  };
}

function delegationXml(zone: SimHostedZone): XmlValue {
  return { NameServers: new XmlList('NameServer', zone.nameServers) };
}

function changeXml(change: { id: string; submittedAt: Date; comment: string | undefined }): XmlValue {
  return { Id: `/change/${change.id}`, Status: 'INSYNC', SubmittedAt: change.submittedAt.toISOString(), Comment: change.comment };
}

function recordXml(r: RecordSet): XmlValue {
  return {
    Name: r.name,
    Type: r.type,
    SetIdentifier: r.setIdentifier,
    Weight: r.weight,
    Region: r.region,
    GeoLocation:
      r.geolocation === undefined
        ? undefined
        : { ContinentCode: r.geolocation.continent, CountryCode: r.geolocation.country, SubdivisionCode: r.geolocation.subdivision },
    Failover: r.failover,
    MultiValueAnswer: r.multiValueAnswer,
    TTL: r.alias === undefined ? r.ttl : undefined,
    ResourceRecords:
      r.alias === undefined
        ? new XmlList(
            'ResourceRecord',
            r.values.map((Value) => ({ Value })),
          )
        : undefined,
    AliasTarget:
      r.alias === undefined ? undefined : { HostedZoneId: r.alias.hostedZoneId, DNSName: r.alias.dnsName, EvaluateTargetHealth: r.alias.evaluateTargetHealth },
    HealthCheckId: r.healthCheckId,
    GeoProximityLocation:
      r.geoproximity === undefined
        ? undefined
        : {
            AWSRegion: r.geoproximity.region,
            LocalZoneGroup: r.geoproximity.localZoneGroup,
            Coordinates:
              r.geoproximity.coordinates === undefined
                ? undefined
                : { Latitude: String(r.geoproximity.coordinates.latitude), Longitude: String(r.geoproximity.coordinates.longitude) },
            Bias: r.geoproximity.bias,
          },
  };
}

// ---- hosted zones and record sets ------------------------------------------------------------------------------

function createHostedZone(world: SimWorld, body: string): WireReply {
  const req = parseBody(body, 'CreateHostedZoneRequest');
  const name = text(req, 'Name');
  const callerReference = text(req, 'CallerReference');
  if (name === undefined || !/^([a-z0-9_-]+\.)*[a-z0-9-]+\.?$/i.test(name) || name.length > 255)
    throw new SimApiError('InvalidDomainName', `${name ?? '(missing)'} is not a valid domain name.`, 400);
  if (callerReference === undefined || callerReference === '') throw invalid('CallerReference is required.');
  if ([...world.hostedZones.values()].some((z) => z.callerReference === callerReference)) {
    throw new SimApiError('HostedZoneAlreadyExists', `A hosted zone has already been created with the specified caller reference ${callerReference}.`, 409);
  }
  if (req.VPC !== undefined) throw invalid('The simulated region has only public hosted zones.');
  const config = node(req.HostedZoneConfig);
  if (bool(config, 'PrivateZone') === true) throw invalid('The simulated region has only public hosted zones.');
  const zone = new SimHostedZone({ name, callerReference, comment: text(config, 'Comment') });
  world.hostedZones.set(zone.id, zone);
  const change = world.recordChange();
  return reply('CreateHostedZone', { HostedZone: zoneXml(zone), ChangeInfo: changeXml(change), DelegationSet: delegationXml(zone) }, 201, {
    location: `https://route53.amazonaws.com/2013-04-01/hostedzone/${zone.id}`,
  });
}

function readRecordSet(world: SimWorld, zone: SimHostedZone, r: Node): RecordSet {
  const rawName = text(r, 'Name');
  const type = text(r, 'Type');
  if (rawName === undefined || type === undefined) throw invalidBatch('A ResourceRecordSet needs a Name and a Type.');
  const name = fqdn(rawName.replace(/\\052/g, '*'));
  if (!zone.contains(name)) throw invalidBatch(`RRSet with DNS name ${name} is not permitted in zone ${zone.name}`);
  if (!RECORD_TYPES.has(type)) throw invalidBatch(`Invalid Type: ${type}`);
  const setIdentifier = text(r, 'SetIdentifier');
  const failoverText = text(r, 'Failover');
  if (failoverText !== undefined && failoverText !== 'PRIMARY' && failoverText !== 'SECONDARY') throw invalidBatch(`Invalid Failover: ${failoverText}`);
  const failover = failoverText;
  const weight = int(r, 'Weight', 0, 255);
  if (r.CidrRoutingConfig !== undefined) throw invalid('The simulated region does not model IP-based routing (CidrRoutingConfig).');
  const region = latencyRegion(r);
  const geolocation = geoLocation(node(r.GeoLocation));
  const multiValueAnswer = bool(r, 'MultiValueAnswer');
  if (multiValueAnswer === false)
    throw invalidBatch(
      `Invalid request: MultiValueAnswer is false in RRSet with DNS name ${name} and type ${type}; omit it unless the record is a multivalue answer record`,
    );
  const geoproximity = geoProximity(node(r.GeoProximityLocation));
  const policies = [
    ['Weight', weight],
    ['Region', region],
    ['Failover', failover],
    ['GeoLocation', geolocation],
    ['MultiValueAnswer', multiValueAnswer],
    ['GeoProximityLocation', geoproximity],
  ].filter(([, v]) => v !== undefined);
  if (policies.length > 0 && setIdentifier === undefined)
    throw invalidBatch(`Invalid request: Missing field 'SetIdentifier' in RRSet with DNS name ${name} and type ${type}`);
  if (policies.length === 0 && setIdentifier !== undefined)
    throw invalidBatch(
      `Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found none in RRSet with DNS name ${name} and type ${type}`,
    );
  if (policies.length > 1)
    throw invalidBatch(
      `Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found more than one (${policies.map(([k]) => k).join(', ')}) in RRSet with DNS name ${name} and type ${type}`,
    );
  if (multiValueAnswer !== undefined && r.AliasTarget !== undefined)
    throw invalidBatch(`Invalid request: multivalue answer RRSet with DNS name ${name} and type ${type} cannot be an alias`);
  if (multiValueAnswer !== undefined && (type === 'NS' || type === 'CNAME'))
    throw invalidBatch(`Invalid request: multivalue answer RRSet with DNS name ${name} cannot be of type ${type}`);
  const routing = { region, geolocation, multiValueAnswer, geoproximity };
  const healthCheckId = text(r, 'HealthCheckId');
  if (healthCheckId !== undefined && !world.healthChecks.has(healthCheckId))
    throw invalidBatch(`Invalid request: Expected HealthCheckId ${healthCheckId} to refer to an existing health check`);
  const aliasNode = node(r.AliasTarget);
  const values = list(r, 'ResourceRecords', 'ResourceRecord').map((v) => text(node(v), 'Value') ?? '');
  const ttl = int(r, 'TTL', 0, 2_147_483_647);
  if (aliasNode !== undefined) {
    if (values.length > 0 || ttl !== undefined) throw invalidBatch(`RRSet with DNS name ${name} has both an AliasTarget and ResourceRecords or TTL`);
    const dnsName = text(aliasNode, 'DNSName');
    const hostedZoneId = text(aliasNode, 'HostedZoneId');
    if (dnsName === undefined || hostedZoneId === undefined) throw invalidBatch('An AliasTarget needs DNSName and HostedZoneId.');
    const evaluateTargetHealth = bool(aliasNode, 'EvaluateTargetHealth');
    if (evaluateTargetHealth === undefined) throw invalid('AliasTarget.EvaluateTargetHealth is required.');
    return {
      name,
      type,
      ttl: undefined,
      values: [],
      alias: { hostedZoneId, dnsName: fqdn(dnsName), evaluateTargetHealth },
      setIdentifier,
      failover,
      weight,
      healthCheckId,
      ...routing,
    };
  }
  if (values.length === 0) throw invalidBatch(`RRSet with DNS name ${name} and type ${type} needs ResourceRecords or an AliasTarget`);
  if (ttl === undefined) throw invalidBatch(`RRSet with DNS name ${name} and type ${type} needs a TTL`);
  for (const v of values) {
    if (type === 'A' && !isIPv4(v)) throw invalidBatch(`ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${v}'`);
    if (type === 'AAAA' && !isIPv6(v)) throw invalidBatch(`AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '${v}'`);
  }
  if (type === 'CNAME' && values.length > 1) throw invalidBatch(`RRSet of type CNAME with DNS name ${name} contains more than one value`);
  return { name, type, ttl, values, alias: undefined, setIdentifier, failover, weight, healthCheckId, ...routing };
}

/** A latency record's Region: one of ResourceRecordSetRegion (the reader lists `Region`, a health check's element). */
function latencyRegion(r: Node): string | undefined {
  const raw = r.Region;
  const value = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !LATENCY_REGIONS.has(value))
    throw invalid(`Invalid Region: ${String(value)} is not a Region Route 53 latency records can name, such as us-east-1.`);
  return value;
}

/**
 * GeoLocation as the API model constrains it: a continent alone, or a country (`*` for the default) with an optional
 * US state; ContinentCode with CountryCode or SubdivisionCode is InvalidInput.
 */
function geoLocation(g: Node | undefined): GeoLocation | undefined {
  if (g === undefined) return undefined;
  const continent = text(g, 'ContinentCode');
  const country = text(g, 'CountryCode');
  const subdivision = text(g, 'SubdivisionCode');
  if (continent !== undefined && (country !== undefined || subdivision !== undefined))
    throw invalid('GeoLocation: specifying ContinentCode with either CountryCode or SubdivisionCode is not allowed.');
  if (continent === undefined && country === undefined) throw invalid('GeoLocation needs a ContinentCode or a CountryCode.');
  if (continent !== undefined && !CONTINENTS.has(continent))
    throw invalid(`Invalid GeoLocation.ContinentCode: ${continent}; it is one of AF, AN, AS, EU, OC, NA, SA.`);
  if (country !== undefined && country !== '*' && !/^[A-Z]{2}$/.test(country))
    throw invalid(`Invalid GeoLocation.CountryCode: ${country}; it is an ISO 3166-1 alpha-2 code or *.`);
  if (subdivision !== undefined && country !== 'US') throw invalid('GeoLocation.SubdivisionCode needs CountryCode US; Route 53 supports US states only.');
  if (subdivision !== undefined && !/^[A-Z0-9]{1,3}$/.test(subdivision)) throw invalid(`Invalid GeoLocation.SubdivisionCode: ${subdivision}.`);
  return { continent, country, subdivision };
}

/** GeoProximityLocation: exactly one of AWSRegion, LocalZoneGroup and Coordinates, and a Bias from -99 to 99. */
function geoProximity(g: Node | undefined): GeoProximity | undefined {
  if (g === undefined) return undefined;
  const region = text(g, 'AWSRegion');
  const localZoneGroup = text(g, 'LocalZoneGroup');
  const c = node(g.Coordinates);
  const bias = int(g, 'Bias', -99, 99);
  if ([region, localZoneGroup, c].filter((v) => v !== undefined).length !== 1)
    throw invalid('GeoProximityLocation takes exactly one of AWSRegion, LocalZoneGroup and Coordinates.');
  const place = region ?? localZoneGroup;
  if (place !== undefined && AWS_LOCATIONS[place] === undefined)
    throw invalid(`GeoProximityLocation names ${place}, which the simulated region cannot place; it knows ${Object.keys(AWS_LOCATIONS).join(', ')}.`);
  let coordinates: GeoProximity['coordinates'];
  if (c !== undefined) {
    const lat = text(c, 'Latitude');
    const lon = text(c, 'Longitude');
    if (lat === undefined || !/^[-+]?[0-9]{1,2}(\.[0-9]{0,2})?$/.test(lat) || Math.abs(Number(lat)) > 90)
      throw invalid(`Invalid GeoProximityLocation.Coordinates.Latitude: ${lat ?? '(missing)'}; it is -90 to 90 with at most two decimals.`);
    if (lon === undefined || !/^[-+]?[0-9]{1,3}(\.[0-9]{0,2})?$/.test(lon) || Math.abs(Number(lon)) > 180)
      throw invalid(`Invalid GeoProximityLocation.Coordinates.Longitude: ${lon ?? '(missing)'}; it is -180 to 180 with at most two decimals.`);
    coordinates = { latitude: Number(lat), longitude: Number(lon) };
  }
  return { region, localZoneGroup, coordinates, bias };
}

function invalidBatch(message: string): SimApiError {
  return new SimApiError('InvalidChangeBatch', message, 400);
}

/** What a DELETE must repeat of the record set it deletes. */
const comparable = (r: RecordSet): unknown[] => [
  r.ttl,
  r.values,
  r.alias,
  r.failover,
  r.weight,
  r.healthCheckId,
  r.region,
  r.geolocation,
  r.multiValueAnswer,
  r.geoproximity,
];

const sameKey = (a: RecordSet, b: RecordSet): boolean => a.name === b.name && a.type === b.type && a.setIdentifier === b.setIdentifier;

function conflicts(records: RecordSet[], r: RecordSet, zone: SimHostedZone): string | undefined {
  const others = records.filter((o) => o.name === r.name && !sameKey(o, r));
  if (r.type === 'CNAME' && r.name === zone.name) return `RRSet of type CNAME with DNS name ${r.name} is not permitted at apex in zone ${zone.name}`;
  if (others.some((o) => (o.type === 'CNAME') !== (r.type === 'CNAME') && (o.type === r.type || o.type === 'CNAME' || r.type === 'CNAME'))) {
    return `RRSet of type ${r.type} with DNS name ${r.name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone.name}`;
  }
  const sameType = others.filter((o) => o.type === r.type);
  const policy = routingPolicy;
  if (sameType.some((o) => policy(o) !== policy(r) || policy(r) === 'simple')) {
    return `RRSet of type ${r.type} with DNS name ${r.name} is not permitted because a conflicting RRSet of type ${r.type} with the same DNS name already exists in zone ${zone.name}`;
  }
  if (r.failover !== undefined && sameType.some((o) => o.failover === r.failover)) {
    return `Tried to create a ${r.failover} failover record for ${r.name} of type ${r.type}, but one already exists`;
  }
  // "You can only create one latency resource record set for each Amazon EC2 Region" and "You can't create two
  // geolocation resource record sets that specify the same geographic location" (ResourceRecordSet, API reference).
  if (r.region !== undefined && sameType.some((o) => o.region === r.region))
    return `Tried to create a latency record for ${r.name} of type ${r.type} in region ${r.region}, but one already exists`;
  const where = (g: GeoLocation | undefined): string => JSON.stringify([g?.continent, g?.country, g?.subdivision]);
  if (r.geolocation !== undefined && sameType.some((o) => o.geolocation !== undefined && where(o.geolocation) === where(r.geolocation)))
    return `Tried to create a geolocation record for ${r.name} of type ${r.type} for a location that already has one`;
  return undefined;
}

function changeRecords(world: SimWorld, zone: SimHostedZone, body: string): WireReply {
  const req = parseBody(body, 'ChangeResourceRecordSetsRequest');
  const batch = node(req.ChangeBatch);
  const changes = list(batch, 'Changes', 'Change').map(node);
  if (changes.length === 0) throw invalid('ChangeBatch.Changes must contain at least one Change.');
  // All or nothing, as Route 53: apply to a copy and swap it in only when every change is valid.
  let records = [...zone.records];
  for (const c of changes) {
    const action = text(c, 'Action');
    const rrNode = node(c?.ResourceRecordSet);
    if (rrNode === undefined) throw invalid('A Change needs a ResourceRecordSet.');
    const r = readRecordSet(world, zone, rrNode);
    const existing = records.find((o) => sameKey(o, r));
    if ((r.type === 'SOA' || (r.type === 'NS' && r.name === zone.name)) && action !== 'UPSERT') {
      throw invalidBatch(`Tried to ${action === 'DELETE' ? 'delete' : 'create'} the ${r.type} record of the zone apex, which Route 53 manages`);
    }
    switch (action) {
      case 'CREATE': {
        if (existing !== undefined)
          throw invalidBatch(
            `Tried to create resource record set [name='${r.name}', type='${r.type}'${r.setIdentifier === undefined ? '' : `, set-identifier='${r.setIdentifier}'`}] but it already exists`,
          );
        const conflict = conflicts(records, r, zone);
        if (conflict !== undefined) throw invalidBatch(conflict);
        records.push(r);
        break;
      }
      case 'UPSERT': {
        const conflict = conflicts(records, r, zone);
        if (conflict !== undefined) throw invalidBatch(conflict);
        records = existing === undefined ? [...records, r] : records.map((o) => (o === existing ? r : o));
        break;
      }
      case 'DELETE': {
        const same = existing !== undefined && JSON.stringify(comparable(existing)) === JSON.stringify(comparable(r));
        if (existing === undefined)
          throw invalidBatch(
            `Tried to delete resource record set [name='${r.name}', type='${r.type}'${r.setIdentifier === undefined ? '' : `, set-identifier='${r.setIdentifier}'`}] but it was not found`,
          );
        if (!same)
          throw invalidBatch(
            `Tried to delete resource record set [name='${r.name}', type='${r.type}'] but the values provided do not match the current values`,
          );
        records = records.filter((o) => o !== existing);
        break;
      }
      default:
        throw invalid(`Invalid Action: ${action ?? '(missing)'}; it must be CREATE, DELETE or UPSERT.`);
    }
  }
  zone.records = records;
  const change = world.recordChange(text(batch, 'Comment'));
  world.route53Changed();
  return reply('ChangeResourceRecordSets', { ChangeInfo: changeXml(change) });
}

/** Route 53's order of record sets: DNS name with its labels reversed, then type, then set identifier. */
function recordKey(name: string, type: string, identifier: string): string[] {
  return [fqdn(name).split('.').reverse().join('.'), type, identifier];
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** A `maxitems` query value: Route 53 pages at most 300 record sets (100 hosted zones) whatever is asked. */
function maxItems(query: URLSearchParams, limit: number): number {
  const raw = query.get('maxitems');
  if (raw === null) return limit;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw invalid(`Invalid MaxItems: ${raw}; it must be a positive integer.`);
  return Math.min(limit, n);
}

/**
 * ListResourceRecordSets pages from the first record set at or after (StartRecordName, StartRecordType,
 * StartRecordIdentifier) in Route 53's order; the Next* members name the first record set of the next page, so
 * record sets sharing a name and type (weighted, failover) page apart by their identifier
 * (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html).
 */
function listRecords(zone: SimHostedZone, query: URLSearchParams): WireReply {
  const max = maxItems(query, 300);
  let sets = zone.sorted();
  const startName = query.get('name');
  const startType = query.get('type');
  const startId = query.get('identifier');
  if (startName === null && startType !== null) throw invalid('The input is not valid: StartRecordType requires StartRecordName.');
  if (startType === null && startId !== null) throw invalid('The input is not valid: StartRecordIdentifier requires StartRecordType.');
  if (startType !== null && !RECORD_TYPES.has(startType)) throw invalid(`Invalid StartRecordType: ${startType}`);
  if (startName !== null) {
    const start = recordKey(startName, startType ?? '', startId ?? '');
    const i = sets.findIndex((r) => compareKeys(recordKey(r.name, r.type, r.setIdentifier ?? ''), start) >= 0);
    sets = i < 0 ? [] : sets.slice(i);
  }
  const page = sets.slice(0, max);
  const next = sets[max];
  return reply('ListResourceRecordSets', {
    ResourceRecordSets: new XmlList('ResourceRecordSet', page.map(recordXml)),
    IsTruncated: next !== undefined,
    NextRecordName: next?.name,
    NextRecordType: next?.type,
    NextRecordIdentifier: next?.setIdentifier,
    MaxItems: String(max),
  });
}

/**
 * ListHostedZonesByName: zones in order of their names with labels reversed (com.example.www), then id, from the
 * first at or after DNSName (and HostedZoneId); NextDNSName/NextHostedZoneId name the next page's first zone
 * (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZonesByName.html).
 */
function listZonesByName(world: SimWorld, query: URLSearchParams): WireReply {
  const max = maxItems(query, 100);
  const dnsName = query.get('dnsname');
  const zoneId = query.get('hostedzoneid');
  if (dnsName === null && zoneId !== null) throw invalid('The input is not valid: HostedZoneId requires DNSName.');
  if (dnsName !== null && (dnsName.length > 1024 || !/^([a-z0-9_*-]+\.)*[a-z0-9_-]*\.?$/i.test(dnsName)))
    throw new SimApiError('InvalidDomainName', `${dnsName} is not a valid domain name.`, 400);
  const key = (z: SimHostedZone): string[] => [z.name.split('.').reverse().join('.'), z.id];
  let zones = [...world.hostedZones.values()].sort((a, b) => compareKeys(key(a), key(b)));
  if (dnsName !== null) {
    const start = [fqdn(dnsName).split('.').reverse().join('.'), (zoneId ?? '').replace(/^\/?hostedzone\//, '')];
    zones = zones.filter((z) => compareKeys(key(z), start) >= 0);
  }
  const next = zones[max];
  return reply('ListHostedZonesByName', {
    HostedZones: new XmlList('HostedZone', zones.slice(0, max).map(zoneXml)),
    DNSName: dnsName ?? undefined,
    HostedZoneId: zoneId ?? undefined,
    IsTruncated: next !== undefined,
    NextDNSName: next?.name,
    NextHostedZoneId: next?.id,
    MaxItems: String(max),
  });
}

/**
 * TestDNSAnswer: the answer the zone's name server gives now, from the region's own DNS (routing policy and health
 * as a resolver would see them), over UDP as Route 53's test does
 * (https://docs.aws.amazon.com/Route53/latest/APIReference/API_TestDNSAnswer.html).
 */
function testDnsAnswer(world: SimWorld, query: URLSearchParams): WireReply {
  const zoneId = query.get('hostedzoneid');
  const recordName = query.get('recordname');
  const recordType = query.get('recordtype');
  if (zoneId === null || recordName === null || recordType === null)
    throw invalid('The input is not valid: HostedZoneId, RecordName and RecordType are required.');
  if (!RECORD_TYPES.has(recordType)) throw invalid(`Invalid RecordType: ${recordType}`);
  const resolver = query.get('resolverip');
  if (resolver !== null && !isIPv4(resolver) && !isIPv6(resolver)) throw invalid(`Invalid ResolverIP: ${resolver}`);
  const zone = zoneOf(world, zoneId);
  const name = fqdn(recordName);
  // The resolver's address and the client subnet place the question as the region's DNS server would.
  const answer = world.dnsAnswer(name, recordType, { source: resolver ?? undefined, clientSubnet: query.get('edns0clientsubnetip') ?? undefined });
  return reply('TestDNSAnswer', {
    Nameserver: zone.nameServers[0] ?? '',
    RecordName: name,
    RecordType: recordType,
    RecordData: new XmlList(
      'RecordDataEntry',
      answer.answers.filter((a) => a.type === recordType).map((a) => a.data),
    ),
    ResponseCode: answer.rcode,
    Protocol: 'UDP',
  });
}

// ---- routing ------------------------------------------------------------------------------------------------------

/** The operation a Route 53 request names, from its method and path after `/2013-04-01`. */
function route53Operation(method: string, parts: string[]): string | undefined {
  const [a, , c] = parts;
  if (a === 'hostedzone') {
    if (parts.length === 1) return method === 'POST' ? 'CreateHostedZone' : 'ListHostedZones';
    if (parts.length === 2) return method === 'DELETE' ? 'DeleteHostedZone' : method === 'POST' ? 'UpdateHostedZoneComment' : 'GetHostedZone';
    if (c === 'rrset') return method === 'POST' ? 'ChangeResourceRecordSets' : 'ListResourceRecordSets';
  }
  if (a === 'healthcheck') {
    if (parts.length === 1) return method === 'POST' ? 'CreateHealthCheck' : 'ListHealthChecks';
    if (parts.length === 2) return method === 'DELETE' ? 'DeleteHealthCheck' : method === 'POST' ? 'UpdateHealthCheck' : 'GetHealthCheck';
    if (c === 'status') return 'GetHealthCheckStatus';
  }
  if (a === 'change' && parts.length === 2) return 'GetChange';
  if (a === 'tags' && parts.length === 3) return method === 'POST' ? 'ChangeTagsForResource' : 'ListTagsForResource';
  if (a === 'tags' && parts.length === 2 && method === 'POST') return 'ListTagsForResources';
  if (a === 'healthcheckcount') return 'GetHealthCheckCount';
  if (a === 'hostedzonecount') return 'GetHostedZoneCount';
  if (a === 'hostedzonesbyname' && parts.length === 1) return 'ListHostedZonesByName';
  if (a === 'testdnsanswer' && parts.length === 1) return 'TestDNSAnswer';
  return undefined;
}

/**
 * Route 53 (restXml, 2013-04-01) API of the simulated region: hosted zones and record sets (simple, failover,
 * weighted, latency, geolocation, multivalue answer, geoproximity; alias to an ALB), health checks that really probe with the HealthCheckVersion optimistic lock, and
 * changes (INSYNC at once).
 */
function route53Api(world: SimWorld, { operation, path: parts }: SimRoute, req: SimRequest): WireReply {
  const id = parts[1] ?? '';
  switch (operation) {
    case 'CreateHostedZone':
      return createHostedZone(world, req.body);
    case 'ListHostedZones': {
      const zones = [...world.hostedZones.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      // The model requires Marker: the one the request gave, empty on a first page.
      return reply(operation, {
        HostedZones: new XmlList('HostedZone', zones.map(zoneXml)),
        Marker: req.query.get('marker') ?? '',
        IsTruncated: false,
        MaxItems: req.query.get('maxitems') ?? '100',
      });
    }
    case 'ListHostedZonesByName':
      return listZonesByName(world, req.query);
    case 'TestDNSAnswer':
      return testDnsAnswer(world, req.query);
    case 'GetHostedZone': {
      const zone = zoneOf(world, id);
      return reply(operation, { HostedZone: zoneXml(zone), DelegationSet: delegationXml(zone) });
    }
    case 'DeleteHostedZone': {
      const zone = zoneOf(world, id);
      if (zone.records.some((r) => r.type !== 'SOA' && !(r.type === 'NS' && r.name === zone.name))) {
        throw new SimApiError('HostedZoneNotEmpty', 'The specified hosted zone contains non-required resource record sets and so cannot be deleted.', 400);
      }
      world.hostedZones.delete(zone.id);
      world.route53Changed();
      return reply(operation, { ChangeInfo: changeXml(world.recordChange()) });
    }
    case 'ChangeResourceRecordSets':
      return changeRecords(world, zoneOf(world, id), req.body);
    case 'ListResourceRecordSets':
      return listRecords(zoneOf(world, id), req.query);
    case 'CreateHealthCheck':
      return createHealthCheck(world, req.body);
    case 'ListHealthChecks': {
      const checks = [...world.healthChecks.values()];
      return reply(operation, {
        HealthChecks: new XmlList('HealthCheck', checks.map(healthCheckXml)),
        Marker: req.query.get('marker') ?? '',
        IsTruncated: false,
        MaxItems: req.query.get('maxitems') ?? '100',
      });
    }
    case 'GetHealthCheck':
      return reply(operation, { HealthCheck: healthCheckXml(checkOf(world, id)) });
    case 'UpdateHealthCheck':
      return updateHealthCheck(world, id, req.body);
    case 'DeleteHealthCheck': {
      // Route 53 lets a check be deleted while records name it; such records then count as healthy here.
      world.deleteHealthCheck(checkOf(world, id).id);
      return reply(operation, {});
    }
    case 'GetHealthCheckStatus':
      return healthCheckStatus(checkOf(world, id));
    case 'GetHealthCheckCount':
      return reply(operation, { HealthCheckCount: world.healthChecks.size });
    case 'GetHostedZoneCount':
      return reply(operation, { HostedZoneCount: world.hostedZones.size });
    case 'ListTagsForResource':
    case 'ChangeTagsForResource': {
      // Tags of health checks; the resource type is the second path segment.
      if (parts[1] !== 'healthcheck')
        throw new SimApiError('InvalidInput', `The simulated Route 53 keeps tags of health checks only, not of ${parts[1] ?? '?'}.`, 400);
      const hc = checkOf(world, parts[2] ?? '');
      if (operation === 'ChangeTagsForResource') {
        const change = parseBody(req.body, 'ChangeTagsForResourceRequest');
        for (const t of list(change, 'AddTags', 'Tag')) {
          const key = text(node(t), 'Key');
          if (key !== undefined) hc.tags[key] = text(node(t), 'Value') ?? '';
        }
        for (const k of list(change, 'RemoveTagKeys', 'Key')) delete hc.tags[String(k)];
        return reply(operation, {});
      }
      return reply(operation, { ResourceTagSet: { ResourceType: 'healthcheck', ResourceId: hc.id, Tags: tagList(hc.tags) } });
    }
    case 'ListTagsForResources': {
      // Up to 10 resources per call (ResourceIds: "You can specify up to 10"), health checks only here as above.
      if (parts[1] !== 'healthcheck')
        throw new SimApiError('InvalidInput', `The simulated Route 53 keeps tags of health checks only, not of ${parts[1] ?? '?'}.`, 400);
      const ids = list(parseBody(req.body, 'ListTagsForResourcesRequest'), 'ResourceIds', 'ResourceId').map(String);
      const sets = ids.map((resourceId) => {
        const hc = checkOf(world, resourceId);
        return { ResourceType: 'healthcheck', ResourceId: hc.id, Tags: tagList(hc.tags) };
      });
      return reply(operation, { ResourceTagSets: new XmlList('ResourceTagSet', sets) });
    }
    case 'GetChange': {
      const change = world.changes.get(id.replace(/^\/?change\//, ''));
      if (change === undefined) throw new SimApiError('NoSuchChange', `A change with the specified change ID ${id} does not exist.`, 404);
      return reply(operation, { ChangeInfo: changeXml(change) });
    }
    default:
      throw new SimApiError('UnknownOperationException', `The simulated Route 53 does not serve ${req.method} ${req.path}.`, 404);
  }
}

/** Route 53 as the server serves it: restXml, API version 2013-04-01. */
export const route53Service = restXmlService<SimWorld>({
  namespace: ROUTE53_NS,
  versionPrefix: '/2013-04-01',
  route: route53Operation,
  operations: route53Api,
});
