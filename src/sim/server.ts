import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { autoScalingService } from './api/autoscaling.js';
import { cloudWatchService } from './api/cloudwatch.js';
import { ec2Service } from './api/ec2.js';
import { elbv2Service } from './api/elbv2.js';
import { fisService } from './api/fis.js';
import { iamService } from './api/iam.js';
import { rdsService } from './api/rds.js';
import { route53Service } from './api/route53.js';
import { stsService } from './api/sts.js';
import { ApiFaults, apiFaultSchema } from './api-faults.js';
import { SimApiError } from './protocol/errors.js';
import { QueryParams } from './protocol/query.js';
import type { SimRequest, SimRoute, SimService, WireReply } from './protocol/reply.js';
import { SimWorld } from './region.js';
import type { Topology } from './topology.js';

/** One API call the region answered: the sim's request log (tests prove "no mutating call" from it). */
export interface SimRequestRecord {
  epochMs: number;
  service: string;
  action: string;
  status: number;
  errorCode?: string;
  /** The access key id the request was signed with (which credentials a client used). */
  accessKeyId?: string;
}

/** The services of the region by their SigV4 signing name; each protocol reads its own requests. */
const SERVICES: Readonly<Record<string, SimService<SimWorld>>> = {
  ec2: ec2Service,
  autoscaling: autoScalingService,
  elasticloadbalancing: elbv2Service,
  rds: rdsService,
  sts: stsService,
  iam: iamService,
  monitoring: cloudWatchService,
  fis: fisService,
  route53: route53Service,
};

/** The service a request is for, from its SigV4 credential scope: `Credential=AKID/date/region/<service>/aws4_request`. */
/** The access key id a SigV4 request was signed with. */
function accessKeyOf(req: IncomingMessage): string | undefined {
  return /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
}

export function serviceOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization ?? '';
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(auth)?.[1];
}

export interface SimRegionOptions {
  topology: Topology;
  /** Divides every AWS duration. @defaultValue 1 */
  speed?: number;
  /** Seed of the timing draws; default random. */
  seed?: number;
  /** Port of the API endpoint on 127.0.0.1; 0 picks a free one. @defaultValue 0 */
  port?: number;
}

/**
 * A simulated AWS region on loopback: one HTTP endpoint that routes on the SigV4 credential scope and speaks each
 * service's wire protocol, in front of a world whose instances, load balancers and groups really serve and recover.
 * Also serves `GET /_sim/events` (ground truth), `GET /_sim/outputs`, `GET /_sim/requests`, and `/_sim/faults`
 * (POST arms throttling, errors or timeouts for matching API requests; DELETE clears them), and
 * `POST /_sim/instances/<id>/workload?mode=refuse|error|hang|blackhole|up` (fails or restores an instance's workload).
 */
export class SimRegion {
  readonly world: SimWorld;
  readonly requests: SimRequestRecord[] = [];
  /** Throttling, errors and timeouts armed through `POST /_sim/faults`. */
  readonly apiFaults = new ApiFaults();
  readonly #server: Server;
  #endpoint = '';

