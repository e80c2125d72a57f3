import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { ClientLocations } from '../clients.js';
import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';
import type { SimScheduler } from '../timing.js';
import type { SimTargetGroup, TargetEntry } from './target-group.js';

/** A load balancer node: one per enabled zone, each on its own address, all serving through the same target group. */
export interface LoadBalancerNode {
  readonly zone: string;
  readonly address: string;
  server: Server | undefined;
  /** The node's zone has lost power or connectivity: requests to it hang. */
  dark: boolean;
  /** Whether the load balancer's DNS name answers the node's address. */
  inDns: boolean;
  /** A pending removal from (or return to) DNS. */
  timer: NodeJS.Timeout | undefined;
}

/** How an impaired node leaves DNS and a recovered one returns: AWS ms drawn per occurrence (timing `elbNodeDnsRemoval`). */
export interface NodeDnsTiming {
  scheduler: SimScheduler;
  draw(): number;
  /** The set of addresses the DNS name answers changed. */
  changed(): void;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** How long the load balancer waits on a target, AWS ms (timings `albConnectTimeout`, `albIdleTimeout`). */
export interface LoadBalancerTimeouts {
  /** A target that does not accept the connection within this answers 504. */
  connect: number;
  /** A target that accepted but sends nothing within this answers 504. */
  idle: number;
}

/**
 * The attributes DescribeLoadBalancerAttributes lists for an Application Load Balancer, at their defaults
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html). Cross-zone
 * load balancing and the idle timeout are the load balancer's own.
 */
const LOAD_BALANCER_ATTRIBUTE_DEFAULTS: Readonly<Record<string, string>> = {
  'access_logs.s3.enabled': 'false',
  'access_logs.s3.bucket': '',
  'access_logs.s3.prefix': '',
  'deletion_protection.enabled': 'false',
  'routing.http2.enabled': 'true',
  'routing.http.drop_invalid_header_fields.enabled': 'false',
  'routing.http.xff_client_port.enabled': 'false',
  'routing.http.preserve_host_header.enabled': 'false',
  'routing.http.xff_header_processing.mode': 'append',
  'routing.http.desync_mitigation_mode': 'defensive',
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': 'false',
  'client_keep_alive.seconds': '3600',
  'waf.fail_open.enabled': 'false',
  'connection_logs.s3.enabled': 'false',
  'connection_logs.s3.bucket': '',
  'connection_logs.s3.prefix': '',
  'health_check_logs.s3.enabled': 'false',
  'health_check_logs.s3.bucket': '',
  'health_check_logs.s3.prefix': '',
  'zonal_shift.config.enabled': 'false',
  'ipv6.deny_all_igw_traffic': 'false',
};

const IDLE_TIMEOUT = 'idle_timeout.timeout_seconds';
const CROSS_ZONE = 'load_balancing.cross_zone.enabled';
const isBool = (v: string): boolean => v === 'true' || v === 'false';
const intIn = (lo: number, hi: number) => (v: string) => /^\d+$/.test(v) && Number(v) >= lo && Number(v) <= hi;

/** What ModifyLoadBalancerAttributes accepts for each attribute, as the API reference states it. */
const LOAD_BALANCER_ATTRIBUTE_VALUES: Readonly<Record<string, (v: string) => boolean>> = {
  [IDLE_TIMEOUT]: intIn(1, 4000),
  'deletion_protection.enabled': isBool,
  'access_logs.s3.enabled': (v) => v === 'false',
  'access_logs.s3.prefix': () => true,
  'routing.http2.enabled': isBool,
  'routing.http.drop_invalid_header_fields.enabled': isBool,
  'routing.http.xff_client_port.enabled': isBool,
  'routing.http.preserve_host_header.enabled': isBool,
  'routing.http.xff_header_processing.mode': (v) => ['append', 'preserve', 'remove'].includes(v),
  'routing.http.desync_mitigation_mode': (v) => ['monitor', 'defensive', 'strictest'].includes(v),
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': isBool,
  'client_keep_alive.seconds': intIn(60, 604800),
  'waf.fail_open.enabled': isBool,
  'zonal_shift.config.enabled': isBool,
};

/**
 * An Application Load Balancer: a real HTTP listener on loopback that forwards each request to a routable target of
 * its target group, round robin, across zones or within the zone of the node that took the request. As the ALB
 * troubleshooting guide has it (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html):
 * 502 when the target resets or refuses the connection, 504 when the connection is not established before the
 * connect timeout (10 s) or the target sends nothing before the idle timeout, 503 when there is no registered target.
 * Both timeouts are AWS time, run at the region's speed.
 */
export class SimLoadBalancer {
  readonly name: string;
  readonly arn: string;
  readonly dnsName: string;
  readonly availabilityZones: string[];
  readonly subnetIds: string[];
  readonly vpcId: string;
  readonly crossZone: boolean;
  readonly targetGroup: SimTargetGroup;
  readonly createdTime = new Date();
  readonly tags = new Map<string, string>();
  readonly #attributes = new Map<string, string>(Object.entries(LOAD_BALANCER_ATTRIBUTE_DEFAULTS));
  readonly #truth: GroundTruth;
  readonly #scheduler: SimScheduler;
  readonly #timeouts: LoadBalancerTimeouts;
  readonly #pools = new Map<string, Pool>();
  /** CloudWatch counters (AWS/ApplicationELB), running totals since the start; alarms read their increase per period. */
  readonly metrics = { RequestCount: 0, HTTPCode_ELB_5XX_Count: 0, HTTPCode_Target_5XX_Count: 0 };
  /** Loopback address the listener binds. */
  readonly address: string;
  #port = 0;
  #next = 0;
  #nextZone = 0;
  #healthy = -1;
  /** The nodes, by zone, in the order of `availabilityZones`; the first listens on `address`. */
  readonly nodes: LoadBalancerNode[];
  readonly #dns: NodeDnsTiming | undefined;
  /**
   * What a client location's latency table is read at for this load balancer: its Region (a load balancer in Local
   * Zones would name their zone group).
   */
  readonly latencyKey: string;
  readonly #clients: ClientLocations;

