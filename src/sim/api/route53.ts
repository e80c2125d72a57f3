import { isIPv4, isIPv6 } from 'node:net';
import { SimApiError } from '../protocol/errors.js';
import type { SimRequest, SimRoute, WireReply } from '../protocol/reply.js';
import { restXmlService, xmlNode as node, type XmlNode as Node } from '../protocol/rest-xml.js';
import { tagList, XmlList, type XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import { fqdn, SimHostedZone, type RecordSet } from '../world/hosted-zone.js';
import { checkOf, createHealthCheck, healthCheckStatus, healthCheckXml, updateHealthCheck } from './route53-health-checks.js';
import { bool, int, invalid, reply, ROUTE53_NS, list, parseBody, text } from './route53-xml.js';

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
    Failover: r.failover,
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
  if (
    text(r, 'Region') !== undefined ||
    text(r, 'MultiValueAnswer') !== undefined ||
    r.GeoLocation !== undefined ||
    r.CidrRoutingConfig !== undefined ||
    r.GeoProximityLocation !== undefined
  ) {
    throw invalid('The simulated region supports simple, failover and weighted routing only.');
  }
  const routed = failover !== undefined || weight !== undefined;
  if (routed && setIdentifier === undefined)
    throw invalidBatch(
      `Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found none in RRSet with DNS name ${name} and type ${type}`,
    );
  if (!routed && setIdentifier !== undefined)
    throw invalidBatch(
      `Invalid request: Missing field 'Weight' (or another routing policy) in RRSet with DNS name ${name} and type ${type} and SetIdentifier ${setIdentifier}`,
    );
  if (failover !== undefined && weight !== undefined)
    throw invalidBatch(`Invalid request: Expected exactly one routing policy in RRSet with DNS name ${name} and type ${type}`);
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
    };
  }
  if (values.length === 0) throw invalidBatch(`RRSet with DNS name ${name} and type ${type} needs ResourceRecords or an AliasTarget`);
  if (ttl === undefined) throw invalidBatch(`RRSet with DNS name ${name} and type ${type} needs a TTL`);
  for (const v of values) {
    if (type === 'A' && !isIPv4(v)) throw invalidBatch(`ARRDATAIllegalIPv4Address (Value is not a valid IPv4 address) encountered with '${v}'`);
    if (type === 'AAAA' && !isIPv6(v)) throw invalidBatch(`AAAARRDATAIllegalIPv6Address (Value is not a valid IPv6 address) encountered with '${v}'`);
  }
  if (type === 'CNAME' && values.length > 1) throw invalidBatch(`RRSet of type CNAME with DNS name ${name} contains more than one value`);
  return { name, type, ttl, values, alias: undefined, setIdentifier, failover, weight, healthCheckId };
}

function invalidBatch(message: string): SimApiError {
  return new SimApiError('InvalidChangeBatch', message, 400);
}

const sameKey = (a: RecordSet, b: RecordSet): boolean => a.name === b.name && a.type === b.type && a.setIdentifier === b.setIdentifier;

function conflicts(records: RecordSet[], r: RecordSet, zone: SimHostedZone): string | undefined {
  const others = records.filter((o) => o.name === r.name && !sameKey(o, r));
  if (r.type === 'CNAME' && r.name === zone.name) return `RRSet of type CNAME with DNS name ${r.name} is not permitted at apex in zone ${zone.name}`;
  if (others.some((o) => (o.type === 'CNAME') !== (r.type === 'CNAME') && (o.type === r.type || o.type === 'CNAME' || r.type === 'CNAME'))) {
    return `RRSet of type ${r.type} with DNS name ${r.name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone.name}`;
  }
  const sameType = others.filter((o) => o.type === r.type);
  const policy = (x: RecordSet): string => (x.failover !== undefined ? 'failover' : x.weight !== undefined ? 'weighted' : 'simple');
  if (sameType.some((o) => policy(o) !== policy(r) || policy(r) === 'simple')) {
    return `RRSet of type ${r.type} with DNS name ${r.name} is not permitted because a conflicting RRSet of type ${r.type} with the same DNS name already exists in zone ${zone.name}`;
  }
  if (r.failover !== undefined && sameType.some((o) => o.failover === r.failover)) {
    return `Tried to create a ${r.failover} failover record for ${r.name} of type ${r.type}, but one already exists`;
  }
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
        const same =
          existing !== undefined &&
          JSON.stringify([existing.ttl, existing.values, existing.alias, existing.failover, existing.weight, existing.healthCheckId]) ===
            JSON.stringify([r.ttl, r.values, r.alias, r.failover, r.weight, r.healthCheckId]);
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
  const answer = world.dnsAnswer(name, recordType);
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
 * weighted, alias to an ALB), health checks that really probe with the HealthCheckVersion optimistic lock, and
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
