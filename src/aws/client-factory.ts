import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { FisClient } from '@aws-sdk/client-fis';
import type { STSClient } from '@aws-sdk/client-sts';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { IAMClient } from '@aws-sdk/client-iam';
import { ErrorCode, GamedayError } from '../errors/gameday-error.js';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { redact } from '../core/redact.js';
import { auditClient, isMutating, type AuditEntry } from './audit.js';
import { sdk } from './sdk.js';

/** Where and as whom gameday talks to AWS. */
export interface AwsTarget {
  /** `sim` and `localstack` always get an explicit endpoint; `aws` uses the SDK's own resolution. */
  kind: 'sim' | 'localstack' | 'aws';
  region: string;
  /** Overrides the endpoint of every service (the simulated region and LocalStack serve all services on one port). */
  endpoint?: string | undefined;
  /** Static credentials; when absent the SDK's default provider chain applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /**
   * Longest wait for an answer to one attempt before the SDK gives up on it (and retries it if that is safe).
   * @defaultValue 20000
   */
  requestTimeoutMs?: number | undefined;
  /**
   * Named profile of the shared config files (`~/.aws/config`, `~/.aws/credentials`; SSO profiles included) whose
   * credentials are used when `credentials` is absent. Without it the SDK's default chain applies, which reads
   * `AWS_PROFILE` itself.
   */
  profile?: string | undefined;
  /** A role to assume (STS AssumeRole) with the credentials above; every client then acts as that role. */
  assumeRole?: { roleArn: string; sessionName: string; externalId?: string } | undefined;
  /**
   * The SDK's retry mode. `adaptive` adds client-side rate limiting that slows down when AWS throttles.
   * @defaultValue `adaptive` for `aws`, `standard` otherwise (see {@link defaultRetryMode})
   */
  retryMode?: RetryMode | undefined;
  /**
   * Attempts per call, the first included.
   * @defaultValue 3
   */
  maxAttempts?: number | undefined;
}

/** The SDK's retry modes gameday offers (the SDK's `legacy` mode is left out). */
export type RetryMode = 'standard' | 'adaptive';

/**
 * The retry mode of a target that does not name one. A live account shares its API rate limits with the production
 * workload gameday tests: adaptive mode backs off client-side once AWS throttles, so probes and faults never crowd
 * out the workload's own calls (an ASG replacing instances, a deployment). The simulated region and LocalStack have
 * no shared limits, and their throttling is a fault under test: standard mode retries it the same way every time,
 * without token-bucket delays that would blur the measured recovery.
 */
export function defaultRetryMode(kind: AwsTarget['kind']): RetryMode {
  return kind === 'aws' ? 'adaptive' : 'standard';
}

/** SHA-256 (keyed: HMAC) in the shape SigV4 signing takes, on Node's own crypto. */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (d: SourceData): string | Uint8Array => (typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
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

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };

/** Credentials as a client resolved them, with where they came from. */
export interface ResolvedCredentials {
  accessKeyId: string;
  expiration?: Date;
  /** Where the credentials came from, in words: "environment variables", "profile prod (SSO)", "instance role (IMDS)"… */
  source: string;
}

interface ClientConfig {
  region: string;
  endpoint?: string;
  credentials?: Credentials | (() => Promise<Credentials>);
  maxAttempts: number;
  retryMode: RetryMode;
  requestHandler: { httpAgent: HttpAgent; httpsAgent: HttpsAgent; requestTimeout: number; connectionTimeout: number };
}

/**
 * The one client factory. Every AWS client gameday uses comes from here, configured for one target; SDK modules
 * are loaded on first use so commands that never call AWS start fast.
 */
export class AwsClientFactory {
  readonly target: AwsTarget;
  readonly #clients = new Map<string, Promise<{ destroy(): void }>>();
  readonly #listeners = new Set<(entry: AuditEntry) => void>();
  #agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent } | undefined;

  constructor(target: AwsTarget) {
    this.target = target;
  }