  constructor(options: {
    name: string;
    arn: string;
    dnsName: string;
    availabilityZones: string[];
    subnetIds: string[];
    vpcId: string;
    crossZone: boolean;
    targetGroup: SimTargetGroup;
    truth: GroundTruth;
    scheduler: SimScheduler;
    timeouts: LoadBalancerTimeouts;
    port?: number;
    /** @defaultValue '127.0.0.1' */
    address?: string;
    /** The address of the node in each zone after the first (which listens on `address`). */
    nodeAddress?: (zone: string) => string;
    dns?: NodeDnsTiming;
    /** The Region (or Local Zone group) the clients' latency tables are read at. */
    latencyKey: string;
    /** Where clients are, told apart by the address they connect from. */
    clients?: ClientLocations;
  }) {
    this.name = options.name;
    this.arn = options.arn;
    this.dnsName = options.dnsName;
    this.availabilityZones = options.availabilityZones;
    this.subnetIds = options.subnetIds;
    this.vpcId = options.vpcId;
    this.crossZone = options.crossZone;
    this.targetGroup = options.targetGroup;
    this.#truth = options.truth;
    this.#scheduler = options.scheduler;
    this.#timeouts = options.timeouts;
    this.#port = options.port ?? 0;
    this.address = options.address ?? '127.0.0.1';
    options.targetGroup.loadBalancerArns.push(this.arn);
    this.#dns = options.dns;
    this.latencyKey = options.latencyKey;
    this.#clients = options.clients ?? new ClientLocations([]);
    this.nodes = this.availabilityZones.map((zone, i) => ({
      zone,
      address: i === 0 || options.nodeAddress === undefined ? this.address : options.nodeAddress(zone),
      server: undefined,
      dark: false,
      inDns: true,
      timer: undefined,
    }));
  }

