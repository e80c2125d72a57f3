import type { ResourceRecordSet } from '@aws-sdk/client-route-53';
import { sdk } from '../../aws/sdk.js';
import type { DnsRecord, HealthCheck, HostedZone } from '../model.js';
import { allPages, readPart, tagsOf, type ReadContext } from './reading.js';

/** Route 53: hosted zones and every record set of each, health checks and their tags. */
export async function readDns(ctx: ReadContext): Promise<void> {
  const { arch, options } = ctx;
  const client = await ctx.aws.route53();
  const { paginateListHostedZones, ListResourceRecordSetsCommand, paginateListHealthChecks, ListTagsForResourcesCommand } = await sdk.route53();
  await readPart(ctx, 'ListHostedZones', 'route53', async () => {
    const zones = await allPages(paginateListHostedZones({ client }, {}, options), (p) => p.HostedZones);
    arch.hostedZones = zones.map(
      (z): HostedZone => ({ id: (z.Id ?? '').replace(/^\/hostedzone\//, ''), name: z.Name ?? '', private: z.Config?.PrivateZone === true, records: [] }),
    );
  });
  for (const zone of arch.hostedZones) {
    await readPart(ctx, 'ListResourceRecordSets', zone.id, async () => {
      // Route 53 pages record sets by the name, type and set identifier to start from, not by a token.
      let start: { StartRecordName?: string; StartRecordType?: never; StartRecordIdentifier?: string } = {};
      for (;;) {
        const out = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.id, ...start }), options);
        for (const r of out.ResourceRecordSets ?? []) zone.records.push(recordOf(r));
        if (out.IsTruncated !== true) break;
        start = {
          ...(out.NextRecordName === undefined ? {} : { StartRecordName: out.NextRecordName }),
          ...(out.NextRecordType === undefined ? {} : { StartRecordType: out.NextRecordType as never }),
          ...(out.NextRecordIdentifier === undefined ? {} : { StartRecordIdentifier: out.NextRecordIdentifier }),
        };
      }
    });
  }
  await readPart(ctx, 'ListHealthChecks', 'route53', async () => {
    const checks = await allPages(paginateListHealthChecks({ client }, {}, options), (p) => p.HealthChecks);
    arch.healthChecks = checks.map((h): HealthCheck => {
      const c = h.HealthCheckConfig;
      return {
        id: h.Id ?? '',
        callerReference: h.CallerReference,
        type: c?.Type ?? '',
        ipAddress: c?.IPAddress,
        fqdn: c?.FullyQualifiedDomainName,
        port: c?.Port,
        resourcePath: c?.ResourcePath,
        requestIntervalSeconds: c?.RequestInterval ?? 30,
        failureThreshold: c?.FailureThreshold ?? 3,
        inverted: c?.Inverted === true,
        disabled: c?.Disabled === true,
        regions: [...(c?.Regions ?? [])],
        tags: {},
      };
    });
  });
  // ListTagsForResources takes at most 10 health checks per call (Route 53 API reference).
  for (let i = 0; i < arch.healthChecks.length; i += 10) {
    const batch = arch.healthChecks.slice(i, i + 10);
    await readPart(ctx, 'ListTagsForResources', 'route53', async () => {
      const out = await client.send(new ListTagsForResourcesCommand({ ResourceType: 'healthcheck', ResourceIds: batch.map((h) => h.id) }), options);
      for (const set of out.ResourceTagSets ?? []) {
        const check = batch.find((h) => h.id === set.ResourceId);
        if (check !== undefined) check.tags = tagsOf(set.Tags);
      }
    });
  }
}

function recordOf(r: ResourceRecordSet): DnsRecord {
  const geo =
    r.GeoLocation === undefined
      ? undefined
      : Object.fromEntries(Object.entries(r.GeoLocation as Record<string, string | undefined>).filter((e): e is [string, string] => e[1] !== undefined));
  return {
    name: r.Name ?? '',
    type: r.Type ?? '',
    ttl: r.TTL,
    values: r.ResourceRecords?.map((v) => v.Value ?? ''),
    alias:
      r.AliasTarget === undefined
        ? undefined
        : {
            dnsName: r.AliasTarget.DNSName ?? '',
            hostedZoneId: r.AliasTarget.HostedZoneId ?? '',
            evaluateTargetHealth: r.AliasTarget.EvaluateTargetHealth === true,
          },
    setIdentifier: r.SetIdentifier,
    failover: r.Failover,
    weight: r.Weight,
    region: r.Region,
    multiValueAnswer: r.MultiValueAnswer,
    geoLocation: geo,
    healthCheckId: r.HealthCheckId,
  };
}
