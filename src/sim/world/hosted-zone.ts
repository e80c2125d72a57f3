import { randomBytes, randomInt } from 'node:crypto';
import type { ClientLocation } from '../clients.js';
import { AWS_LOCATIONS, distanceKm } from './aws-locations.js';

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A Route 53-shaped id: a letter then uppercase alphanumerics (`Z…` zones, `C…` changes). */
export function route53Id(prefix: string, length = 20): string {
  const bytes = randomBytes(length - 1);
  let out = prefix;
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

/** Lower case with a trailing dot, as Route 53 returns names. */
export function fqdn(name: string): string {
  const n = name.trim().toLowerCase();
  return n.endsWith('.') ? n : `${n}.`;
}

export type FailoverRole = 'PRIMARY' | 'SECONDARY';

export interface AliasTarget {
  hostedZoneId: string;
  dnsName: string;
  evaluateTargetHealth: boolean;
}

/** A geolocation record's location: a continent, a country, or a US state; `country: '*'` is the default record. */
export interface GeoLocation {
  continent?: string | undefined;
  country?: string | undefined;
  subdivision?: string | undefined;
}

/** A geoproximity record's location (one of region, Local Zone group or coordinates) and its bias (-99..99). */
export interface GeoProximity {
  region?: string | undefined;
  localZoneGroup?: string | undefined;
  coordinates?: { latitude: number; longitude: number } | undefined;
  bias?: number | undefined;
}

export type RoutingPolicy = 'simple' | 'weighted' | 'failover' | 'latency' | 'geolocation' | 'multivalue' | 'geoproximity';

/** One resource record set of a hosted zone. */
export interface RecordSet {
  name: string;
  type: string;
  ttl: number | undefined;
  values: string[];
  alias: AliasTarget | undefined;
  setIdentifier: string | undefined;
  failover: FailoverRole | undefined;
  weight: number | undefined;
  healthCheckId: string | undefined;
  /** Latency records: the Region of the resource. */
  region?: string | undefined;
  geolocation?: GeoLocation | undefined;
  multiValueAnswer?: boolean | undefined;
  geoproximity?: GeoProximity | undefined;
}

/** The routing policy a record set's fields select. */
export function routingPolicy(r: RecordSet): RoutingPolicy {
  if (r.failover !== undefined) return 'failover';
  if (r.weight !== undefined) return 'weighted';
  if (r.region !== undefined) return 'latency';
  if (r.geolocation !== undefined) return 'geolocation';
  if (r.multiValueAnswer === true) return 'multivalue';
  if (r.geoproximity !== undefined) return 'geoproximity';
  return 'simple';
}

/** The routing policies whose answer depends on where the client is. */
export const LOCATION_POLICIES: ReadonlySet<RoutingPolicy> = new Set(['latency', 'geolocation', 'geoproximity']);

/** Route 53 answers a multivalue name with at most eight records (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-multivalue.html). */
export const MULTIVALUE_MAX = 8;

/** One answer record, independent of the DNS wire library. */
export interface DnsRecord {
  name: string;
  type: string;
  ttl: number;
  data: string;
}

export interface DnsAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: DnsRecord[];
  authorities: DnsRecord[];
  /** Whether the answer was chosen by the client's location (latency, geolocation, geoproximity routing). */
  byLocation?: boolean;
}

/** What a hosted zone needs from the rest of the world to answer. */
export interface AnswerContext {
  /** Evaluated status of a health check; undefined when it does not exist (then the record counts as healthy). */
  healthCheckHealthy(id: string): boolean | undefined;
  /** An alias target's address and whether it has healthy targets, when it is a load balancer of the world. */
  aliasTarget(dnsName: string): { address: string; healthy: boolean } | undefined;
  /**
   * The simulated region's own Region: a client without a location is answered as if it were there (assumed:
   * Route 53 locates every resolver; the sim's unplaced clients are on the region's own loopback).
   */
  homeRegion: string;
}

/** Route 53 gives alias records to ELB a fixed TTL of 60 s. */
export const ALIAS_TTL = 60;

/**
 * A Route 53 public hosted zone: record sets (simple, failover, weighted, latency, geolocation, multivalue answer,
 * geoproximity; alias to an ALB) plus the NS and SOA records Route 53 creates, and the answer to a DNS question
 * according to routing policy, health and the client's location.
 */
export class SimHostedZone {
  readonly id: string;
  readonly name: string;
  readonly callerReference: string;
  readonly comment: string | undefined;
  readonly nameServers: string[];
  /** Topology name (without trailing dot), when the topology declared the zone. */
  readonly declaredName: string | undefined;
  records: RecordSet[];

