import type { ClientLocations } from '../clients.js';
import type { GroundTruth } from '../ground-truth.js';
import type { SimDatabase } from '../world/database.js';
import type { SimDbCluster } from '../world/db-cluster.js';
import type { SimHealthCheck } from '../world/health-check.js';
import { fqdn, type AnswerContext, type DnsAnswer, type SimHostedZone } from '../world/hosted-zone.js';
import type { SimLoadBalancer } from '../world/load-balancer.js';
import { SimDnsServer, type QuestionOrigin } from './server.js';

/** RDS endpoint records have a TTL of 5 s, so clients follow a failover quickly. */
export const RDS_DNS_TTL = 5;

/** A load balancer's DNS name has a TTL of 60 s (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#dns-name). */
export const ELB_DNS_TTL = 60;

/** What the region's DNS answers from: the hosted zones, what their records' health depends on, and the endpoints it names. */
export interface DnsSources {
  readonly hostedZones: ReadonlyMap<string, SimHostedZone>;
  readonly healthChecks: ReadonlyMap<string, Pick<SimHealthCheck, 'healthy'>>;
  readonly loadBalancers: ReadonlyMap<string, SimLoadBalancer>;
  readonly databases: ReadonlyMap<string, SimDatabase>;
  readonly dbClusters: ReadonlyMap<string, SimDbCluster>;
  readonly truth: Pick<GroundTruth, 'record'>;
  /** Where clients are: read at each question, so the region may set it after building its DNS. */
  readonly clients: ClientLocations;
  readonly topology: { readonly region: string };
  /**
   * When Route 53 learns that an alias target's load balancer changed health (timing `route53AliasTargetHealth`):
   * runs `then` after that AWS delay and returns a cancel. Without it, at once.
   */
  afterAliasHealthDelay?(lbName: string, then: () => void): () => void;
}

/**
 * The region's DNS: the answer to each question, the UDP server that gives it, and the ground truth of every change
 * of an answer (what a client resolving the name would see change).
 */
export class RegionDns {
  /** The authoritative DNS server of the hosted zones, UDP on 127.0.0.1. */
  readonly server = new SimDnsServer((name, type, from) => this.answer(name, type, from));
  readonly #sources: DnsSources;
  readonly #answerSets = new Map<string, string>();
  readonly #answerContext: AnswerContext;
  /**
   * Route 53's view of each alias target's health (whether its load balancer has a healthy target), which follows the
   * load balancer after a delay, and the change on its way.
   */
  readonly #aliasHealth = new Map<SimLoadBalancer, { seen: boolean; settled: boolean; toward?: boolean; cancel?: () => void }>();

  constructor(sources: DnsSources) {
    this.#sources = sources;
    this.#answerContext = {
      healthCheckHealthy: (id) => sources.healthChecks.get(id)?.healthy,
      aliasTarget: (dnsName) => {
        const lb = this.loadBalancerByDnsName(dnsName);
        // An alias answers one address: the first node still in the load balancer's DNS.
        return lb === undefined ? undefined : { address: lb.dnsAddresses()[0] ?? lb.address, healthy: this.#aliasHealthOf(lb) };
      },
      get homeRegion() {
        return sources.topology.region;
      },
    };
  }

