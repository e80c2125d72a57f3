import { randomUUID } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { SimApiError } from '../protocol/errors.js';
import { XmlList, type XmlReply, type XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import { DEFAULT_CHECKER_REGIONS, type HealthCheckType, type Route53HealthCheckConfig, type SimHealthCheck } from '../world/health-check.js';
import { fqdn, SimHostedZone, type RecordSet } from '../world/hosted-zone.js';

export const ROUTE53_NS = 'https://route53.amazonaws.com/doc/2013-04-01/';

/** A restXml request: the operation is chosen by method and path; the body, if any, is XML. */
export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
}

/** A restXml reply; `headers` carries e.g. `Location` of a 201. */
export interface RestXmlReply extends XmlReply {
  headers?: Record<string, string>;
  operation: string;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });
const LIST_ELEMENTS = new Set(['Change', 'ResourceRecord', 'Region', 'ChildHealthCheck', 'ResettableElementName']);
const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, removeNSPrefix: true, isArray: (tag) => LIST_ELEMENTS.has(tag) });

const CHECKER_REGIONS = new Set(['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1']);
const RECORD_TYPES = new Set(['A', 'AAAA', 'CAA', 'CNAME', 'DS', 'MX', 'NAPTR', 'NS', 'PTR', 'SOA', 'SPF', 'SRV', 'TXT']);

function shape(value: XmlValue): unknown {
  if (value === null || value === undefined) return undefined;
  if (value instanceof XmlList) return value.values.length === 0 ? '' : { [value.item]: value.values.map(shape) };
  if (Array.isArray(value)) return value.map(shape);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const s = shape(v);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return value;
}