  private constructor(world: SimWorld) {
    this.world = world;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(options: SimRegionOptions): Promise<SimRegion> {
    const region = new SimRegion(new SimWorld(options.topology, options.speed ?? 1, options.seed === undefined ? {} : { seed: options.seed }));
    await new Promise<void>((resolve, reject) => {
      region.#server.once('error', reject);
      region.#server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    region.#endpoint = `http://127.0.0.1:${(region.#server.address() as AddressInfo).port}`;
    try {
      await region.world.start();
    } catch (error) {
      await region.stop();
      throw error;
    }
    return region;
  }

  get endpoint(): string {
    return this.#endpoint;
  }

  get speed(): number {
    return this.world.scheduler.speed;
  }

  outputs(): Record<string, string> {
    return this.world.outputs(this.#endpoint);
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await this.world.stop();
    await closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (url.pathname.startsWith('/_sim/')) {
      this.#control(req.method ?? 'GET', url, body, res);
      return;
    }
    const service = serviceOf(req);
    const target = req.headers['x-amz-target'];
    const request: SimRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      body,
      params: new QueryParams(body),
      target: typeof target === 'string' ? target : undefined,
      caller: accessKeyOf(req),
    };
    const api = service === undefined ? undefined : SERVICES[service];
    // An unknown service still answers in a query protocol's shape, which every SDK client can read.
    const writeError = api?.error ?? stsService.error;
    let route: SimRoute = { operation: request.params.action, path: [] };
    let reply: WireReply;
    let errorCode: string | undefined;
    try {
      if (api === undefined) throw new SimApiError('UnknownService', `The simulated region does not serve '${service ?? 'an unsigned request'}'.`, 400);
      route = api.route(request);
      const fault = this.apiFaults.take(service ?? '', route.operation);
      if (fault.kind === 'timeout') {
        // Held without an answer, then dropped: the client's own timeout decides.
        this.#record({ epochMs: Date.now(), service: service ?? '', action: route.operation, status: 0, errorCode: 'timeout' }, request.caller);
        const timer = setTimeout(() => res.destroy(), fault.delayMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      if (fault.kind === 'error') throw fault.error;
      reply = api.handle(this.world, request, route);
    } catch (error) {
      const e = error instanceof SimApiError ? error : new SimApiError('InternalFailure', error instanceof Error ? error.message : String(error), 500, false);
      errorCode = e.code;
      reply = writeError(e, request);
    }
    this.#record(
      { epochMs: Date.now(), service: service ?? '', action: route.operation, status: reply.status, ...(errorCode === undefined ? {} : { errorCode }) },
      request.caller,
    );
    this.#send(res, reply);
  }

  #record(entry: Omit<SimRequestRecord, 'accessKeyId'>, caller: string | undefined): void {
    this.requests.push(caller === undefined ? entry : { ...entry, accessKeyId: caller });
  }

  #send(res: ServerResponse, reply: WireReply): void {
    res.writeHead(reply.status, {
      ...reply.headers,
      'content-type': reply.contentType,
      'x-amzn-requestid': reply.requestId,
      'content-length': Buffer.byteLength(reply.body),
    });
    res.end(reply.body);
  }

  /**
   * `POST /_sim/zones/<zone>/impair` with `{ power?, connectivity?, capacity?, startInstances? }` (each fault defaults
   * to true; `startInstances`, whether the zone's stopped instances start when power returns, too) impairs a zone;
   * `DELETE` restores what the control API impaired.
   */
  #impair(method: string, zone: string, body: string, json: (status: number, reply: unknown) => void): void {
    const zones = this.world.az.zones;
    if (!this.world.zones.includes(zone))
      return json(404, { message: `'${zone}' is not an Availability Zone of this region (${this.world.zones.join(', ')}).` });
    if (method === 'DELETE') {
      zones.restore(zone);
      return json(200, { zones: zones.list() });
    }
    if (method !== 'POST') return json(405, { message: `use POST or DELETE on /_sim/zones/${zone}/impair` });
    let faults: unknown;
    try {
      faults = body.trim() === '' ? {} : JSON.parse(body);
    } catch {
      return json(400, { message: `the body of POST /_sim/zones/${zone}/impair is not JSON` });
    }
    if (typeof faults !== 'object' || faults === null || Array.isArray(faults)) return json(400, { message: 'the impairment must be a JSON object' });
    for (const [k, v] of Object.entries(faults)) {
      if (!['power', 'connectivity', 'capacity', 'startInstances'].includes(k))
        return json(400, { message: `'${k}' is not an impairment: use power, connectivity, capacity or startInstances` });
      if (typeof v !== 'boolean') return json(400, { message: `'${k}' must be true or false, not ${JSON.stringify(v)}` });
    }
    zones.impair(zone, faults as Record<string, boolean>);
    return json(200, { zones: zones.list() });
  }

  #control(method: string, url: URL, body: string, res: ServerResponse): void {
    const json = (status: number, reply: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    };
    if (url.pathname === '/_sim/faults') {
      if (method === 'DELETE') this.apiFaults.clear();
      else if (method === 'POST') {
        let parsed: ReturnType<typeof apiFaultSchema.safeParse>;
        try {
          parsed = apiFaultSchema.safeParse(JSON.parse(body));
        } catch {
          return json(400, { message: 'the body is not JSON' });
        }
        if (!parsed.success) return json(400, { message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
        this.apiFaults.arm(parsed.data);
      }
      return json(200, { faults: this.apiFaults.list() });
    }
    const workload = /^\/_sim\/instances\/([^/]+)\/workload$/.exec(url.pathname);
    if (workload !== null) {
      // Fails an instance's application or its network the way a user's fault would, for tests and demos.
      const instance = this.world.instances.get(workload[1] ?? '');
      if (instance === undefined) return json(404, { message: `no instance ${workload[1] ?? ''} in this region` });
      if (method !== 'POST') return json(405, { message: 'use POST' });
      const mode = url.searchParams.get('mode') ?? '';
      if (mode === 'up') return void instance.workload.up().then(() => json(200, { up: true }));
      if (mode !== 'refuse' && mode !== 'error' && mode !== 'hang' && mode !== 'blackhole') {
        return json(400, { message: `mode '${mode}' of ${url.pathname} is not one of refuse, error, hang, blackhole, up` });
      }
      return void instance.workload.down(mode).then(() => json(200, { up: false, mode }));
    }
    if (url.pathname === '/_sim/zones') return json(200, { zones: this.world.az.zones.list() });
    const impair = /^\/_sim\/zones\/([^/]+)\/impair$/.exec(url.pathname);
    if (impair !== null) return this.#impair(method, decodeURIComponent(impair[1] ?? ''), body, json);
    switch (url.pathname) {
      case '/_sim/events':
        return json(200, { events: this.world.truth.since(Number(url.searchParams.get('since') ?? '0')) });
      case '/_sim/outputs':
        return json(200, { outputs: this.outputs(), speed: this.speed, seed: this.world.durations.seed, ready: this.world.isReady() });
      case '/_sim/requests':
        return json(200, { requests: this.requests });
      case '/_sim/health':
        return json(200, { ready: this.world.isReady() });
      default:
        return json(404, { message: `no such control path ${url.pathname}` });
    }
  }
}
