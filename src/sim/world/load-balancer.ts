import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import type { GroundTruth } from '../ground-truth.js';
import type { SimTargetGroup, TargetEntry } from './target-group.js';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer']);

/**
 * An Application Load Balancer: a real HTTP listener on loopback that forwards each request to a routable target of
 * its target group, round robin, across zones or within the zone of the node that took the request.
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
      this.metrics.HTTPCode_ELB_5XX_Count++;
      res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n');
      return;
    }
    const origin = `http://${target.instance.spec.privateIp}:${target.port}`;
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, { connections: 64, keepAliveTimeout: 60_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
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
        const timeout = (error.code ?? '').includes('TIMEOUT');
        this.metrics.HTTPCode_ELB_5XX_Count++;
        res
          .writeHead(timeout ? 504 : 502, { 'content-type': 'text/html' })
          .end(timeout ? '<html><body><h1>504 Gateway Time-out</h1></body></html>\n' : '<html><body><h1>502 Bad Gateway</h1></body></html>\n');
      });
  }
}
