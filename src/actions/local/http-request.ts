/**
 * `http.request` — calls an HTTP endpoint, for example a feature flag, a fault-injection hook or a load-shedding
 * switch in the system under test. What it changes is whatever that endpoint does; it has no automatic undo:
 * pair it with an explicit rollback that calls the opposite endpoint.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { ActionFailedError } from '../../errors/action-error.js';
import { duration } from '../../experiment/fields.js';
import { NO_AWS_CALL } from '../../registry/capabilities.js';
import type { ActionDefinition } from '../../registry/types.js';
import { networkErrorText } from '../../probes/net/network-error.js';
import { redact } from '../../core/redact.js';

const args = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  headers: z.record(z.string(), z.string()).default({}),
  /** A string is sent as is; a map or list is sent as JSON. */
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  timeout: duration().default(10_000),
  /** Status codes that mean the call landed. */
  expectStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
});

type Args = z.output<typeof args>;

const MAX_OUTPUT = 16 * 1024;

export const httpRequestAction: ActionDefinition<Args> = {
  id: 'http.request',
  summary: 'Calls an HTTP endpoint of the system under test (a fault hook, a flag, a switch).',
  mutating: true,
  permissions: { read: [], write: [] },
  capabilities: NO_AWS_CALL,
  args,
  async run(a, ctx) {
    const headers: Record<string, string> = { ...a.headers };
    let body: string | undefined;
    if (typeof a.body === 'string') body = a.body;
    else if (a.body !== undefined) {
      body = JSON.stringify(a.body);
      headers['content-type'] ??= 'application/json';
    }
    const startedAt = performance.now();
    const call = {
      service: 'http',
      operation: `${a.method} ${a.url}`,
      mutating: a.method !== 'GET',
      request: redact({ headers, body }) as Record<string, unknown>,
    };
    try {
      const { request } = await import('undici');
      const res = await request(a.url, {
        method: a.method,
        headers,
        body,
        headersTimeout: a.timeout,
        bodyTimeout: a.timeout,
        signal: ctx.signal,
      });
      const text = (await res.body.text()).slice(0, MAX_OUTPUT);
      const landed = a.expectStatus === undefined ? res.statusCode < 400 : a.expectStatus.includes(res.statusCode);
      ctx.recordCall({
        ...call,
        startedAt,
        endedAt: performance.now(),
        ok: landed,
        response: { status: res.statusCode },
        error: landed ? undefined : { name: `HTTP ${res.statusCode}`, message: text.slice(0, 200) },
      });
      if (!landed) {
        const expected = a.expectStatus === undefined ? 'a status below 400' : a.expectStatus.join(' or ');
        throw new ActionFailedError(`${a.method} ${a.url} answered HTTP ${res.statusCode}, expected ${expected}.`);
      }
      return { output: { status: res.statusCode, body: parseMaybeJson(text) } };
    } catch (error) {
      if (error instanceof ActionFailedError) throw error;
      const message = networkErrorText(error, a.timeout);
      ctx.recordCall({ ...call, startedAt, endedAt: performance.now(), ok: false, error: { name: 'NetworkError', message } });
      throw new ActionFailedError(`${a.method} ${a.url} failed: ${message}.`, { cause: error });
    }
  },
};

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
