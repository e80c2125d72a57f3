import { randomBytes, randomInt } from 'node:crypto';

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
}

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
}

/** What a hosted zone needs from the rest of the world to answer. */
export interface AnswerContext {
  /** Evaluated status of a health check; undefined when it does not exist (then the record counts as healthy). */
  healthCheckHealthy(id: string): boolean | undefined;
  /** An alias target's address and whether it has healthy targets, when it is a load balancer of the world. */
  aliasTarget(dnsName: string): { address: string; healthy: boolean } | undefined;
}

/** Route 53 gives alias records to ELB a fixed TTL of 60 s. */
export const ALIAS_TTL = 60;

/**
 * A Route 53 public hosted zone: record sets (simple, failover, weighted, alias to an ALB) plus the NS and SOA
 * records Route 53 creates, and the answer to a DNS question according to routing policy and health.
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

  /** Answers a question for a name of this zone. */
  answer(name: string, type: string, ctx: AnswerContext): DnsAnswer {
    const soa = this.#soa();
    const atName = this.records.filter((r) => r.name === name);
    if (atName.length === 0) return { rcode: 'NXDOMAIN', answers: [], authorities: [soa] };
    const wanted = atName.filter((r) => r.type === type);
    if (wanted.length > 0) return { rcode: 'NOERROR', answers: this.#resolve(wanted, ctx), authorities: [] };
    const cname = atName.filter((r) => r.type === 'CNAME');
    if (cname.length > 0) {
      const first = this.#resolve(cname, ctx);
      const target = first[0]?.data;
      if (target !== undefined && this.contains(fqdn(target)) && fqdn(target) !== name) {
        const chased = this.answer(fqdn(target), type, ctx);
        return { rcode: chased.rcode, answers: [...first, ...chased.answers], authorities: chased.authorities };
      }
      return { rcode: 'NOERROR', answers: first, authorities: [] };
    }
    return { rcode: 'NOERROR', answers: [], authorities: [soa] };
  }

  /**
   * The set of values a name can answer now for `type`, deterministic (weighted choice aside: all eligible values):
   * what ground truth records as the answer set of the name.
   */
  answerSet(name: string, type: string, ctx: AnswerContext): string[] {
    const sets = this.records.filter((r) => r.name === name && r.type === type);
    return [...new Set(this.#eligible(sets, ctx).flatMap((r) => this.#data(r, ctx).map((d) => d.data)))].sort();
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
   * The record sets routing policy selects, before a weighted draw. Failover: PRIMARY while healthy, else a healthy
   * SECONDARY, else PRIMARY (Route 53 answers as if all were healthy when none is). Weighted: the healthy ones with
   * weight, or all when none is healthy.
   */
  #eligible(sets: RecordSet[], ctx: AnswerContext): RecordSet[] {
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
    return sets;
  }

  #resolve(sets: RecordSet[], ctx: AnswerContext): DnsRecord[] {
    const eligible = this.#eligible(sets, ctx);
    if (eligible.length <= 1 || eligible.every((r) => r.weight === undefined)) return eligible.flatMap((r) => this.#data(r, ctx));
    const total = eligible.reduce((s, r) => s + (r.weight ?? 0), 0);
    let pick = total > 0 ? Math.random() * total : 0;
    const heavier = (r: (typeof eligible)[number]): boolean => {
      pick -= r.weight ?? 0;
      return pick < 0;
    };
    const chosen = total > 0 ? (eligible.find(heavier) ?? eligible[eligible.length - 1]) : eligible[randomInt(0, eligible.length)];
    return chosen === undefined ? [] : this.#data(chosen, ctx);
  }

  #data(r: RecordSet, ctx: AnswerContext): DnsRecord[] {
    if (r.alias !== undefined) {
      const target = ctx.aliasTarget(r.alias.dnsName);
      if (target !== undefined) return [{ name: r.name, type: r.type, ttl: ALIAS_TTL, data: target.address }];
      const inZone = fqdn(r.alias.dnsName);
      if (this.contains(inZone) && inZone !== r.name) {
        const sets = this.records.filter((s) => s.name === inZone && s.type === r.type);
        return this.#resolve(sets, ctx).map((d) => ({ ...d, name: r.name }));
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