function reply(operation: string, content: Record<string, XmlValue>, status = 200, headers?: Record<string, string>): RestXmlReply {
  const requestId = randomUUID();
  const body = builder.build({ [`${operation}Response`]: { '@_xmlns': ROUTE53_NS, ...(shape(content) as object) } }) as string;
  return { status, contentType: 'application/xml', body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`, requestId, operation, ...(headers === undefined ? {} : { headers }) };
}

/** A restXml error: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function route53Error(error: SimApiError): XmlReply {
  const requestId = randomUUID();
  const body = builder.build({
    ErrorResponse: { '@_xmlns': ROUTE53_NS, Error: { Type: error.sender ? 'Sender' : 'Receiver', Code: error.code, Message: error.message }, RequestId: requestId },
  }) as string;
  return { status: error.status, contentType: 'application/xml', body: `<?xml version="1.0"?>\n${body}`, requestId };
}

// ---- reading request bodies -------------------------------------------------------------------------------------

type Node = Record<string, unknown>;

function node(v: unknown): Node | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : undefined;
}

function text(n: Node | undefined, key: string): string | undefined {
  const v = n?.[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw invalid(`${key} must be a value.`);
}

function int(n: Node | undefined, key: string, min: number, max: number): number | undefined {
  const v = text(n, key);
  if (v === undefined) return undefined;
  const i = Number(v);
  if (!Number.isInteger(i) || i < min || i > max) throw invalid(`Invalid ${key}: ${v}; it must be an integer from ${min} to ${max}.`);
  return i;
}

function bool(n: Node | undefined, key: string): boolean | undefined {
  const v = text(n, key);
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw invalid(`Invalid ${key}: ${v}.`);
  return v === 'true';
}

function list(n: Node | undefined, outer: string, inner: string): unknown[] {
  const o = node(n?.[outer]);
  const v = o?.[inner];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function invalid(message: string): SimApiError {
  return new SimApiError('InvalidInput', message, 400);
}

function parseBody(body: string, root: string): Node {
  let doc: unknown;
  try {
    doc = parser.parse(body, true);
  } catch (error) {
    throw invalid(`The XML document is malformed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const r = node(node(doc)?.[root]);
  if (r === undefined) throw invalid(`Expected a ${root} document.`);
  return r;
}

// ---- lookups and XML of resources ---------------------------------------------------------------------------------

function zoneOf(world: SimWorld, id: string): SimHostedZone {
  const zone = world.hostedZones.get(id.replace(/^\/?hostedzone\//, ''));
  if (zone === undefined) throw new SimApiError('NoSuchHostedZone', `No hosted zone found with ID: ${id}`, 404);
  return zone;
}

function checkOf(world: SimWorld, id: string): SimHealthCheck {
  const hc = world.healthChecks.get(id);
  if (hc === undefined) throw new SimApiError('NoSuchHealthCheck', `A health check with id ${id} does not exist.`, 404);
  return hc;
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

function healthCheckXml(hc: SimHealthCheck): XmlValue {
  const c = hc.config;
  return {
    Id: hc.id,
    CallerReference: hc.callerReference,
    HealthCheckConfig: {
      IPAddress: c.ipAddress,
      Port: c.port,
      Type: c.type,
      ResourcePath: c.resourcePath,
      FullyQualifiedDomainName: c.fullyQualifiedDomainName,
      RequestInterval: c.requestInterval,
      FailureThreshold: c.failureThreshold,
      MeasureLatency: c.measureLatency,
      Inverted: c.inverted,
      Disabled: c.disabled,
      EnableSNI: c.enableSNI,
      Regions: c.regions.length > 0 ? new XmlList('Region', c.regions) : undefined,
    },
    HealthCheckVersion: hc.version,
  };
}

function recordXml(r: RecordSet): XmlValue {
  return {
    Name: r.name,
    Type: r.type,
    SetIdentifier: r.setIdentifier,
    Weight: r.weight,
    Failover: r.failover,
    TTL: r.alias === undefined ? r.ttl : undefined,
    ResourceRecords: r.alias === undefined ? new XmlList('ResourceRecord', r.values.map((Value) => ({ Value }))) : undefined,
    AliasTarget: r.alias === undefined ? undefined : { HostedZoneId: r.alias.hostedZoneId, DNSName: r.alias.dnsName, EvaluateTargetHealth: r.alias.evaluateTargetHealth },
    HealthCheckId: r.healthCheckId,
  };
}

// ---- health checks ------------------------------------------------------------------------------------------------

function readHealthCheckConfig(c: Node): Route53HealthCheckConfig {
  const type = text(c, 'Type');
  if (type !== 'HTTP' && type !== 'HTTPS' && type !== 'TCP') {
    if (type === 'HTTP_STR_MATCH' || type === 'HTTPS_STR_MATCH' || type === 'CALCULATED' || type === 'CLOUDWATCH_METRIC' || type === 'RECOVERY_CONTROL') {
      throw invalid(`The simulated region does not support health checks of type ${type}.`);
    }
    throw invalid(`Invalid Type: ${type ?? '(missing)'}.`);
  }
  const ipAddress = text(c, 'IPAddress');
  if (ipAddress !== undefined && !isIPv4(ipAddress) && !isIPv6(ipAddress)) throw invalid(`Invalid IP address: ${ipAddress}.`);
  const fullyQualifiedDomainName = text(c, 'FullyQualifiedDomainName');
  if (ipAddress === undefined && fullyQualifiedDomainName === undefined) throw invalid('A health check needs an IPAddress or a FullyQualifiedDomainName.');
  const port = int(c, 'Port', 1, 65_535) ?? (type === 'HTTPS' ? 443 : type === 'HTTP' ? 80 : undefined);
  if (port === undefined) throw invalid('A TCP health check needs a Port.');
  const requestInterval = int(c, 'RequestInterval', 10, 30) ?? 30;
  if (requestInterval !== 10 && requestInterval !== 30) throw invalid(`Invalid RequestInterval: ${requestInterval}; it must be 10 or 30.`);
  const resourcePath = text(c, 'ResourcePath');
  if (resourcePath !== undefined && type === 'TCP') throw invalid('A TCP health check cannot have a ResourcePath.');
  const regions = readRegions(c);
  return {
    type: type satisfies HealthCheckType,
    ipAddress,
    port,
    resourcePath: type === 'TCP' ? undefined : (resourcePath ?? '/'),
    fullyQualifiedDomainName,
    requestInterval,
    failureThreshold: int(c, 'FailureThreshold', 1, 10) ?? 3,
    inverted: bool(c, 'Inverted') ?? false,
    disabled: bool(c, 'Disabled') ?? false,
    enableSNI: bool(c, 'EnableSNI') ?? type === 'HTTPS',
    measureLatency: bool(c, 'MeasureLatency') ?? false,
    regions: regions ?? [...DEFAULT_CHECKER_REGIONS],
  };
}

function readRegions(c: Node): string[] | undefined {
  if (c.Regions === undefined) return undefined;
  const regions = list(c, 'Regions', 'Region').map((r) => String(r));
  for (const r of regions) if (!CHECKER_REGIONS.has(r)) throw invalid(`Invalid health checker region: ${r}.`);
  if (regions.length < 3) throw invalid('A health check needs at least three Regions.');
  return regions;
}

function createHealthCheck(world: SimWorld, body: string): RestXmlReply {
  const req = parseBody(body, 'CreateHealthCheckRequest');
  const callerReference = text(req, 'CallerReference');
  if (callerReference === undefined || callerReference === '') throw invalid('CallerReference is required.');
  const c = node(req.HealthCheckConfig);
  if (c === undefined) throw invalid('HealthCheckConfig is required.');
  const config = readHealthCheckConfig(c);
  const existing = [...world.healthChecks.values()].find((h) => h.callerReference === callerReference);
  if (existing !== undefined) {
    // Idempotent retry with the same settings; a different config reuses a caller reference.
    if (JSON.stringify(existing.config) !== JSON.stringify({ ...config, inverted: existing.config.inverted, disabled: existing.config.disabled }) || existing.version !== 1) {
      throw new SimApiError('HealthCheckAlreadyExists', `A health check with CallerReference ${callerReference} already exists with different settings.`, 409);
    }
    return reply('CreateHealthCheck', { HealthCheck: healthCheckXml(existing) }, 201, { location: `https://route53.amazonaws.com/2013-04-01/healthcheck/${existing.id}` });
  }
  const hc = world.createHealthCheck(callerReference, config);
  return reply('CreateHealthCheck', { HealthCheck: healthCheckXml(hc) }, 201, { location: `https://route53.amazonaws.com/2013-04-01/healthcheck/${hc.id}` });
}

function updateHealthCheck(world: SimWorld, id: string, body: string): RestXmlReply {
  const hc = checkOf(world, id);
  const req = parseBody(body, 'UpdateHealthCheckRequest');
  const version = int(req, 'HealthCheckVersion', 1, Number.MAX_SAFE_INTEGER);
  if (version !== undefined && version !== hc.version) {
    throw new SimApiError('HealthCheckVersionMismatch', `The value of HealthCheckVersion in the request (${version}) doesn't match the value of HealthCheckVersion in the health check (${hc.version}).`, 409);
  }
  if (req.RequestInterval !== undefined) throw invalid('RequestInterval cannot be updated.');
  const ipAddress = text(req, 'IPAddress');
  if (ipAddress !== undefined && !isIPv4(ipAddress) && !isIPv6(ipAddress)) throw invalid(`Invalid IP address: ${ipAddress}.`);
  const resourcePath = text(req, 'ResourcePath');
  if (resourcePath !== undefined && hc.config.type === 'TCP') throw invalid('A TCP health check cannot have a ResourcePath.');
  const reset = new Set(list(req, 'ResetElements', 'ResettableElementName').map(String));
  const change: Partial<Route53HealthCheckConfig> = {
    ipAddress,
    port: int(req, 'Port', 1, 65_535),
    resourcePath: reset.has('ResourcePath') ? '/' : resourcePath,
    fullyQualifiedDomainName: reset.has('FullyQualifiedDomainName') ? undefined : text(req, 'FullyQualifiedDomainName'),
    failureThreshold: int(req, 'FailureThreshold', 1, 10),
    inverted: bool(req, 'Inverted'),
    disabled: bool(req, 'Disabled'),
    enableSNI: bool(req, 'EnableSNI'),
    regions: reset.has('Regions') ? [...DEFAULT_CHECKER_REGIONS] : readRegions(req),
  };
  if (reset.has('FullyQualifiedDomainName')) {
    hc.config = { ...hc.config, fullyQualifiedDomainName: undefined };
    delete change.fullyQualifiedDomainName;
  }
  hc.update(change);
  return reply('UpdateHealthCheck', { HealthCheck: healthCheckXml(hc) });
}

function healthCheckStatus(hc: SimHealthCheck): RestXmlReply {
  return reply('GetHealthCheckStatus', {
    HealthCheckObservations: new XmlList(
      'HealthCheckObservation',
      hc.observations().map((o) => ({ Region: o.region, IPAddress: o.ipAddress, StatusReport: { Status: o.status, CheckedTime: o.checkedTime.toISOString() } })),
    ),
  });
}

// ---- hosted zones and record sets ------------------------------------------------------------------------------

function createHostedZone(world: SimWorld, body: string): RestXmlReply {
  const req = parseBody(body, 'CreateHostedZoneRequest');
  const name = text(req, 'Name');
  const callerReference = text(req, 'CallerReference');
  if (name === undefined || !/^([a-z0-9_-]+\.)*[a-z0-9-]+\.?$/i.test(name) || name.length > 255) throw new SimApiError('InvalidDomainName', `${name ?? '(missing)'} is not a valid domain name.`, 400);
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
  if (text(r, 'Region') !== undefined || text(r, 'MultiValueAnswer') !== undefined || r.GeoLocation !== undefined || r.CidrRoutingConfig !== undefined || r.GeoProximityLocation !== undefined) {
    throw invalid('The simulated region supports simple, failover and weighted routing only.');
  }
  const routed = failover !== undefined || weight !== undefined;
  if (routed && setIdentifier === undefined) throw invalidBatch(`Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found none in RRSet with DNS name ${name} and type ${type}`);
  if (!routed && setIdentifier !== undefined) throw invalidBatch(`Invalid request: Missing field 'Weight' (or another routing policy) in RRSet with DNS name ${name} and type ${type} and SetIdentifier ${setIdentifier}`);
  if (failover !== undefined && weight !== undefined) throw invalidBatch(`Invalid request: Expected exactly one routing policy in RRSet with DNS name ${name} and type ${type}`);
  const healthCheckId = text(r, 'HealthCheckId');
  if (healthCheckId !== undefined && !world.healthChecks.has(healthCheckId)) throw invalidBatch(`Invalid request: Expected HealthCheckId ${healthCheckId} to refer to an existing health check`);
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
    return { name, type, ttl: undefined, values: [], alias: { hostedZoneId, dnsName: fqdn(dnsName), evaluateTargetHealth }, setIdentifier, failover, weight, healthCheckId };
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

function changeRecords(world: SimWorld, zone: SimHostedZone, body: string): RestXmlReply {
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
        if (existing !== undefined) throw invalidBatch(`Tried to create resource record set [name='${r.name}', type='${r.type}'${r.setIdentifier === undefined ? '' : `, set-identifier='${r.setIdentifier}'`}] but it already exists`);
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
        const same = existing !== undefined && JSON.stringify([existing.ttl, existing.values, existing.alias, existing.failover, existing.weight, existing.healthCheckId]) === JSON.stringify([r.ttl, r.values, r.alias, r.failover, r.weight, r.healthCheckId]);
        if (existing === undefined) throw invalidBatch(`Tried to delete resource record set [name='${r.name}', type='${r.type}'${r.setIdentifier === undefined ? '' : `, set-identifier='${r.setIdentifier}'`}] but it was not found`);
        if (!same) throw invalidBatch(`Tried to delete resource record set [name='${r.name}', type='${r.type}'] but the values provided do not match the current values`);
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

function listRecords(zone: SimHostedZone, query: URLSearchParams): RestXmlReply {
  const max = Math.min(300, Math.max(1, Number(query.get('maxitems') ?? '300') || 300));
  let sets = zone.sorted();
  const startName = query.get('name');
  if (startName !== null) {
    const key = (n: string): string => fqdn(n).split('.').reverse().join('.');
    const startType = query.get('type');
    const i = sets.findIndex((r) => key(r.name) > key(startName) || (key(r.name) === key(startName) && (startType === null || r.type >= startType)));
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

// ---- routing ------------------------------------------------------------------------------------------------------

/** The operation a restXml request names, for the request log even when it fails. */
export function route53Operation(method: string, path: string): string {
  const p = path.replace(/^\/2013-04-01/, '').replace(/\/$/, '');
  const parts = p.split('/').filter((s) => s !== '');
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
  if (a === 'healthcheckcount') return 'GetHealthCheckCount';
  if (a === 'hostedzonecount') return 'GetHostedZoneCount';
  return `${method} ${path}`;
}

/**
 * Route 53 (restXml, 2013-04-01) API of the simulated region: hosted zones and record sets (simple, failover,
 * weighted, alias to an ALB), health checks that really probe with the HealthCheckVersion optimistic lock, and
 * changes (INSYNC at once).
 */
export function route53Api(world: SimWorld, req: RestRequest): RestXmlReply {
  const operation = route53Operation(req.method, req.path);
  const parts = req.path
    .replace(/^\/2013-04-01/, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
  const id = parts[1] ?? '';
  switch (operation) {
    case 'CreateHostedZone':
      return createHostedZone(world, req.body);
    case 'ListHostedZones': {
      const zones = [...world.hostedZones.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return reply(operation, { HostedZones: new XmlList('HostedZone', zones.map(zoneXml)), IsTruncated: false, MaxItems: req.query.get('maxitems') ?? '100' });
    }
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
      return reply(operation, { HealthChecks: new XmlList('HealthCheck', checks.map(healthCheckXml)), IsTruncated: false, MaxItems: req.query.get('maxitems') ?? '100' });
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
      if (parts[1] !== 'healthcheck') throw new SimApiError('InvalidInput', `The simulated Route 53 keeps tags of health checks only, not of ${parts[1] ?? '?'}.`, 400);
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
      const tags = Object.entries(hc.tags).map(([Key, Value]) => ({ Key, Value }));
      return reply(operation, { ResourceTagSet: { ResourceType: 'healthcheck', ResourceId: hc.id, Tags: new XmlList('Tag', tags) } });
    }
    case 'GetChange': {
      const change = world.changes.get(id.replace(/^\/?change\//, ''));
      if (change === undefined) throw new SimApiError('NoSuchChange', `A change with the specified change ID ${id} does not exist.`, 404);
      return reply(operation, { ChangeInfo: changeXml(change) });
    }
    default:
      throw new SimApiError('InvalidAction', `The simulated Route 53 does not serve ${req.method} ${req.path}.`, 400);
  }
}