  #config(): ClientConfig {
    if (this.target.kind !== 'aws' && this.target.endpoint === undefined) {
      throw new GamedayError(ErrorCode.InvalidArgument, `The ${this.target.kind} environment has no endpoint; set environment.endpoint.`);
    }
    // Kept-alive sockets: probes call the same endpoints many times a second.
    this.#agents ??= { httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 50 }), httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 50 }) };
    // A call that never answers must not hold a run (or its rollbacks) forever.
    const requestHandler = { ...this.#agents, requestTimeout: this.target.requestTimeoutMs ?? 20_000, connectionTimeout: 5_000 };
    const config: ClientConfig = {
      region: this.target.region,
      maxAttempts: this.target.maxAttempts ?? 3,
      retryMode: this.target.retryMode ?? defaultRetryMode(this.target.kind),
      requestHandler,
    };
    if (this.target.endpoint !== undefined) config.endpoint = this.target.endpoint;
    config.credentials = this.target.credentials ?? (() => this.#sourceCredentials());
    const role = this.target.assumeRole;
    if (role !== undefined) {
      const base = { ...config };
      config.credentials = () => (this.#assumed ??= this.#assume(base, role)).then((c) => {
        // Refreshed five minutes before the session expires.
        if (c.expiration !== undefined && c.expiration.getTime() - Date.now() < 300_000) {
          this.#assumed = undefined;
          return (this.#assumed = this.#assume(base, role));
        }
        return c;
      });
    }
    return config;
  }

  #assumed: Promise<Credentials> | undefined;
  #chain: (() => Promise<Credentials>) | undefined;

  /**
   * The credentials the factory starts from: the target's static ones, else the SDK's default chain (for the
   * target's profile, when it names one). One provider for every client, so it is resolved, cached and refreshed once.
   */
  async #sourceCredentials(): Promise<Credentials> {
    if (this.target.credentials !== undefined) return this.target.credentials;
    if (this.#chain === undefined) {
      const { fromNodeProviderChain } = await sdk.credentials();
      this.#chain ??= fromNodeProviderChain(this.target.profile === undefined ? {} : { profile: this.target.profile });
    }
    return this.#chain().catch((error: unknown) => {
      throw noCredentials(error, this.target.profile ?? (process.env.AWS_PROFILE || undefined));
    });
  }

  /**
   * Resolves the credentials the clients sign with (assuming the role, when the target names one) and says where they
   * came from, as far as the SDK records it. Fails as the clients would, with the SDK's reason.
   */
  async resolveCredentials(): Promise<ResolvedCredentials> {
    const source = await this.#sourceCredentials();
    const from = this.target.credentials === undefined ? describeSource(source, this.target.profile) : this.target.kind === 'sim' ? "the simulated region's fixed credentials" : `static credentials of the ${this.target.kind} target`;
    if (this.target.assumeRole === undefined) return { accessKeyId: source.accessKeyId, ...(source.expiration === undefined ? {} : { expiration: source.expiration }), source: from };
    const credentials = this.#config().credentials;
    const assumed = typeof credentials === 'function' ? await credentials() : source;
    return { accessKeyId: assumed.accessKeyId, ...(assumed.expiration === undefined ? {} : { expiration: assumed.expiration }), source: `role ${this.target.assumeRole.roleArn}, assumed with ${from}` };
  }

  async #assume(base: ClientConfig, role: NonNullable<AwsTarget['assumeRole']>): Promise<Credentials> {
    const { STSClient, AssumeRoleCommand } = await sdk.sts();
    // Its own client, with the caller's credentials; kept (sharing the agents) until the factory is destroyed.
    let sts = this.#roleSts;
    if (sts === undefined) {
      const client = new STSClient(base);
      auditClient(client, 'sts', (entry) => {
        for (const l of this.#listeners) l(entry);
      });
      sts = this.#roleSts = client;
    }
    try {
      const out = await sts.send(new AssumeRoleCommand({ RoleArn: role.roleArn, RoleSessionName: role.sessionName, ExternalId: role.externalId, DurationSeconds: 3_600 }));
      const c = out.Credentials;
      if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined) throw new Error('STS returned no credentials');
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken === undefined ? {} : { sessionToken: c.SessionToken }), ...(c.Expiration === undefined ? {} : { expiration: c.Expiration }) };
    } catch (error) {
      this.#assumed = undefined;
      throw new GamedayError(ErrorCode.AwsCallFailed, `Cannot assume role ${role.roleArn}: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
    }
  }

  #roleSts: { destroy(): void; send: STSClient['send'] } | undefined;

  /** Subscribes to every AWS call made through this factory's clients (the audit trail); returns the unsubscribe. */
  onCall(listener: (entry: AuditEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #get<T extends { destroy(): void; middlewareStack: unknown }>(name: string, make: (config: ClientConfig) => Promise<T>): Promise<T> {
    let client = this.#clients.get(name);
    if (client === undefined) {
      const config = this.#config();
      client = make(config).then((c) => {
        auditClient(c, name, (entry) => {
          for (const l of this.#listeners) l(entry);
        });
        return c;
      });
      this.#clients.set(name, client);
    }
    return client as Promise<T>;
  }

  ec2(): Promise<EC2Client> {
    return this.#get('ec2', async (c) => new (await sdk.ec2()).EC2Client(c));
  }

  autoScaling(): Promise<AutoScalingClient> {
    return this.#get('autoscaling', async (c) => new (await sdk.autoScaling()).AutoScalingClient(c));
  }

  elbv2(): Promise<ElasticLoadBalancingV2Client> {
    return this.#get(
      'elbv2',
      async (c) => new (await sdk.elbv2()).ElasticLoadBalancingV2Client(c),
    );
  }

  rds(): Promise<RDSClient> {
    return this.#get('rds', async (c) => new (await sdk.rds()).RDSClient(c));
  }

  route53(): Promise<Route53Client> {
    return this.#get('route53', async (c) => new (await sdk.route53()).Route53Client(c));
  }

  fis(): Promise<FisClient> {
    return this.#get('fis', async (c) => new (await sdk.fis()).FisClient(c));
  }

  sts(): Promise<STSClient> {
    return this.#get('sts', async (c) => new (await sdk.sts()).STSClient(c));
  }

  cloudWatch(): Promise<CloudWatchClient> {
    return this.#get('cloudwatch', async (c) => new (await sdk.cloudWatch()).CloudWatchClient(c));
  }

  /**
   * Sends one signed restJson request for an operation the installed SDK client does not have (FIS GetSafetyLever
   * is newer than the newest @aws-sdk/client-fis the registry serves), through the same endpoint, credentials
   * (assumed role included), answer timeout, retries and audit trail as the clients. A refusal throws an error shaped
   * like the SDK's (`name`, `$fault`, `$metadata`).
   */
  async signedJson(service: 'fis', operation: string, request: { method: string; path: string; body?: unknown }, signal?: AbortSignal): Promise<{ body: unknown; $metadata: { requestId?: string; httpStatusCode: number } }> {
    const client = (await this.fis()) as unknown as { config: { credentials(): Promise<Credentials> } };
    const [{ SignatureV4 }, { HttpRequest }] = await Promise.all([import('@smithy/signature-v4'), import('@smithy/protocol-http')]);
    const url = new URL(request.path, this.target.endpoint ?? `https://${service}.${this.target.region}.amazonaws.com`);
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
    const signer = new SignatureV4({ service, region: this.target.region, credentials: client.config.credentials, sha256: NodeSha256 });
    const epochMs = Date.now();
    const started = performance.now();
    const entry = { epochMs, service, operation, mutating: isMutating(operation), request: redact(request.body ?? {}) };
    const emit = (e: AuditEntry): void => this.#listeners.forEach((l) => l(e));
    const maxAttempts = this.target.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      // Signed afresh each attempt: the signature carries its time.
      const signed = await signer.sign(unsigned);
      let failure: Error & { name: string; $fault: 'client' | 'server'; $metadata: { requestId?: string | undefined; httpStatusCode?: number } };
      try {
        const response = await fetch(url, { method: request.method, headers: signed.headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.any([AbortSignal.timeout(this.target.requestTimeoutMs ?? 20_000), ...(signal === undefined ? [] : [signal])]) });
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
        const name = (response.headers.get('x-amzn-errortype') ?? (response.status === 404 ? 'UnknownOperationException' : `Http${response.status}`)).split(':')[0] ?? 'Error';
        const message = String((json as { message?: unknown; Message?: unknown }).message ?? (json as { Message?: unknown }).Message ?? `HTTP ${response.status}`);
        failure = Object.assign(new Error(message), { name, $fault: response.status >= 500 ? ('server' as const) : ('client' as const), $metadata: { requestId, httpStatusCode: response.status } });
      } catch (error) {
        if (signal?.aborted === true) throw error;
        const name = (error as Error).name === 'TimeoutError' ? 'TimeoutError' : 'NetworkingError';
        failure = Object.assign(new Error(`${operation}: ${(error as Error).message}`), { name, $fault: 'server' as const, $metadata: {} });
      }
      // As the SDK's standard mode: throttling, 5xx, timeouts and lost connections are retried with backoff.
      // 501 (not implemented: LocalStack) will not change.
      const retryable = (failure.$fault === 'server' && failure.$metadata.httpStatusCode !== 501) || failure.$metadata.httpStatusCode === 429 || /Throttl|TooManyRequests|RequestLimitExceeded/.test(failure.name);
      if (!retryable || attempt >= maxAttempts) {
        emit({ ...entry, durationMs: performance.now() - started, ok: false, requestId: failure.$metadata.requestId, attempts: attempt, error: { name: failure.name, message: failure.message } });
        throw failure;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(20_000, 100 * 2 ** attempt)));
    }
  }

  iam(): Promise<IAMClient> {
    return this.#get('iam', async (c) => new (await sdk.iam()).IAMClient(c));
  }

  /** Closes every client's sockets. */
  async destroy(): Promise<void> {
    const clients = await Promise.allSettled(this.#clients.values());
    for (const c of clients) if (c.status === 'fulfilled') c.value.destroy();
    this.#clients.clear();
    this.#roleSts?.destroy();
    this.#roleSts = undefined;
    this.#assumed = undefined;
    this.#chain = undefined;
    this.#agents?.httpAgent.destroy();
    this.#agents?.httpsAgent.destroy();
    this.#agents = undefined;
  }
}

