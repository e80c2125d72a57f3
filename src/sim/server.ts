import { cloudFormationService } from './api/cloudformation.js';
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
import { ssmService } from './api/ssm.js';
import { stsService } from './api/sts.js';
import { ApiFaults, apiFaultSchema } from './api-faults.js';
import { databaseEngines } from './build/databases.js';
import { INPUT_CONSTRAINTS } from './protocol/constraints.js';
import { SimApiError } from './protocol/errors.js';
import { QueryParams } from './protocol/query.js';
import { credentialScope, GLOBAL_SERVICES, scopeRefusal } from './protocol/sigv4-scope.js';
import type { SimRequest, SimRoute, SimService, WireReply } from './protocol/reply.js';
import { validateInput } from './protocol/validate.js';
import { SimGlobe } from './globe.js';
import type { SimWorld } from './region.js';
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
  cloudformation: cloudFormationService,
  ssm: ssmService,
};

/** The operation a request names, or `fallback` when the service cannot read one. */
function routeOrNone(api: SimService<SimWorld>, request: SimRequest, fallback: SimRoute): SimRoute {
  try {
    return api.route(request);
  } catch {
    return fallback;
  }
}

/**
 * STS operations AWS serves without a signature: the caller has no AWS credentials yet, only a web identity or SAML
 * token (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html).
 */
const UNSIGNED_STS = new Set(['AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML']);

/**
 * Whose wire protocol an unsigned request speaks, so its refusal reads as that service's error: Route 53's REST path,
 * FIS's REST paths, CloudWatch's JSON target, EC2's API version; every other one is a query call.
 */
function unsignedServiceOf(request: SimRequest): string {
  if (request.path.startsWith('/2013-04-01/')) return 'route53';
  if (/^\/(experiments|experimentTemplates|actions|targetResourceTypes)(\/|$)/.test(request.path)) return 'fis';
  if (request.target !== undefined) return 'monitoring';
  return request.params.get('Version') === '2016-11-15' ? 'ec2' : 'sts';
}

export interface SimRegionOptions {
  topology: Topology;
  /** Divides every AWS duration. @defaultValue 1 */
  speed?: number;
  /** Seed of the timing draws; default random. */
  seed?: number;
  /** Port of the API endpoint on 127.0.0.1; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /**
   * Check requests against the model constraints before operations run. Off only for `scripts/sim-constraints.mjs`,
   * which finds the served operations by what an unvalidated region answers. @defaultValue true
   */
  validateInputs?: boolean;
}

/**
 * A simulated AWS region on loopback: one HTTP endpoint that routes on the SigV4 credential scope and speaks each
 * service's wire protocol, in front of a world whose instances, load balancers and groups really serve and recover.
 * It serves every Region of the topology (the top level's `region` and each of `regions`, `globe.ts`): a regional
 * service's call is served by the world of the Region it is signed for, one signed for a Region the world does not
 * hold is refused with AWS's `SignatureDoesNotMatch` (403), an unsigned one with `MissingAuthenticationToken` (403);
 * IAM, Route 53 and STS answer whatever region a call is signed for from the home Region's world, as AWS's global
 * endpoints do (see `protocol/sigv4-scope.ts`). `GET /_sim/regions` lists the Regions and their zones;
 * `/_sim/regions/<region>/impair` impairs (POST) or restores (DELETE) every zone of one.
 *
 * Also serves `GET /_sim/events` (ground truth), `GET /_sim/requests`, and `/_sim/faults` (POST arms throttling,
 * errors or timeouts for matching API requests; DELETE clears them), and
 * `POST /_sim/instances/<id>/workload?mode=refuse|error|hang|blackhole|up` (fails or restores an instance's workload),
 * and `GET /_sim/databases` (each database's status, and whether a client has made it start its engine).
 *
 * Readiness: `GET /_sim/outputs` answers 503 `{ ready: false, message, speed }` until the world has started and reached its
 * steady state once (every group in service, every target healthy, every database available, no alarm firing); from
 * then on it answers 200 `{ outputs, speed, seed, ready }` for the region's life, `ready` saying whether the world is
 * steady now (a fault under way makes it false, and the outputs stay valid). `GET /_sim/health` always answers 200
 * `{ ready }`, the steadiness now: clients poll it to wait for a recovery, and a 200 says the endpoint is a simulated
 * region at all.
 */
export class SimRegion {
  /** The home Region's world (the topology's top level), which also serves the global services. */
  readonly world: SimWorld;
  /** Every Region's world. */
  readonly globe: SimGlobe;
  readonly requests: SimRequestRecord[] = [];
  /** Throttling, errors and timeouts armed through `POST /_sim/faults`. */
  readonly apiFaults = new ApiFaults();
  readonly #server: Server;
  #endpoint = '';
  /** Whether the world has started (every listener bound) and been steady once: its outputs are then final. */
  #served = false;
  #started = false;
  #unsubscribe: () => void = () => undefined;