  /**
   * The answer to a question: the hosted zone with the longest matching name decides; an ALB's or an RDS endpoint's
   * own DNS name answers its address; every other name is NXDOMAIN.
   */
  answer(name: string, type: string, from: QuestionOrigin = {}, depth = 0): DnsAnswer {
    const q = fqdn(name);
    let zone: SimHostedZone | undefined;
    for (const z of this.#sources.hostedZones.values()) if (z.contains(q) && (zone === undefined || z.name.length > zone.name.length)) zone = z;
    if (zone !== undefined) {
      const own = zone.answer(q, type, this.#answerContext, this.#sources.clients.ofQuestion(from.source, from.clientSubnet));
      // The region's DNS server is its clients' resolver too: a CNAME to a name outside the zone (an RDS endpoint, a
      // load balancer, another zone) is followed, as a recursive resolver follows what Route 53 answers. Depth-bounded.
      const last = own.answers.at(-1);
      if (type === 'CNAME' || last?.type !== 'CNAME' || depth >= 8 || zone.contains(fqdn(last.data))) return own;
      const chased = this.answer(last.data, type, from, depth + 1);
      return { rcode: chased.rcode, answers: [...own.answers, ...chased.answers], authorities: chased.authorities };
    }
    const lb = this.loadBalancerByDnsName(q);
    // One address per node in DNS (one per enabled zone until ELB takes an impaired node out), TTL 60 s.
    if (lb !== undefined)
      return {
        rcode: 'NOERROR',
        answers: type === 'A' ? lb.dnsAddresses().map((data) => ({ name: q, type: 'A', ttl: ELB_DNS_TTL, data })) : [],
        authorities: [],
      };
    const addresses = this.#rdsAddresses(q, type);
    if (addresses !== undefined)
      return { rcode: 'NOERROR', answers: type === 'A' ? addresses.map((data) => ({ name: q, type: 'A', ttl: RDS_DNS_TTL, data })) : [], authorities: [] };
    return { rcode: 'NXDOMAIN', answers: [], authorities: [] };
  }

  /**
   * Re-evaluates every name's answer set after a health, capacity or record change and records each change in ground
   * truth (kind `dns-answer`, resource = the name, to = the answer values joined with `,`; '' when the name is gone).
   * A name routed by location (latency, geolocation, geoproximity) is recorded once for a client without a location
   * and once per client location of the topology, with `detail.location` naming it: "tokyo now gets X".
   */
  changed(): void {
    this.#followAliasHealth();
    const now = new Map<string, { name: string; type: string; zoneId: string; value: string; location?: string }>();
    const locations = this.#sources.clients.all;
    for (const zone of this.#sources.hostedZones.values()) {
      for (const { name, type } of zone.answerKeys()) {
        now.set(`${name} ${type}`, { name, type, zoneId: zone.id, value: zone.answerSet(name, type, this.#answerContext).join(',') });
        if (!zone.byLocation(name)) continue;
        for (const l of locations)
          now.set(`${name} ${type} ${l.name}`, {
            name,
            type,
            zoneId: zone.id,
            value: zone.answerSet(name, type, this.#answerContext, l).join(','),
            location: l.name,
          });
      }
    }
    for (const lb of this.#sources.loadBalancers.values())
      now.set(`${lb.dnsName}. A`, { name: `${lb.dnsName}.`, type: 'A', zoneId: '', value: lb.dnsAddresses().join(',') });
    for (const [key, cur] of now) {
      const before = this.#answerSets.get(key);
      if (before === cur.value) continue;
      this.#answerSets.set(key, cur.value);
      // A load balancer's name is recorded when its nodes change, not when the region starts.
      if (cur.zoneId === '' && before === undefined) continue;
      const detail = { type: cur.type, hostedZoneId: cur.zoneId, ...(cur.location === undefined ? {} : { location: cur.location }) };
      this.#sources.truth.record({ kind: 'dns-answer', resource: cur.name, from: before, to: cur.value, detail });
    }
    for (const [key, before] of this.#answerSets) {
      if (now.has(key)) continue;
      this.#answerSets.delete(key);
      const [name = '', type = '', location] = key.split(' ');
      this.#sources.truth.record({
        kind: 'dns-answer',
        resource: name,
        from: before,
        to: '',
        detail: { type, ...(location === undefined ? {} : { location }) },
      });
    }
  }

  /** Whether Route 53 sees the load balancer as healthy (an alias with EvaluateTargetHealth): its view, not the truth now. */
  #aliasHealthOf(lb: SimLoadBalancer): boolean {
    const view = this.#aliasHealth.get(lb);
    if (view !== undefined) return view.seen;
    const seen = lb.targetGroup.healthyCount() > 0;
    this.#aliasHealth.set(lb, { seen, settled: seen });
    return seen;
  }

  /**
   * Starts Route 53 learning each load balancer's change of health: the view flips after the delay unless the load
   * balancer flips back first; then the answers are evaluated again.
   */
  #followAliasHealth(): void {
    const delay = this.#sources.afterAliasHealthDelay;
    for (const lb of this.#sources.loadBalancers.values()) {
      const view = this.#aliasHealth.get(lb);
      const actual = lb.targetGroup.healthyCount() > 0;
      // Until a load balancer first has a healthy target (the region building its steady state, as a stack that has
      // long been running), Route 53's view is the load balancer's own.
      if (view === undefined || !view.settled) {
        this.#aliasHealth.set(lb, { seen: actual, settled: actual });
        continue;
      }
      if (view.toward !== undefined && view.toward !== actual) {
        view.cancel?.();
        view.toward = undefined;
        view.cancel = undefined;
      }
      if (view.seen === actual || view.toward !== undefined) continue;
      if (delay === undefined) {
        view.seen = actual;
        continue;
      }
      view.toward = actual;
      view.cancel = delay.call(this.#sources, lb.name, () => {
        view.seen = actual;
        view.toward = undefined;
        view.cancel = undefined;
        this.changed();
      });
    }
  }

  /** The ALB a DNS name belongs to (`dualstack.` prefix and trailing dot allowed). */
  loadBalancerByDnsName(dnsName: string): SimLoadBalancer | undefined {
    const n = dnsName
      .toLowerCase()
      .replace(/\.$/, '')
      .replace(/^dualstack\./, '');
    for (const lb of this.#sources.loadBalancers.values()) if (lb.dnsName.toLowerCase() === n) return lb;
    return undefined;
  }

  /** Addresses an RDS endpoint name (instance, cluster writer, reader or member) resolves to. */
  #rdsAddresses(q: string, type: string): string[] | undefined {
    for (const db of this.#sources.databases.values()) if (`${db.dnsName}.` === q) return [db.host];
    for (const c of this.#sources.dbClusters.values()) {
      if (`${c.dnsName}.` === q) return [c.host];
      // One reader per A answer, in turn: a question of another type takes no reader's turn.
      if (`${c.readerDnsName}.` === q) return type === 'A' ? [c.nextReaderHost()] : [];
      for (const m of c.members) if (`${m.dnsName}.` === q) return [m.host];
    }
    return undefined;
  }
}
