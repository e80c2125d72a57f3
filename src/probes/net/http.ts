import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { Client, Dispatcher } from 'undici';
import { duration } from '../../experiment/fields.js';
import { NO_WORKLOAD_FREE, NO_WORKLOAD_MOTO, no, partial, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition, ProbeObservation } from '../../registry/types.js';
import { fromArg, placement } from '../dns/client-location.js';
import { TtlResolver, dnsServerArg } from '../dns/ttl-resolver.js';
import { networkErrorText } from './network-error.js';

export const statusClass = z.enum(['1xx', '2xx', '3xx', '4xx', '5xx']);
export const statusSpec = z.union([z.number().int().min(100).max(599), statusClass]);

const args = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  timeout: duration().default(2_000),
  /** Accept self-signed certificates (test endpoints only). */
  insecure: z.boolean().default(false),
  resolver: dnsServerArg.optional().meta({
    description: "DNS server (host:port) to resolve the URL's host through, honouring TTLs; each sample records the address that served it.",
  }),
  /**
   * The client location to request from: connections leave from `from.address`, and `resolver` is asked as that
   * client (its source address and EDNS client subnet). On the simulated region, a location's name.
   */
  from: fromArg.optional(),
});

const tolerance = z.strictObject({
  status: z.union([statusSpec, z.array(statusSpec).min(1)]).default(['2xx', '3xx']),
  /** Regular expression the response body must match. */
  body: z
    .string()
    .refine((s) => isRegex(s), { error: 'body must be a valid regular expression' })
    .optional(),
  maxLatency: duration().optional(),
});

type Args = z.output<typeof args>;
type Tolerance = z.output<typeof tolerance>;

const MAX_BODY = 64 * 1024;

/** HTTP(S) request against an endpoint; within tolerance when status, body and latency match. */
export const httpProbe: ProbeDefinition<Args, Tolerance> = {
  id: 'http',
  summary: 'Sends an HTTP(S) request over a kept-alive connection and checks status, body and latency.',
  measures: ['availability', 'latency'],
  permissions: { read: [], write: [] },
  capabilities: {
    services: [],
    support: {
      sim: yes("Instances and ALBs really serve HTTP; from a client location (`from:`), an ALB answers after that location's latency to its Region."),
      moto: no(NO_WORKLOAD_MOTO),
      'localstack-free': no(NO_WORKLOAD_FREE),
      'localstack-paid': partial(
        'The Docker VM manager runs instances as containers and the ALB forwards, but Auto Scaling only works with the mock VM manager.',
      ),
      aws: yes('`from.address` must be an address of this machine; `from.subnet` places only the questions asked through `resolver`.'),
    },
  },
  args,
  tolerance,
  defaultTolerance: { status: ['2xx', '3xx'] },
  open(a, ctx, tol) {
    const url = new URL(a.url);
    // Through a resolver, the client connects to the address the host resolves to now (a new connection when the
    // answer changes, as a client honouring the TTL would make), with the Host header and TLS name of the URL.
    const from = placement(a.from);
    const dns =
      a.resolver === undefined
        ? undefined
        : new TtlResolver(a.resolver, { timeoutMs: a.timeout, speed: ctx.speed, clock: ctx.clock, ...(from === undefined ? {} : { from }) });
    const localAddress = from?.address;
    const headers = dns === undefined ? a.headers : { host: url.host, ...a.headers };
    let client: Client | undefined;
    let address: string | undefined;
    // undici loads on first use, so commands that never probe (validate, schema) start fast; it loads before the first
    // sample's clock starts, since loading a module is no part of the endpoint's latency.
    let undici: typeof import('undici') | undefined;
    const loadUndici = async (): Promise<typeof import('undici')> => {
      if (undici === undefined) undici = await import('undici');
      return undici;
    };
    const connect = async (): Promise<Client> => {
      const now = dns === undefined ? undefined : await dns.address(url.hostname);
      if (client !== undefined && now === address) return client;
      const stale = client;
      client = undefined;
      void stale?.close().catch(() => stale.destroy());
      address = now;
      const origin = now === undefined ? url.origin : `${url.protocol}//${now}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
      const servername = isIP(url.hostname) === 0 ? url.hostname : undefined;
      client = new (await loadUndici()).Client(origin, {
        connect: {
          timeout: a.timeout,
          rejectUnauthorized: !a.insecure,
          ...(servername === undefined ? {} : { servername }),
        },
        ...(localAddress === undefined ? {} : { localAddress }),
        headersTimeout: a.timeout,
        bodyTimeout: a.timeout,
        keepAliveTimeout: 30_000,
        pipelining: 1,
      });
      return client;
    };
    const path = `${url.pathname}${url.search}`;
    const wantBody = tol?.body !== undefined;
    // One abort listener per session rather than one per request (undici's per-request signal costs about a third
    // of a probe's CPU): stopping destroys the connection, which fails the request in flight.
    let watched: AbortSignal | undefined;
    const watch = (signal: AbortSignal): void => {
      if (watched === signal) return;
      watched = signal;
      signal.addEventListener(
        'abort',
        () => {
          const c = client;
          client = undefined;
          void c?.destroy(signal.reason as Error);
        },
        { once: true },
      );
    };
    return {
      async sample(signal): Promise<ProbeObservation> {
        if (undici === undefined) await loadUndici();
        const started = performance.now();
        watch(signal);
        try {
          const options: Dispatcher.RequestOptions = { path, method: a.method, headers };
          if (a.body !== undefined) options.body = a.body;
          const res = await (dns === undefined && client !== undefined ? client : await connect()).request(options);
          let text: string | undefined;
          if (wantBody) text = await readLimited(res.body);
          else await res.body.dump();
          const observation: ProbeObservation = { value: res.statusCode, latencyMs: performance.now() - started };
          if (text !== undefined) observation.text = text;
          if (address !== undefined) observation.endpoint = address;
          return observation;
        } catch (error) {
          return { error: networkErrorText(error, a.timeout), latencyMs: performance.now() - started };
        }
      },
      close: async () => {
        dns?.close();
        const c = client;
        client = undefined;
        await c?.close().catch(() => c.destroy());
      },
    };
  },
  check(o, t) {
    if (o.error !== undefined) return o.error;
    const wanted = Array.isArray(t.status) ? t.status : [t.status];
    const status = typeof o.value === 'number' ? o.value : NaN;
    if (!wanted.some((w) => (typeof w === 'number' ? w === status : Math.floor(status / 100) === Number(w[0])))) {
      return `HTTP ${status}, expected ${wanted.join(' or ')}`;
    }
    if (t.body !== undefined && !new RegExp(t.body).test(o.text ?? '')) return `body does not match /${t.body}/`;
    if (t.maxLatency !== undefined && (o.latencyMs ?? 0) > t.maxLatency) {
      return `latency ${Math.round(o.latencyMs ?? 0)}ms above ${t.maxLatency}ms`;
    }
    return null;
  },
};

/** Reads a response body, keeping its first 64 KiB. */
export async function readLimited(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < MAX_BODY) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
}

function isRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
