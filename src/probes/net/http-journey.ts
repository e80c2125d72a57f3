import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { Client, Dispatcher } from 'undici';
import { duration } from '../../experiment/fields.js';
import { NO_WORKLOAD_FREE, NO_WORKLOAD_MOTO, no, partial, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition, ProbeObservation } from '../../registry/types.js';
import { fromArg, placement } from '../dns/client-location.js';
import { TtlResolver, dnsServerArg } from '../dns/ttl-resolver.js';
import { readLimited, statusSpec } from './http.js';
import { networkErrorText } from './network-error.js';

/** `${name}` in a step: a value an earlier step captured. `$${` stands for a literal `${`. */
const CAPTURE_REF = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** A JSON path into a response body, in the subset journeys use: `$.a.b`, `$.items[0].id`, `$[2]`. */
const JSON_PATH = /^\$((\.[A-Za-z_][A-Za-z0-9_-]*)|(\[\d+\]))*$/;

const captureName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'a capture name is a letter or _ followed by letters, digits or _' });

const step = z.strictObject({
  /** How failures name the step; default `<METHOD> <path>`. */
  name: z.string().min(1).optional(),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']).default('GET'),
  url: z.string().refine((s) => isHttpUrl(s.replace(CAPTURE_REF, 'x')), { error: 'expected an http:// or https:// URL' }),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  expect: z.union([statusSpec, z.array(statusSpec).min(1)]).default(['2xx', '3xx']),
  capture: z
    .record(captureName, z.string().regex(JSON_PATH, { error: "a capture is a JSON path such as '$.id' or '$.items[0].id'" }))
    .optional()
    .meta({ description: 'Values to take from the JSON response body, by JSON path, for later steps to use as ${name}.' }),
});

const args = z
  .strictObject({
    steps: z.array(step).min(1, { error: 'a journey needs at least one step' }),
    /** A journey slower than this, in total, fails. */
    limit: duration().optional(),
    /** Per step: waiting longer than this for a response (or between its body's chunks) fails the step. */
    timeout: duration().default(2_000),
    insecure: z.boolean().default(false),
    resolver: dnsServerArg.optional().meta({
      description: "DNS server (host:port) to resolve each step's host through, honouring TTLs; each sample records the address the first step reached.",
    }),
    from: fromArg.optional(),
  })
  .superRefine((a, ctx) => {
    const captured = new Set<string>();
    a.steps.forEach((s, i) => {
      const fields: [(string | number)[], string | undefined][] = [
        [['url'], s.url],
        [['body'], s.body],
        ...Object.entries(s.headers).map(([k, v]): [(string | number)[], string] => [['headers', k], v]),
      ];
      for (const [path, text] of fields) {
        for (const m of (text ?? '').matchAll(CAPTURE_REF)) {
          const name = m[1] ?? '';
          if (captured.has(name)) continue;
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, ...path],
            message: `'\${${name}}' is not captured by an earlier step (capture it with capture: { ${name}: '$.…' })`,
          });
        }
      }
      for (const name of Object.keys(s.capture ?? {})) captured.add(name);
    });
  });

const tolerance = z.strictObject({});

type Args = z.output<typeof args>;
type Step = Args['steps'][number];
type Tolerance = z.output<typeof tolerance>;

/**
 * A user journey: steps sent in order (a POST, then a GET of what it created…), each judged on its status; a sample
 * is one journey, ok only when every step answered as expected and the whole within `limit`. Its latency is the
 * journey's total, so latency objectives hold journeys, not single requests.
 */
