import { Resolver } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { duration } from '../../experiment/fields.js';
import { no, partial, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition } from '../../registry/types.js';
import { DnsQueryError, fromArg, placement, queryFrom } from './client-location.js';
import { dnsServerArg } from './ttl-resolver.js';

const args = z.strictObject({
  name: z.string().min(1).meta({ description: 'The name to resolve, e.g. www.example.com' }),
  type: z.enum(['A', 'AAAA', 'CNAME', 'TXT']).default('A'),
  /** Resolver to ask, `host:port` or `host`; default the system's. */
  server: dnsServerArg.optional(),
  timeout: duration().default(2_000),
  /** The client location to ask as (source address, EDNS client subnet); on the simulated region, a location's name. */
  from: fromArg.optional(),
});

const tolerance = z.strictObject({
  /** The answer set must be exactly one of these sets (order does not matter). */
  oneOf: z.array(z.array(z.string()).min(1)).min(1).optional(),
  /** An empty answer (or NXDOMAIN) is out of tolerance unless this is true. */
  allowEmpty: z.boolean().default(false),
});

/**
 * `dns`: resolves a name against a resolver. The value is the sorted answer set, so the journal records every change
 * of answers (a failover flip) with its bracket, whether or not the change is out of tolerance.
 */
export const dnsProbe: ProbeDefinition<z.output<typeof args>, z.output<typeof tolerance>> = {
  id: 'dns',
  summary: 'Resolves a name (A, AAAA, CNAME or TXT) against a resolver and records the answers.',
  measures: ['availability', 'latency'],
  permissions: { read: [], write: [] },
  capabilities: {
    services: [],
    support: {
      sim: yes("The region's DNS server answers by routing policy and health; `from:` asks as one of the topology's client locations."),
      moto: no('moto has no DNS server.'),
      'localstack-free': partial(
        'LocalStack has a DNS server (port 53, not published by localstack/docker-compose.yml); whether it answers hosted-zone records is unverified, failover records are evaluated only by Pro, and whether it reads an EDNS client subnet (`from.subnet`) is unverified.',
      ),
      'localstack-paid': partial('DNS failover on health checks on the Ultimate plan (unverified here).'),
      aws: yes(
        "With `from.subnet` and `server` one of the hosted zone's Route 53 name servers, latency and geolocation records answer for that EDNS client subnet (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-edns0.html); a recursive resolver may drop or replace the subnet. `from.address` must be an address of this machine.",
      ),
    },
  },
  args,
  tolerance,
  defaultTolerance: { allowEmpty: false },
  open(a) {
    const resolver = new Resolver({ timeout: a.timeout, tries: 1 });
    if (a.server !== undefined) resolver.setServers([a.server]);
    const from = placement(a.from);
    const resolve = async (): Promise<string[]> => {
      if (from !== undefined) {
        // Node's resolver cannot send an EDNS client subnet, so a placed probe asks with its own small client; its
        // errors carry the codes node's would (ENOTFOUND, ENODATA, ETIMEOUT).
        const response = await queryFrom(a.server, a.name, a.type, from, a.timeout);
        if (response.rcode === 3) throw new DnsQueryError('ENOTFOUND', `${a.name} does not exist`);
        if (response.rcode !== 0) throw new DnsQueryError('ESERVFAIL', `answered with RCODE ${response.rcode}`);
        if (response.answers.length === 0) throw new DnsQueryError('ENODATA', `${a.name} has no ${a.type} record`);
        return response.answers.map((r) => r.data);
      }
      switch (a.type) {
        case 'A':
          return resolver.resolve4(a.name);
        case 'AAAA':
          return resolver.resolve6(a.name);
        case 'CNAME':
          return resolver.resolveCname(a.name);
        case 'TXT':
          return (await resolver.resolveTxt(a.name)).map((chunks) => chunks.join(''));
      }
    };
    return {
      async sample() {
        const started = performance.now();
        try {
          const answers = (await resolve()).sort();
          return { value: answers.join(','), latencyMs: performance.now() - started };
        } catch (error) {
          const code = (error as { code?: string }).code ?? '';
          if (code === 'ENOTFOUND' || code === 'ENODATA') return { value: '', latencyMs: performance.now() - started, text: code };
          return {
            error: code === 'ETIMEOUT' ? `no answer within ${a.timeout}ms` : `${code} ${(error as Error).message}`.trim(),
            latencyMs: performance.now() - started,
          };
        }
      },
      close: async () => {
        resolver.cancel();
      },
    };
  },
  check(o, t) {
    if (o.error !== undefined) return o.error;
    const answers = String(o.value ?? '');
    if (answers === '') return t.allowEmpty ? null : `no answer (${o.text ?? 'empty'})`;
    if (t.oneOf !== undefined) {
      const got = answers.split(',').sort().join(',');
      if (!t.oneOf.some((set) => [...set].sort().join(',') === got))
        return `answered ${answers}, expected one of ${t.oneOf.map((s) => s.join(',')).join(' | ')}`;
    }
    return null;
  },
};