  #validateInputs = true;

  private constructor(globe: SimGlobe) {
    this.globe = globe;
    this.world = globe.home;
    // An idle keep-alive connection is kept a minute (assumed: AWS does not document its API endpoints' idle timeout).
    // Node's default, 5 s, closes it while an SDK client, whose agent keeps idle sockets indefinitely, may be sending
    // on it: the request fails with ECONNRESET, which a client with retries off reports.
    this.#server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => void this.#handle(req, res));
  }

  /**
   * Starts a region. Its loopback addresses (127.<net>.x.y) take a random second octet; when another region on the
   * machine already holds one of them (EADDRINUSE), it starts again on another, a few times.
   */
  static async start(options: SimRegionOptions): Promise<SimRegion> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await SimRegion.#startOnce(options);
      } catch (error) {
        const taken = error instanceof Error && /EADDRINUSE/.test(error.message) && !error.message.includes(`127.0.0.1:${options.port ?? 0}`);
        if (!taken || attempt >= 8) throw error;
      }
    }
  }

  static async #startOnce(options: SimRegionOptions): Promise<SimRegion> {
    const region = new SimRegion(new SimGlobe(options.topology, options.speed ?? 1, options.seed === undefined ? {} : { seed: options.seed }));
    region.#validateInputs = options.validateInputs ?? true;
    await new Promise<void>((resolve, reject) => {
      region.#server.once('error', reject);
      region.#server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    region.#endpoint = `http://127.0.0.1:${(region.#server.address() as AddressInfo).port}`;
    try {
      await region.globe.start();
      region.#started = true;
      // Steadiness is reached on a change of state (a target turning healthy, a group's instance in service).
      region.#unsubscribe = region.globe.truth.subscribe(() => region.#latchServed());
      region.#latchServed();
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

  /** The worlds of every Region, the home one first. */
  get worlds(): SimWorld[] {
    return [...this.globe.worlds.values()];
  }

  /** The world of a Region, or undefined when this world does not hold it. */
  worldOf(region: string): SimWorld | undefined {
    return this.globe.worldOf(region);
  }

  outputs(): Record<string, string> {
    return this.globe.outputs(this.#endpoint);
  }

  /** Whether `/_sim/outputs` serves the outputs: the world has started and been steady at least once. */
  #latchServed(): boolean {
    if (!this.#served && this.#started && this.globe.isReady()) {
      this.#served = true;
      this.#unsubscribe();
    }
    return this.#served;
  }

  async stop(): Promise<void> {
    this.#unsubscribe();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await this.globe.stop();
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
    const scope = credentialScope(req.headers.authorization, url.searchParams);
    const target = req.headers['x-amz-target'];
    const request: SimRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      body,
      params: new QueryParams(body),
      target: typeof target === 'string' ? target : undefined,
      caller: scope?.accessKeyId,
    };
    const service = scope?.service ?? unsignedServiceOf(request);
    const api = Object.hasOwn(SERVICES, service) ? SERVICES[service] : undefined;
    // An unknown service still answers in a query protocol's shape, which every SDK client can read.
    const writeError = api?.error ?? stsService.error;
    let route: SimRoute = { operation: request.params.action, path: [] };
    let reply: WireReply;
    let errorCode: string | undefined;
    try {
      if (api === undefined) throw new SimApiError('UnknownService', `The simulated region does not serve '${service}'.`, 400);
      const unsignedOk = scope === undefined && service === 'sts' && UNSIGNED_STS.has(request.params.action);
      // A regional call is served by the world of the Region it is signed for; a global service's by the home world.
      const regional = scope !== undefined && !GLOBAL_SERVICES.has(service) ? this.globe.worldOf(scope.region) : this.world;
      const refusal = unsignedOk ? undefined : scopeRefusal(scope, (regional ?? this.world).topology.region);
      if (refusal !== undefined) {
        // Authentication comes before the operation; its name is read only for the request log.
        route = routeOrNone(api, request, route);
        throw refusal;
      }
      route = api.route(request);
      const fault = this.apiFaults.take(service, route.operation);
      if (fault.kind === 'timeout') {
        // Held without an answer, then dropped: the client's own timeout decides.
        this.#record({ epochMs: Date.now(), service, action: route.operation, status: 0, errorCode: 'timeout' }, request.caller);
        const timer = setTimeout(() => res.destroy(), fault.delayMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      if (fault.kind === 'error') throw fault.error;
      if (this.#validateInputs) validateInput(INPUT_CONSTRAINTS, service, route.operation, request);
      reply = api.handle(regional ?? this.world, request, route);
    } catch (error) {
      const e = error instanceof SimApiError ? error : new SimApiError('InternalFailure', error instanceof Error ? error.message : String(error), 500, false);
      errorCode = e.code;
      reply = writeError(e, request);
    }
    this.#record(
      { epochMs: Date.now(), service, action: route.operation, status: reply.status, ...(errorCode === undefined ? {} : { errorCode }) },
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
   * `DELETE` restores what the control API impaired. `/_sim/regions/<region>/impair` does the same to every zone of a
   * Region at once: a Region outage.
   */
  #impair(
    method: string,
    path: string,
    target: { world: SimWorld; zones: readonly string[] },
    body: string,
    json: (status: number, reply: unknown) => void,
  ): void {
    const zones = target.world.az.zones;
    if (method === 'DELETE') {
      for (const zone of target.zones) zones.restore(zone);
      return json(200, { zones: zones.list() });
    }
    if (method !== 'POST') return json(405, { message: `use POST or DELETE on ${path}` });
    let faults: unknown;
    try {
      faults = body.trim() === '' ? {} : JSON.parse(body);
    } catch {
      return json(400, { message: `the body of POST ${path} is not JSON` });
    }
    if (typeof faults !== 'object' || faults === null || Array.isArray(faults)) return json(400, { message: 'the impairment must be a JSON object' });
    for (const [k, v] of Object.entries(faults)) {
      if (!['power', 'connectivity', 'capacity', 'startInstances'].includes(k))
        return json(400, { message: `'${k}' is not an impairment: use power, connectivity, capacity or startInstances` });
      if (typeof v !== 'boolean') return json(400, { message: `'${k}' must be true or false, not ${JSON.stringify(v)}` });
    }
    for (const zone of target.zones) zones.impair(zone, faults as Record<string, boolean>);
    return json(200, { zones: zones.list() });
  }

  /** Each Region with its zones' state and whether its world is steady (`GET /_sim/regions`). */
  #regions(): unknown[] {
    return this.worlds.map((w) => ({
      region: w.topology.region,
      home: w === this.world,
      ready: w.isReady(),
      zones: w.az.zones.list(),
    }));
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
      const instance = this.worlds.map((w) => w.instances.get(workload[1] ?? '')).find((i) => i !== undefined);
      if (instance === undefined) return json(404, { message: `no instance ${workload[1] ?? ''} in this region` });
      if (method !== 'POST') return json(405, { message: 'use POST' });
      const mode = url.searchParams.get('mode') ?? '';
      if (mode === 'up') return void instance.workload.up().then(() => json(200, { up: true }));
      if (mode !== 'refuse' && mode !== 'error' && mode !== 'hang' && mode !== 'blackhole') {
        return json(400, { message: `mode '${mode}' of ${url.pathname} is not one of refuse, error, hang, blackhole, up` });
      }
      return void instance.workload.down(mode).then(() => json(200, { up: false, mode }));
    }
    if (url.pathname === '/_sim/zones') return json(200, { zones: this.worlds.flatMap((w) => w.az.zones.list()) });
    if (url.pathname === '/_sim/regions') return json(200, { regions: this.#regions() });
    const impair = /^\/_sim\/zones\/([^/]+)\/impair$/.exec(url.pathname);
    if (impair !== null) {
      const zone = decodeURIComponent(impair[1] ?? '');
      const world = this.globe.worldOfZone(zone);
      if (world === undefined)
        return json(404, { message: `'${zone}' is not an Availability Zone of this world (${this.worlds.flatMap((w) => w.zones).join(', ')}).` });
      return this.#impair(method, url.pathname, { world, zones: [zone] }, body, json);
    }
    const regionImpair = /^\/_sim\/regions\/([^/]+)\/impair$/.exec(url.pathname);
    if (regionImpair !== null) {
      const name = decodeURIComponent(regionImpair[1] ?? '');
      const world = this.globe.worldOf(name);
      if (world === undefined) return json(404, { message: `'${name}' is not a Region of this world (${[...this.globe.worlds.keys()].join(', ')}).` });
      return this.#impair(method, url.pathname, { world, zones: world.zones }, body, json);
    }
    switch (url.pathname) {
      case '/_sim/events':
        return json(200, { events: this.globe.truth.since(Number(url.searchParams.get('since') ?? '0')) });
      case '/_sim/outputs': {
        if (!this.#latchServed())
          return json(503, {
            ready: false,
            speed: this.speed,
            message: this.#started ? 'The simulated region is starting: not every resource is in its steady state yet.' : 'The simulated region is booting.',
          });
        return json(200, { outputs: this.outputs(), speed: this.speed, seed: this.world.durations.seed, ready: this.globe.isReady() });
      }
      case '/_sim/requests':
        return json(200, { requests: this.requests });
      case '/_sim/health':
        return json(200, { ready: this.#started && this.globe.isReady() });
      case '/_sim/databases':
        return json(200, { databases: this.worlds.flatMap((w) => databaseEngines(w)) });
      default:
        return json(404, { message: `no such control path ${url.pathname}` });
    }
  }
}