export const httpJourneyProbe: ProbeDefinition<Args, Tolerance> = {
  id: 'http.journey',
  summary: 'Follows a user journey of HTTP(S) requests, passing values from one response to the next, and times the whole.',
  measures: ['availability', 'latency', 'journeys'],
  permissions: { read: [], write: [] },
  capabilities: {
    services: [],
    support: {
      sim: yes('Instances and ALBs really serve HTTP, as for the http probe.'),
      moto: no(NO_WORKLOAD_MOTO),
      'localstack-free': no(NO_WORKLOAD_FREE),
      'localstack-paid': partial('As for the http probe: the Docker VM manager runs instances, but Auto Scaling only works with the mock VM manager.'),
      aws: yes('`from.address` must be an address of this machine; `from.subnet` places only the questions asked through `resolver`.'),
    },
  },
  args,
  tolerance,
  defaultTolerance: {},
  ownRefs: (a) => a.steps.flatMap((s) => Object.keys(s.capture ?? {})),
  steps: (a) => stepNames(a),
  open(a, ctx) {
    const from = placement(a.from);
    const dns =
      a.resolver === undefined
        ? undefined
        : new TtlResolver(a.resolver, { timeoutMs: a.timeout, speed: ctx.speed, clock: ctx.clock, ...(from === undefined ? {} : { from }) });
    const localAddress = from?.address;
    // One kept-alive connection per origin (and per address its host resolves to), as a browser keeps them.
    const clients = new Map<string, { client: Client; address: string | undefined }>();
    let undici: typeof import('undici') | undefined;
    const connect = async (url: URL): Promise<{ client: Client; address: string | undefined }> => {
      const address = dns === undefined ? undefined : await dns.address(url.hostname);
      const known = clients.get(url.origin);
      if (known !== undefined && known.address === address) return known;
      if (known !== undefined) void known.client.close().catch(() => known.client.destroy());
      const origin = address === undefined ? url.origin : `${url.protocol}//${address}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
      const servername = isIP(url.hostname) === 0 ? url.hostname : undefined;
      undici ??= await import('undici');
      const client = new undici.Client(origin, {
        connect: { timeout: a.timeout, rejectUnauthorized: !a.insecure, ...(servername === undefined ? {} : { servername }) },
        ...(localAddress === undefined ? {} : { localAddress }),
        headersTimeout: a.timeout,
        bodyTimeout: a.timeout,
        keepAliveTimeout: 30_000,
        pipelining: 1,
      });
      const entry = { client, address };
      clients.set(url.origin, entry);
      return entry;
    };
    const closeAll = (reason?: Error): void => {
      for (const { client } of clients.values()) void client.destroy(reason ?? null).catch(() => undefined);
      clients.clear();
    };
    let watched: AbortSignal | undefined;
    const watch = (signal: AbortSignal): void => {
      if (watched === signal) return;
      watched = signal;
      signal.addEventListener('abort', () => closeAll(signal.reason as Error), { once: true });
    };
    const names = stepNames(a);
    const needsBody = a.steps.map((s) => Object.keys(s.capture ?? {}).length > 0);
    return {
      async sample(signal): Promise<ProbeObservation> {
        undici ??= await import('undici');
        watch(signal);
        const started = performance.now();
        const captured = new Map<string, string>();
        let endpoint: string | undefined;
        const fail = (error: string): ProbeObservation => {
          const o: ProbeObservation = { error, latencyMs: performance.now() - started };
          if (endpoint !== undefined) o.endpoint = endpoint;
          return o;
        };
        for (const [i, s] of a.steps.entries()) {
          const name = names[i] ?? `step ${i + 1}`;
          const fill = (text: string): string => text.replace(CAPTURE_REF, (_w, n: string) => captured.get(n) ?? '').replaceAll('$${', '${');
          let status: number;
          let text: string | undefined;
          try {
            const url = new URL(fill(s.url));
            const { client, address } = await connect(url);
            if (i === 0) endpoint = address;
            const headers: Record<string, string> = {};
            if (dns !== undefined) headers.host = url.host;
            for (const [k, v] of Object.entries(s.headers)) headers[k] = fill(v);
            const options: Dispatcher.RequestOptions = { path: `${url.pathname}${url.search}`, method: s.method, headers };
            if (s.body !== undefined) options.body = fill(s.body);
            const res = await client.request(options);
            status = res.statusCode;
            if (needsBody[i] === true) text = await readLimited(res.body);
            else await res.body.dump();
          } catch (error) {
            return fail(`${name}: ${networkErrorText(error, a.timeout)}`);
          }
          if (!statusMatches(status, s.expect)) return fail(`${name}: HTTP ${status}, expected ${[s.expect].flat().join(' or ')}`);
          if (text !== undefined) {
            const missing = capture(s, text, captured);
            if (missing !== null) return fail(`${name}: ${missing}`);
          }
        }
        // A completed journey has a value (its steps), so its time counts in latency objectives even when over its
        // limit: a journey too slow for its users must weigh in its p99, not drop out of it.
        const latencyMs = performance.now() - started;
        const o: ProbeObservation = { value: a.steps.length, latencyMs };
        if (a.limit !== undefined && latencyMs > a.limit) o.error = `journey took ${Math.round(latencyMs)}ms, over its ${a.limit}ms limit`;
        if (endpoint !== undefined) o.endpoint = endpoint;
        return o;
      },
      close: async () => {
        dns?.close();
        const all = [...clients.values()];
        clients.clear();
        await Promise.all(all.map(({ client }) => client.close().catch(() => client.destroy())));
      },
    };
  },
  check(o) {
    return o.error ?? null;
  },
};

/** How failures and reports name each step: its `name`, else its number, method and path. */
function stepNames(a: Args): string[] {
  return a.steps.map((s, i) => s.name ?? `step ${i + 1} (${s.method} ${pathOf(s.url)})`);
}

/** Takes a step's captures from its JSON body; the reason when one is missing. */
function capture(s: Step, text: string, into: Map<string, string>): string | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'response body is not JSON, so nothing could be captured';
  }
  for (const [name, path] of Object.entries(s.capture ?? {})) {
    const v = jsonPath(body, path);
    if (v === undefined || v === null || typeof v === 'object') return `no ${path} in the response body to capture as ${name}`;
    into.set(name, String(v));
  }
  return null;
}

function jsonPath(value: unknown, path: string): unknown {
  let current = value;
  for (const m of path.slice(1).matchAll(/\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]/g)) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = m[1] ?? Number(m[2]);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function statusMatches(status: number, expect: Step['expect']): boolean {
  return [expect].flat().some((w) => (typeof w === 'number' ? w === status : Math.floor(status / 100) === Number(w[0])));
}

function pathOf(url: string): string {
  const m = /^https?:\/\/[^/]*(\/[^?#]*)?/.exec(url);
  return m?.[1] ?? '/';
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