  constructor(options: { name: string; callerReference: string; comment?: string | undefined; declared?: boolean }) {
    this.id = route53Id('Z', 21);
    this.name = fqdn(options.name);
    this.callerReference = options.callerReference;
    this.comment = options.comment;
    this.declaredName = options.declared === true ? this.name.slice(0, -1) : undefined;
    const n = randomInt(0, 2048);
    this.nameServers = [
      `ns-${n}.awsdns-${n % 64}.org`,
      `ns-${(n + 517) % 2048}.awsdns-${(n + 7) % 64}.co.uk`,
      `ns-${(n + 1031) % 2048}.awsdns-${(n + 13) % 64}.com`,
      `ns-${(n + 1543) % 2048}.awsdns-${(n + 29) % 64}.net`,
    ];
    const primaryNs = this.nameServers[0] ?? 'ns-1.awsdns-1.org';
    this.records = [
      {
        name: this.name,
        type: 'NS',
        ttl: 172_800,
        values: this.nameServers.map((s) => `${s}.`),
        alias: undefined,
        setIdentifier: undefined,
        failover: undefined,
        weight: undefined,
        healthCheckId: undefined,
      },
      {
        name: this.name,
        type: 'SOA',
        ttl: 900,
        values: [`${primaryNs}. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400`],
        alias: undefined,
        setIdentifier: undefined,
        failover: undefined,
        weight: undefined,
        healthCheckId: undefined,
      },
    ];
  }

  /** Whether `name` (an FQDN) is in this zone. */
  contains(name: string): boolean {
    return name === this.name || name.endsWith(`.${this.name}`);
  }

