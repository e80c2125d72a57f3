import { isIPv4, isIPv6 } from 'node:net';
import { SimApiError } from '../protocol/errors.js';
import type { WireReply } from '../protocol/reply.js';
import { xmlNode as node, type XmlNode as Node } from '../protocol/rest-xml.js';
import { XmlList, type XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import { DEFAULT_CHECKER_REGIONS, type HealthCheckType, type Route53HealthCheckConfig, type SimHealthCheck } from '../world/health-check.js';
import { bool, int, invalid, reply, list, parseBody, text } from './route53-xml.js';

/* Route 53 health checks: creating, updating and reading checks that really probe their endpoints. */

const CHECKER_REGIONS = new Set(['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1']);

/** The health check `id`, or Route 53's NoSuchHealthCheck. */
export function checkOf(world: SimWorld, id: string): SimHealthCheck {
  const hc = world.healthChecks.get(id);
  if (hc === undefined) throw new SimApiError('NoSuchHealthCheck', `A health check with id ${id} does not exist.`, 404);
  return hc;
}

/** A health check as Route 53 writes it. */
export function healthCheckXml(hc: SimHealthCheck): XmlValue {
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

/** CreateHealthCheck: idempotent on the caller reference. */
export function createHealthCheck(world: SimWorld, body: string): WireReply {
  const req = parseBody(body, 'CreateHealthCheckRequest');
  const callerReference = text(req, 'CallerReference');
  if (callerReference === undefined || callerReference === '') throw invalid('CallerReference is required.');
  const c = node(req.HealthCheckConfig);
  if (c === undefined) throw invalid('HealthCheckConfig is required.');
  const config = readHealthCheckConfig(c);
  const existing = [...world.healthChecks.values()].find((h) => h.callerReference === callerReference);
  if (existing !== undefined) {
    // Idempotent retry with the same settings; a different config reuses a caller reference.
    if (
      JSON.stringify(existing.config) !== JSON.stringify({ ...config, inverted: existing.config.inverted, disabled: existing.config.disabled }) ||
      existing.version !== 1
    ) {
      throw new SimApiError('HealthCheckAlreadyExists', `A health check with CallerReference ${callerReference} already exists with different settings.`, 409);
    }
    return reply('CreateHealthCheck', { HealthCheck: healthCheckXml(existing) }, 201, {
      location: `https://route53.amazonaws.com/2013-04-01/healthcheck/${existing.id}`,
    });
  }
  const hc = world.createHealthCheck(callerReference, config);
  return reply('CreateHealthCheck', { HealthCheck: healthCheckXml(hc) }, 201, { location: `https://route53.amazonaws.com/2013-04-01/healthcheck/${hc.id}` });
}

/** UpdateHealthCheck, guarded by HealthCheckVersion. */
export function updateHealthCheck(world: SimWorld, id: string, body: string): WireReply {
  const hc = checkOf(world, id);
  const req = parseBody(body, 'UpdateHealthCheckRequest');
  const version = int(req, 'HealthCheckVersion', 1, Number.MAX_SAFE_INTEGER);
  if (version !== undefined && version !== hc.version) {
    throw new SimApiError(
      'HealthCheckVersionMismatch',
      `The value of HealthCheckVersion in the request (${version}) doesn't match the value of HealthCheckVersion in the health check (${hc.version}).`,
      409,
    );
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

/** GetHealthCheckStatus: the latest report of each checker region. */
export function healthCheckStatus(hc: SimHealthCheck): WireReply {
  return reply('GetHealthCheckStatus', {
    HealthCheckObservations: new XmlList(
      'HealthCheckObservation',
      hc
        .observations()
        .map((o) => ({ Region: o.region, IPAddress: o.ipAddress, StatusReport: { Status: o.status, CheckedTime: o.checkedTime.toISOString() } })),
    ),
  });
}