/**
 * Where the SDK says credentials came from: its credential providers mark what they return with feature ids
 * (`$source`, the codes of its user-agent metrics), which tell environment variables, profiles, SSO, containers and
 * instance roles apart.
 */
function describeSource(credentials: Credentials, profile: string | undefined): string {
  const marks = Object.keys((credentials as { $source?: Record<string, unknown> }).$source ?? {});
  const has = (mark: string): boolean => marks.includes(mark);
  const named = `profile ${profile ?? (process.env.AWS_PROFILE || 'default')}`;
  if (has('CREDENTIALS_PROFILE_SSO') || has('CREDENTIALS_PROFILE_SSO_LEGACY') || has('CREDENTIALS_SSO') || has('CREDENTIALS_SSO_LEGACY')) return `${named} (SSO)`;
  if (has('CREDENTIALS_PROFILE_SOURCE_PROFILE') || has('CREDENTIALS_PROFILE_NAMED_PROVIDER')) return `${named} (a role assumed by the profile)`;
  if (has('CREDENTIALS_PROFILE_PROCESS')) return `${named} (credential_process)`;
  if (has('CREDENTIALS_PROFILE_STS_WEB_ID_TOKEN')) return `${named} (web identity)`;
  if (has('CREDENTIALS_PROFILE_LOGIN') || has('CREDENTIALS_LOGIN')) return `${named} (aws login)`;
  if (has('CREDENTIALS_PROFILE')) return `${named} (shared credentials file)`;
  if (has('CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN')) return 'web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)';
  if (has('CREDENTIALS_ENV_VARS')) return 'environment variables (AWS_ACCESS_KEY_ID)';
  if (has('CREDENTIALS_HTTP')) return 'container role (ECS/EKS credentials endpoint)';
  if (has('CREDENTIALS_IMDS')) return 'instance role (EC2 instance metadata)';
  if (has('CREDENTIALS_PROCESS')) return 'credential_process';
  return 'the SDK default credential chain';
}

/**
 * The SDK's "Could not load credentials from any providers" says neither where it looked nor that nothing was found;
 * a user reads it as AWS refusing them. Keeps the name CredentialsProviderError, and the SDK's reason when it is
 * more specific than that (a profile not found, an expired SSO session).
 */
function noCredentials(error: unknown, profile: string | undefined): unknown {
  if ((error as { name?: unknown } | null)?.name !== 'CredentialsProviderError') return error;
  const files = `${process.env.AWS_CONFIG_FILE || '~/.aws/config'}, ${process.env.AWS_SHARED_CREDENTIALS_FILE || '~/.aws/credentials'}`;
  // With a profile named, the SDK's chain skips the environment variables.
  const places = [...(profile === undefined ? ['environment variables'] : []), `shared config/credentials files (${files})`, ...(profile === undefined ? [] : [`profile ${profile}`]), 'SSO', 'container/instance metadata'];
  const reason = error instanceof Error && !/^Could not load credentials from any providers/.test(error.message) ? `: ${error.message.split('\n')[0]?.replace(/\.$/, '') ?? ''}` : '';
  return Object.assign(new Error(`No AWS credentials found (looked in: ${places.join(', ')})${reason}`, { cause: error }), { name: 'CredentialsProviderError' });
}
