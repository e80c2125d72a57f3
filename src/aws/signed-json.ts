import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../core/clock.js';
import { redact } from '../core/redact.js';
import { isMutating, type AuditEntry } from './audit.js';
import type { AwsTarget, Credentials } from './client-config.js';

/** SHA-256 (keyed: HMAC) in the shape SigV4 signing takes, on Node's own crypto. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
class NodeSha256 {
  readonly #secret: string | Uint8Array | undefined;
  #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : bytes(secret);
    this.#hash = this.#fresh();
  }
  #fresh(): Hash | Hmac {
    return this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    this.#hash = this.#fresh();
  }
}

/** A signed JSON request's answer, shaped like an SDK command's output. */
export interface SignedJsonResponse {
  body: unknown;
  $metadata: { requestId?: string; httpStatusCode: number };
}

/**
 * Sends one signed restJson request for `target`, retried as the SDK's standard mode retries, and tells `emit` of it
 * for the audit trail. A refusal throws an error shaped like the SDK's (`name`, `$fault`, `$metadata`).
 */
export async function signedJsonRequest(
  target: AwsTarget,
  credentials: () => Promise<Credentials>,
  emit: (entry: AuditEntry) => void,
  service: string,
  operation: string,
  request: { method: string; path: string; body?: unknown },
  signal?: AbortSignal,
): Promise<SignedJsonResponse> {
  const [{ SignatureV4 }, { HttpRequest }] = await Promise.all([import('@smithy/signature-v4'), import('@smithy/protocol-http')]);
  const url = new URL(request.path, target.endpoint ?? `https://${service}.${target.region}.amazonaws.com`);
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const unsigned = new HttpRequest({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    path: url.pathname,
    headers: { host: url.host, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
  const signer = new SignatureV4({ service, region: target.region, credentials, sha256: NodeSha256 });
  const epochMs = Date.now();
  const started = performance.now();
  const entry = { epochMs, service, region: target.region, operation, mutating: isMutating(operation), request: redact(request.body ?? {}) };
  const maxAttempts = target.maxAttempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    // Signed afresh each attempt: the signature carries its time.
    const signed = await signer.sign(unsigned);
    let failure: Error & { name: string; $fault: 'client' | 'server'; $metadata: { requestId?: string | undefined; httpStatusCode?: number } };
    try {
      const response = await fetch(url, {
        method: request.method,
        headers: signed.headers,
        ...(body === undefined ? {} : { body }),
        // Wall-clock on purpose: the limit of one real HTTP request, as the SDK's own requestTimeout is.
        signal: AbortSignal.any([AbortSignal.timeout(target.requestTimeoutMs ?? 20_000), ...(signal === undefined ? [] : [signal])]),
      });
      const text = await response.text();
      const requestId = response.headers.get('x-amzn-requestid') ?? undefined;
      let json: unknown;
      try {
        json = text === '' ? {} : JSON.parse(text);
      } catch {
        json = { message: text.slice(0, 200) };
      }
      if (response.ok) {
        emit({ ...entry, durationMs: performance.now() - started, ok: true, requestId, attempts: attempt });
        return { body: json, $metadata: { ...(requestId === undefined ? {} : { requestId }), httpStatusCode: response.status } };
      }
      const name =
        (response.headers.get('x-amzn-errortype') ?? (response.status === 404 ? 'UnknownOperationException' : `Http${response.status}`)).split(':')[0] ??
        'Error';
      const message = String(
        (json as { message?: unknown; Message?: unknown }).message ?? (json as { Message?: unknown }).Message ?? `HTTP ${response.status}`,
      );
      // Shaped as an SDK exception (name, $fault, $metadata), not a GamedayError: awsCall wraps it in an AwsCallError.
      failure = Object.assign(new Error(message), {
        name,
        $fault: response.status >= 500 ? ('server' as const) : ('client' as const),
        $metadata: { requestId, httpStatusCode: response.status },
      });
    } catch (error) {
      if (signal?.aborted === true) throw error;
      const name = (error as Error).name === 'TimeoutError' ? 'TimeoutError' : 'NetworkingError';
      failure = Object.assign(new Error(`${operation}: ${(error as Error).message}`), { name, $fault: 'server' as const, $metadata: {} });
    }
    // As the SDK's standard mode: throttling, 5xx, timeouts and lost connections are retried with backoff.
    // 501 (not implemented: LocalStack) will not change.
    const retryable =
      (failure.$fault === 'server' && failure.$metadata.httpStatusCode !== 501) ||
      failure.$metadata.httpStatusCode === 429 ||
      /Throttl|TooManyRequests|RequestLimitExceeded/.test(failure.name);
    if (!retryable || attempt >= maxAttempts) {
      emit({
        ...entry,
        durationMs: performance.now() - started,
        ok: false,
        requestId: failure.$metadata.requestId,
        attempts: attempt,
        error: { name: failure.name, message: failure.message },
      });
      throw failure;
    }
    await systemClock.sleep(Math.random() * Math.min(20_000, 100 * 2 ** attempt));
  }
}