  /** The load balancer's attributes as DescribeLoadBalancerAttributes lists them. */
  attributes(): { Key: string; Value: string }[] {
    return [
      { Key: IDLE_TIMEOUT, Value: String(Math.round(this.#timeouts.idle / 1000)) },
      { Key: CROSS_ZONE, Value: String(this.crossZone) },
      ...[...this.#attributes].map(([Key, Value]) => ({ Key, Value })),
    ];
  }

  /**
   * ModifyLoadBalancerAttributes: all are checked before any is stored. The idle timeout takes effect on the next
   * connection to a target. Access logs need an S3 bucket, which the region does not have, so they stay off; cross-zone
   * load balancing "can't be changed" on an Application Load Balancer.
   */
  setAttributes(attributes: { Key: string; Value: string }[]): void {
    for (const { Key, Value } of attributes) {
      const accepts = LOAD_BALANCER_ATTRIBUTE_VALUES[Key];
      // AWS's wording for these errors is assumed; the code is the model's (InvalidConfigurationRequest).
      if (accepts === undefined)
        throw new SimApiError('InvalidConfigurationRequest', `Load balancer attribute key '${Key}' is not supported on load balancers with type 'application'`);
      if (!accepts(Value)) throw new SimApiError('InvalidConfigurationRequest', `'${Value}' is not a valid value for load balancer attribute '${Key}'`);
    }
    for (const { Key, Value } of attributes) {
      if (Key !== IDLE_TIMEOUT) {
        this.#attributes.set(Key, Value);
        continue;
      }
      this.#timeouts.idle = Number(Value) * 1000;
      for (const pool of this.#pools.values()) void pool.close();
      this.#pools.clear();
    }
  }

  /** The addresses the load balancer's DNS name answers: one per node in DNS. */
  dnsAddresses(): string[] {
    return [...new Set(this.nodes.filter((n) => n.inDns).map((n) => n.address))];
  }

  /**
   * The node's zone lost (or regained) power or connectivity: the node hangs every request at once, and leaves DNS
   * (or returns to it) after `elbNodeDnsRemoval`, as ELB's own health checks of its nodes notice.
   */
  setZoneDark(zone: string, dark: boolean): void {
    for (const node of this.nodes) {
      if (node.zone !== zone || node.dark === dark) continue;
      node.dark = dark;
      this.#truth.record({
        kind: 'workload',
        resource: `alb/${this.name}/${zone}`,
        from: dark ? 'serving' : 'hanging',
        to: dark ? 'hanging' : 'serving',
        detail: { address: node.address },
      });
      if (this.#dns === undefined) continue;
      const dns = this.#dns;
      dns.scheduler.cancel(node.timer);
      node.timer =
        node.inDns === !dark
          ? undefined
          : dns.scheduler.after(dns.draw(), () => {
              node.timer = undefined;
              node.inDns = !node.dark;
              dns.changed();
            });
    }
  }

  /** The listener's URL on loopback (`address`, 127.0.0.1 unless the topology gives another). */
  get url(): string {
    return `http://${this.address}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  /**
   * Starts listening. `preferredPort` applies when the topology left the port free: ALBs on different addresses share
   * one port, as every ALB of AWS listens on the same port, so a name that fails over between sites keeps its port.
   * A preferred port that is taken falls back to a free one.
   */
  async start(preferredPort = 0): Promise<void> {
    const listen = (address: string, port: number): Promise<Server> =>
      new Promise<Server>((resolve, reject) => {
        const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => this.#forward(node(address), req, res));
        server.once('error', reject);
        server.listen(port, address, () => {
          server.off('error', reject);
          resolve(server);
        });
      });
    const node = (address: string): LoadBalancerNode => this.nodes.find((n) => n.address === address) as LoadBalancerNode;
    const first = this.nodes[0] as LoadBalancerNode;
    first.server =
      this.#port === 0 && preferredPort !== 0
        ? await listen(first.address, preferredPort).catch(() => listen(first.address, 0))
        : await listen(first.address, this.#port);
    this.#port = (first.server.address() as AddressInfo).port;
    // Every node listens on the same port: DNS gives clients an address, never a port.
    for (const n of this.nodes) if (n.server === undefined && n.address !== first.address) n.server = await listen(n.address, this.#port);
    this.capacityChanged();
  }

  async stop(): Promise<void> {
    for (const n of this.nodes) {
      this.#dns?.scheduler.cancel(n.timer);
      const server = n.server;
      n.server = undefined;
      if (server === undefined) continue;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    await Promise.all([...this.#pools.values()].map((p) => p.destroy()));
    this.#pools.clear();
  }

  /** Records the serving capacity (healthy targets) whenever it changes. */
  capacityChanged(): void {
    const healthy = this.targetGroup.healthyCount();
    if (healthy === this.#healthy) return;
    const from = this.#healthy;
    this.#healthy = healthy;
    this.#truth.record({ kind: 'alb-capacity', resource: this.name, from: from < 0 ? undefined : String(from), to: String(healthy) });
  }

  #pick(): TargetEntry | undefined {
    const targets = this.targetGroup.routable();
    if (targets.length === 0) return undefined;
    if (this.crossZone) return targets[this.#next++ % targets.length];
    // Without cross-zone load balancing each zone's node serves only its own zone's targets; DNS spreads clients
    // over the nodes of the zones that have targets.
    const zones = this.availabilityZones.filter((z) => targets.some((t) => t.instance.spec.availabilityZone === z));
    const zone = zones[this.#nextZone++ % zones.length];
    const local = targets.filter((t) => t.instance.spec.availabilityZone === zone);
    return local[this.#next++ % local.length];
  }

  /**
   * A client at a known location is answered one round trip later: its location's latency to `latencyKey`, as the
   * topology's table gives it (an assumption standing in for the real network; a location whose table does not name
   * the Region adds nothing). The round trip is network time a user sees on every request, not an AWS duration, so
   * it is not divided by the region's speed: probes report latency in wall ms, and a probe's latency is the table's
   * figure plus the sim's own overhead at any speed. A client without a location waits for nothing.
   */
  #forward(node: LoadBalancerNode, req: IncomingMessage, res: ServerResponse): void {
    const location = this.#clients.fromAddress(req.socket.remoteAddress);
    const rtt = location === undefined ? undefined : ClientLocations.latency(location, this.latencyKey);
    if (rtt === undefined || rtt <= 0) {
      this.#serve(node, req, res);
      return;
    }
    // The scheduler counts AWS ms; rtt × speed of them is rtt wall ms, and the timer is cleared with the region.
    const timer = this.#scheduler.after(rtt * this.#scheduler.speed, () => {
      if (!res.destroyed) this.#serve(node, req, res);
    });
    res.on('close', () => this.#scheduler.cancel(timer));
  }

  #serve(node: LoadBalancerNode, req: IncomingMessage, res: ServerResponse): void {
    // A node in a dark zone neither answers nor resets: the client's own timeout decides.
    if (node.dark) return;
    this.metrics.RequestCount++;
    const target = this.#pick();
    if (target === undefined) {
      this.#fail(res, 503, '503 Service Temporarily Unavailable');
      return;
    }
    if (!target.instance.workload.reachable) {
      // The network drops the SYN: no connection before the connect timeout.
      const timer = this.#scheduler.after(this.#timeouts.connect, () => this.#fail(res, 504, '504 Gateway Time-out'));
      res.on('close', () => this.#scheduler.cancel(timer));
      return;
    }
    const origin = `http://${target.instance.spec.privateIp}:${target.port}`;
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      const idle = Math.max(1, Math.round(this.#scheduler.wall(this.#timeouts.idle)));
      pool = new Pool(origin, {
        connections: 64,
        connect: { timeout: Math.max(1, Math.round(this.#scheduler.wall(this.#timeouts.connect))) },
        keepAliveTimeout: idle,
        headersTimeout: idle,
        bodyTimeout: idle,
      });
      this.#pools.set(origin, pool);
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && k !== 'host') headers[k] = v;
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
    headers['x-amzn-trace-id'] = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${target.instance.id}`;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    pool
      .request({ path: req.url ?? '/', method: (req.method ?? 'GET') as 'GET', headers, body: hasBody ? req : null })
      .then((upstream) => {
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(upstream.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
        if (upstream.statusCode >= 500) this.metrics.HTTPCode_Target_5XX_Count++;
        res.writeHead(upstream.statusCode, out);
        upstream.body.pipe(res);
        upstream.body.on('error', () => res.destroy());
      })
      .catch((error: { code?: string }) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // A connect or idle timeout is a 504; a reset, a refusal or a malformed answer is a 502.
        if ((error.code ?? '').includes('TIMEOUT')) this.#fail(res, 504, '504 Gateway Time-out');
        else this.#fail(res, 502, '502 Bad Gateway');
      });
  }

  /** An error the load balancer generates itself (HTTPCode_ELB_5XX_Count). */
  #fail(res: ServerResponse, status: 502 | 503 | 504, title: string): void {
    if (res.headersSent || res.destroyed) return;
    this.metrics.HTTPCode_ELB_5XX_Count++;
    res.writeHead(status, { 'content-type': 'text/html' }).end(`<html><body><h1>${title}</h1></body></html>\n`);
  }
}