  /** Record sets in Route 53's order: by name with labels reversed, then type, then set identifier. */
  sorted(): RecordSet[] {
    const key = (r: RecordSet): string[] => [r.name.split('.').reverse().join('.'), r.type, r.setIdentifier ?? ''];
    return [...this.records].sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      const i = x.findIndex((v, n) => v !== y[n]);
      return i < 0 ? 0 : (x[i] ?? '') < (y[i] ?? '') ? -1 : 1;
    });
  }

  /**
   * Answers a question for a name of this zone from a client at `client` (undefined: a client without a location).
   * A name whose routing picks no record (geolocation with no match and no default) is NOERROR with no answer.
   */
  answer(name: string, type: string, ctx: AnswerContext, client?: ClientLocation): DnsAnswer {
    const soa = this.#soa();
    const atName = this.records.filter((r) => r.name === name);
    if (atName.length === 0) return { rcode: 'NXDOMAIN', answers: [], authorities: [soa] };
    const byLocation = this.byLocation(name);
    const wanted = atName.filter((r) => r.type === type);
    if (wanted.length > 0) {
      const answers = this.#resolve(wanted, ctx, client);
      return { rcode: 'NOERROR', answers, authorities: answers.length === 0 ? [soa] : [], byLocation };
    }
    const cname = atName.filter((r) => r.type === 'CNAME');
    if (cname.length > 0) {
      const first = this.#resolve(cname, ctx, client);
      const target = first[0]?.data;
      if (target !== undefined && this.contains(fqdn(target)) && fqdn(target) !== name) {
        const chased = this.answer(fqdn(target), type, ctx, client);
        return {
          rcode: chased.rcode,
          answers: [...first, ...chased.answers],
          authorities: chased.authorities,
          byLocation: byLocation || chased.byLocation === true,
        };
      }
      return { rcode: 'NOERROR', answers: first, authorities: first.length === 0 ? [soa] : [], byLocation };
    }
    return { rcode: 'NOERROR', answers: [], authorities: [soa], byLocation };
  }

  /** Whether a name's records (or the in-zone aliases they follow) route by the client's location. */
  byLocation(name: string, seen: ReadonlySet<string> = new Set()): boolean {
    for (const r of this.records) {
      if (r.name !== name) continue;
      if (LOCATION_POLICIES.has(routingPolicy(r))) return true;
      const target = r.alias === undefined ? undefined : fqdn(r.alias.dnsName);
      if (target !== undefined && target !== name && !seen.has(target) && this.contains(target) && this.byLocation(target, new Set([...seen, name])))
        return true;
    }
    return false;
  }

  /**
   * The set of values a name can answer now for `type`, deterministic (weighted choice aside: all eligible values):
   * what ground truth records as the answer set of the name.
   */
  answerSet(name: string, type: string, ctx: AnswerContext, client?: ClientLocation): string[] {
    const sets = this.records.filter((r) => r.name === name && r.type === type);
    return [...new Set(this.#eligible(sets, ctx, client).flatMap((r) => this.#data(r, ctx, client).map((d) => d.data)))].sort();
  }

  /** Distinct (name, type) pairs of address-like records, for ground truth. */
  answerKeys(): { name: string; type: string }[] {
    const seen = new Map<string, { name: string; type: string }>();
    for (const r of this.records)
      if (r.type === 'A' || r.type === 'AAAA' || r.type === 'CNAME') seen.set(`${r.name} ${r.type}`, { name: r.name, type: r.type });
    return [...seen.values()];
  }

  /** Whether a record set counts as healthy: its health check, and its alias target when EvaluateTargetHealth. */
  healthy(r: RecordSet, ctx: AnswerContext): boolean {
    if (r.healthCheckId !== undefined && ctx.healthCheckHealthy(r.healthCheckId) === false) return false;
    if (r.alias?.evaluateTargetHealth === true) {
      const target = ctx.aliasTarget(r.alias.dnsName);
      if (target !== undefined && !target.healthy) return false;
      if (target === undefined) {
        const inZone = fqdn(r.alias.dnsName);
        if (this.contains(inZone)) {
          const sets = this.records.filter((s) => s.name === inZone && s.type === r.type);
          if (sets.length > 0 && !sets.some((s) => s !== r && this.healthy(s, ctx))) return false;
        }
      }
    }
    return true;
  }

  /**
   * The record sets routing policy selects, before a weighted or multivalue draw, following "How Amazon Route 53
   * chooses records when health checking is configured"
   * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html): a
   * record without a health check is healthy, and when no record of the group is healthy Route 53 considers them all
   * healthy. Failover: PRIMARY while healthy, else a healthy SECONDARY, else PRIMARY. Weighted: the healthy ones with
   * weight, or all when none is healthy. Latency, geolocation and geoproximity: the first healthy record in the
   * client's order (`#byPreference`), else the first. Multivalue: every healthy record, or every record when none is.
   */
  #eligible(sets: RecordSet[], ctx: AnswerContext, client: ClientLocation | undefined): RecordSet[] {
    if (sets.length === 0) return [];
    const failover = sets.filter((r) => r.failover !== undefined);
    if (failover.length > 0) {
      const primary = failover.find((r) => r.failover === 'PRIMARY');
      const secondary = failover.find((r) => r.failover === 'SECONDARY');
      if (primary !== undefined && this.healthy(primary, ctx)) return [primary];
      if (secondary !== undefined && this.healthy(secondary, ctx)) return [secondary];
      return primary !== undefined ? [primary] : secondary !== undefined ? [secondary] : [];
    }
    const weighted = sets.filter((r) => r.weight !== undefined);
    if (weighted.length > 0) {
      const healthy = weighted.filter((r) => this.healthy(r, ctx));
      const pool = healthy.length > 0 ? healthy : weighted;
      const positive = pool.filter((r) => (r.weight ?? 0) > 0);
      return positive.length > 0 ? positive : pool;
    }
    const policy = routingPolicy(sets[0] as RecordSet);
    if (policy === 'multivalue') {
      const healthy = sets.filter((r) => this.healthy(r, ctx));
      return healthy.length > 0 ? healthy : sets;
    }
    if (policy === 'latency' || policy === 'geolocation' || policy === 'geoproximity') {
      const order = byPreference(policy, sets, client, ctx.homeRegion);
      const chosen = order.find((r) => this.healthy(r, ctx)) ?? order[0];
      return chosen === undefined ? [] : [chosen];
    }
    return sets;
  }

  #resolve(sets: RecordSet[], ctx: AnswerContext, client: ClientLocation | undefined): DnsRecord[] {
    const eligible = this.#eligible(sets, ctx, client);
    if (eligible.length > 0 && eligible.every((r) => r.multiValueAnswer === true)) {
      // Up to eight records, a different draw for each question (routing-policy-multivalue.html).
      const shuffled = [...eligible];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = randomInt(0, i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j] as RecordSet, shuffled[i] as RecordSet];
      }
      return shuffled.slice(0, MULTIVALUE_MAX).flatMap((r) => this.#data(r, ctx, client));
    }
    if (eligible.length <= 1 || eligible.every((r) => r.weight === undefined)) return eligible.flatMap((r) => this.#data(r, ctx, client));
    const total = eligible.reduce((s, r) => s + (r.weight ?? 0), 0);
    let pick = total > 0 ? Math.random() * total : 0;
    const heavier = (r: (typeof eligible)[number]): boolean => {
      pick -= r.weight ?? 0;
      return pick < 0;
    };
    const chosen = total > 0 ? (eligible.find(heavier) ?? eligible[eligible.length - 1]) : eligible[randomInt(0, eligible.length)];
    return chosen === undefined ? [] : this.#data(chosen, ctx, client);
  }

  #data(r: RecordSet, ctx: AnswerContext, client: ClientLocation | undefined): DnsRecord[] {
    if (r.alias !== undefined) {
      const target = ctx.aliasTarget(r.alias.dnsName);
      if (target !== undefined) return [{ name: r.name, type: r.type, ttl: ALIAS_TTL, data: target.address }];
      const inZone = fqdn(r.alias.dnsName);
      if (this.contains(inZone) && inZone !== r.name) {
        const sets = this.records.filter((s) => s.name === inZone && s.type === r.type);
        return this.#resolve(sets, ctx, client).map((d) => ({ ...d, name: r.name }));
      }
      return [];
    }
    return r.values.map((data) => ({ name: r.name, type: r.type, ttl: r.ttl ?? 300, data }));
  }

  #soa(): DnsRecord {
    const soa = this.records.find((r) => r.type === 'SOA');
    return { name: this.name, type: 'SOA', ttl: soa?.ttl ?? 900, data: soa?.values[0] ?? '' };
  }
}

