import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { GroundTruth } from '../ground-truth.js';
import type { SimScheduler } from '../timing.js';
import type { SimTargetGroup, TargetEntry } from './target-group.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/** How long the load balancer waits on a target, AWS ms (timings `albConnectTimeout`, `albIdleTimeout`). */
export interface LoadBalancerTimeouts {
  /** A target that does not accept the connection within this answers 504. */
  connect: number;
  /** A target that accepted but sends nothing within this answers 504. */
  idle: number;
}

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
  readonly #truth: GroundTruth;
  readonly #scheduler: SimScheduler;
  readonly #timeouts: LoadBalancerTimeouts;
  readonly #pools = new Map<string, Pool>();
  /** CloudWatch counters (AWS/ApplicationELB), running totals since the start; alarms read their increase per period. */
  readonly metrics = { RequestCount: 0, HTTPCode_ELB_5XX_Count: 0, HTTPCode_Target_5XX_Count: 0 };
  /** Loopback address the listener binds. */
  readonly address: string;
  #server: Server | undefined;
  #port = 0;
  #next = 0;
  #nextZone = 0;
  #healthy = -1;

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
    const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => this.#forward(req, res));
    const listen = (port: number): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, this.address, () => {
          server.off('error', reject);
          resolve();
        });
      });
    if (this.#port === 0 && preferredPort !== 0) await listen(preferredPort).catch(() => listen(0));
    else await listen(this.#port);
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
    this.capacityChanged();
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server !== undefined) {
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

  #forward(req: IncomingMessage, res: ServerResponse): void {
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
