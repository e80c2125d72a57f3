import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { autoScalingApi, AUTOSCALING_NS } from './api/autoscaling.js';
import { ec2Api } from './api/ec2.js';
import { elbv2Api, ELBV2_NS } from './api/elbv2.js';
import { rdsApi, RDS_NS } from './api/rds.js';
import { ApiFaults, apiFaultSchema } from './api-faults.js';
import { cloudWatchApi, cloudWatchError, cloudWatchOperation, type JsonReply } from './api/cloudwatch.js';
import { fisApi, fisError, fisOperation } from './api/fis.js';
import { route53Api, route53Error, route53Operation, type RestXmlReply } from './api/route53.js';
import { stsApi, STS_NS } from './api/sts.js';
import { iamApi, IAM_NS } from './api/iam.js';
import { SimApiError } from './protocol/errors.js';
import { QueryParams } from './protocol/query.js';
import { ec2Error, queryError, type XmlReply } from './protocol/xml.js';
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

/** A query service's handler; `caller` is the access key id the request was signed with. */
type Handler = (world: SimWorld, params: QueryParams, caller: string | undefined) => XmlReply;

const QUERY_SERVICES: Record<string, { handler: Handler; error: (e: SimApiError) => XmlReply }> = {
  ec2: { handler: ec2Api, error: ec2Error },
  autoscaling: { handler: autoScalingApi, error: (e) => queryError(AUTOSCALING_NS, e) },
  elasticloadbalancing: { handler: elbv2Api, error: (e) => queryError(ELBV2_NS, e) },
  rds: { handler: rdsApi, error: (e) => queryError(RDS_NS, e) },
  sts: { handler: (world, params, caller) => stsApi(world, params, caller), error: (e) => queryError(STS_NS, e) },
  iam: { handler: iamApi, error: (e) => queryError(IAM_NS, e) },
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
  /** Port of the API endpoint on 127.0.0.1; 0 picks a free one. @defaultValue 0 */
  port?: number;
}

/**
 * A simulated AWS region on loopback: one HTTP endpoint that routes on the SigV4 credential scope and speaks each
 * service's wire protocol, in front of a world whose instances, load balancers and groups really serve and recover.
 * Also serves `GET /_sim/events` (ground truth), `GET /_sim/outputs`, `GET /_sim/requests`, and `/_sim/faults`
 * (POST arms throttling, errors or timeouts for matching API requests; DELETE clears them).
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
    const region = new SimRegion(new SimWorld(options.topology, options.speed ?? 1));
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
    const caller = accessKeyOf(req);
    const params = new QueryParams(body);
    const target = req.headers['x-amz-target'];
    const action =
      service === 'route53'
        ? route53Operation(req.method ?? 'GET', url.pathname)
        : service === 'monitoring'
          ? cloudWatchOperation(typeof target === 'string' ? target : undefined)
          : service === 'fis'
            ? fisOperation(req.method ?? 'GET', url.pathname)
            : params.action;
    const fault = this.apiFaults.take(service ?? '', action);
    if (fault.kind === 'timeout') {
      // Held without an answer, then dropped: the client's own timeout decides.
      this.#record({ epochMs: Date.now(), service: service ?? '', action, status: 0, errorCode: 'timeout' }, caller);
      const timer = setTimeout(() => res.destroy(), fault.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    if (fault.kind === 'error') {
      this.#record({ epochMs: Date.now(), service: service ?? '', action, status: fault.error.status, errorCode: fault.error.code }, caller);
      const api = service === undefined ? undefined : QUERY_SERVICES[service];
      this.#send(res, service === 'route53' ? route53Error(fault.error) : service === 'monitoring' ? cloudWatchError(fault.error) : service === 'fis' ? fisError(fault.error) : (api?.error ?? ((e: SimApiError) => queryError(STS_NS, e)))(fault.error));
      return;
    }
    if (service === 'monitoring' || service === 'fis') {
      // The JSON protocols: CloudWatch (awsJson1_0) and FIS (restJson1).
      let answer: JsonReply;
      let errorCode: string | undefined;
      try {
        answer = service === 'fis' ? fisApi(this.world, req.method ?? 'GET', url.pathname, body) : cloudWatchApi(this.world, action, body);
      } catch (error) {
        const e = error instanceof SimApiError ? error : new SimApiError('InternalFailure', error instanceof Error ? error.message : String(error), 500, false);
        errorCode = e.code;
        answer = service === 'fis' ? fisError(e) : cloudWatchError(e);
      }
      this.#record({ epochMs: Date.now(), service, action, status: answer.status, ...(errorCode === undefined ? {} : { errorCode }) }, caller);
      this.#send(res, answer);
      return;
    }
    if (service === 'route53') {
      this.#route53(req.method ?? 'GET', url, body, res, caller);
      return;
    }
    const api = service === undefined ? undefined : QUERY_SERVICES[service];
    let reply: XmlReply;
    if (api === undefined) {
      reply = queryError(STS_NS, new SimApiError('UnknownService', `The simulated region does not serve '${service ?? 'an unsigned request'}'.`, 400));
    } else {
      try {
        reply = api.handler(this.world, params, caller);
      } catch (error) {
        const e = error instanceof SimApiError ? error : new SimApiError('InternalFailure', error instanceof Error ? error.message : String(error), 500, false);
        reply = api.error(e);
        this.#record({ epochMs: Date.now(), service: service ?? '', action: params.action, status: reply.status, errorCode: e.code }, caller);
        this.#send(res, reply);
        return;
      }
    }
    this.#record({ epochMs: Date.now(), service: service ?? '', action: params.action, status: reply.status }, caller);
    this.#send(res, reply);
  }

  /** Route 53 speaks restXml: method and path select the operation; bodies are XML, not form-encoded. */
  #route53(method: string, url: URL, body: string, res: ServerResponse, caller: string | undefined): void {
    const action = route53Operation(method, url.pathname);
    let reply: RestXmlReply | XmlReply;
    let errorCode: string | undefined;
    try {
      reply = route53Api(this.world, { method, path: url.pathname, query: url.searchParams, body });
    } catch (error) {
      const e = error instanceof SimApiError ? error : new SimApiError('InternalFailure', error instanceof Error ? error.message : String(error), 500, false);
      errorCode = e.code;
      reply = route53Error(e);
    }
    this.#record({ epochMs: Date.now(), service: 'route53', action, status: reply.status, ...(errorCode === undefined ? {} : { errorCode }) }, caller);
    this.#send(res, reply);
  }

  #record(entry: Omit<SimRequestRecord, 'accessKeyId'>, caller: string | undefined): void {
    this.requests.push(caller === undefined ? entry : { ...entry, accessKeyId: caller });
  }

  #send(res: ServerResponse, reply: XmlReply & { headers?: Record<string, string> }): void {
    res.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType, 'x-amzn-requestid': reply.requestId, 'content-length': Buffer.byteLength(reply.body) });
    res.end(reply.body);
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
    switch (url.pathname) {
      case '/_sim/events':
        return json(200, { events: this.world.truth.since(Number(url.searchParams.get('since') ?? '0')) });
      case '/_sim/outputs':
        return json(200, { outputs: this.outputs(), speed: this.speed, ready: this.world.isReady() });
      case '/_sim/requests':
        return json(200, { requests: this.requests });
      case '/_sim/health':
        return json(200, { ready: this.world.isReady() });
      default:
        return json(404, { message: `no such control path ${url.pathname}` });
    }
  }
}