/**
 * A location-routed group in the order Route 53 prefers its records for `client`; a record the client cannot use
 * (geolocation elsewhere) is left out.
 * - Latency: lowest latency from the client's table first; a Region the table lacks is unreachably far
 *   (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-latency.html). A client without a
 *   location: the record of the home Region first, then the rest in set-identifier order (assumed).
 * - Geolocation: the client's subdivision, then country, then continent, then the default `*`; a client without a
 *   location matches only the default (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-geo.html
 *   and ResourceRecordSet.HealthCheckId in the API reference: an unhealthy state record falls to the country, the
 *   continent, then the default).
 * - Geoproximity: smallest biased distance, actual distance × (1 − bias/100)
 *   (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-geoproximity.html); a client without
 *   coordinates is measured from the home Region (assumed).
 */
export function byPreference(
  policy: 'latency' | 'geolocation' | 'geoproximity',
  sets: RecordSet[],
  client: ClientLocation | undefined,
  homeRegion: string,
): RecordSet[] {
  const stable = [...sets].sort((a, b) => ((a.setIdentifier ?? '') < (b.setIdentifier ?? '') ? -1 : (a.setIdentifier ?? '') > (b.setIdentifier ?? '') ? 1 : 0));
  const ranked = (score: (r: RecordSet) => number): RecordSet[] =>
    stable
      .map((r, i) => ({ r, i, s: score(r) }))
      .sort((a, b) => a.s - b.s || a.i - b.i)
      .map((x) => x.r);
  if (policy === 'latency')
    return ranked((r) => (client === undefined ? (r.region === homeRegion ? 0 : 1) : (client.latency[r.region ?? ''] ?? Number.POSITIVE_INFINITY)));
  if (policy === 'geoproximity') {
    const from = client?.coordinates ?? AWS_LOCATIONS[homeRegion];
    return ranked((r) => {
      const g = r.geoproximity;
      const at = g?.coordinates ?? AWS_LOCATIONS[g?.region ?? g?.localZoneGroup ?? ''];
      if (from === undefined || at === undefined) return Number.POSITIVE_INFINITY;
      return distanceKm(from, at) * (1 - (g?.bias ?? 0) / 100);
    });
  }
  const rank = (g: GeoLocation | undefined): number | undefined => {
    if (g === undefined) return undefined;
    if (g.country === '*' && g.subdivision === undefined) return 3;
    if (client === undefined) return undefined;
    if (g.subdivision !== undefined) return g.country === client.country && g.subdivision === client.subdivision ? 0 : undefined;
    if (g.country !== undefined) return g.country === client.country ? 1 : undefined;
    if (g.continent !== undefined) return g.continent === client.continent ? 2 : undefined;
    return undefined;
  };
  return stable
    .map((r) => ({ r, k: rank(r.geolocation) }))
    .filter((x): x is { r: RecordSet; k: number } => x.k !== undefined)
    .sort((a, b) => a.k - b.k)
    .map((x) => x.r);
}
