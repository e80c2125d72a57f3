import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { FisClient } from '@aws-sdk/client-fis';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { auditClient, type AuditEntry } from './audit.js';
import { clientConfig, type AwsTarget, type ClientConfig, type Credentials } from './client-config.js';
import { CredentialSource, type ResolvedCredentials } from './credentials.js';
import { sdk } from './sdk.js';
import { signedJsonRequest, type SignedJsonResponse } from './signed-json.js';
import type { AwsClients } from './clients.js';

/**
 * The one client factory. Every AWS client gameday uses comes from here, configured for one target; SDK modules
 * are loaded on first use so commands that never call AWS start fast.
 */
export class AwsClientFactory implements AwsClients {
  readonly target: AwsTarget;
  readonly #clients = new Map<string, Promise<{ destroy(): void }>>();
  readonly #listeners = new Set<(entry: AuditEntry) => void>();
  #agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent } | undefined;
  #credentials: CredentialSource;
  /** The factory of the target's own Region, when this one serves another Region (`inRegion`). */
  #home: AwsClientFactory | undefined;
  /** The other Regions' factories, on the home factory. */
  readonly #regions = new Map<string, AwsClientFactory>();

  constructor(target: AwsTarget) {
    this.target = target;
    this.#credentials = new CredentialSource(target, (entry) => this.#emit(entry));
  }

  #emit(entry: AuditEntry): void {
    if (this.#home !== undefined) return this.#home.#emit(entry);
    for (const l of this.#listeners) l(entry);
  }

  #config(): ClientConfig {
    const home = this.#home ?? this;
    // Kept-alive sockets, shared by every Region's clients: probes call the same endpoints many times a second.
    home.#agents ??= { httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 50 }), httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 50 }) };
    const config = clientConfig(this.target, home.#agents);
    config.credentials = home.#credentials.provider(config);
    return config;
  }

  /**
   * The clients of another Region, made once per Region: the same endpoint, credentials (assumed role included),
   * retries and audit trail, each regional client signing for `region`. Route 53, IAM and STS are global, so they stay
   * the home Region's clients.
   */
  inRegion(region: string): AwsClientFactory {
    const home = this.#home ?? this;
    if (region === home.target.region) return home;
    let factory = home.#regions.get(region);
    if (factory === undefined) {
      factory = new AwsClientFactory({ ...home.target, region });
      factory.#credentials.destroy();
      factory.#credentials = home.#credentials;
      factory.#home = home;
      home.#regions.set(region, factory);
    }
    return factory;
  }

  /**
   * Resolves the credentials the clients sign with (assuming the role, when the target names one) and says where they
   * came from, as far as the SDK records it. Fails as the clients would, with the SDK's reason.
   */
  resolveCredentials(): Promise<ResolvedCredentials> {
    return this.#credentials.resolve(() => this.#config());
  }

  /** Subscribes to every AWS call made through this factory's clients, in every Region (the audit trail); returns the unsubscribe. */
  onCall(listener: (entry: AuditEntry) => void): () => void {
    if (this.#home !== undefined) return this.#home.onCall(listener);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #get<T extends { destroy(): void; middlewareStack: unknown }>(name: string, make: (config: ClientConfig) => Promise<T>): Promise<T> {
    let client = this.#clients.get(name);
    if (client === undefined) {
      const config = this.#config();
      client = make(config).then((c) => {
        auditClient(c, name, config.region, (entry) => this.#emit(entry));
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
    return this.#get('elbv2', async (c) => new (await sdk.elbv2()).ElasticLoadBalancingV2Client(c));
  }

  rds(): Promise<RDSClient> {
    return this.#get('rds', async (c) => new (await sdk.rds()).RDSClient(c));
  }

  route53(): Promise<Route53Client> {
    if (this.#home !== undefined) return this.#home.route53();
    return this.#get('route53', async (c) => new (await sdk.route53()).Route53Client(c));
  }

  fis(): Promise<FisClient> {
    return this.#get('fis', async (c) => new (await sdk.fis()).FisClient(c));
  }

  ssm(): Promise<SSMClient> {
    return this.#get('ssm', async (c) => new (await sdk.ssm()).SSMClient(c));
  }

  sts(): Promise<STSClient> {
    if (this.#home !== undefined) return this.#home.sts();
    return this.#get('sts', async (c) => new (await sdk.sts()).STSClient(c));
  }

  cloudWatch(): Promise<CloudWatchClient> {
    return this.#get('cloudwatch', async (c) => new (await sdk.cloudWatch()).CloudWatchClient(c));
  }

  cloudFormation(): Promise<CloudFormationClient> {
    return this.#get('cloudformation', async (c) => new (await sdk.cloudFormation()).CloudFormationClient(c));
  }

  /**
   * Sends one signed restJson request for an operation the installed SDK client does not have (FIS GetSafetyLever
   * is newer than the newest @aws-sdk/client-fis the registry serves), through the same endpoint, credentials
   * (assumed role included), answer timeout, retries and audit trail as the clients. A refusal throws an error shaped
   * like the SDK's (`name`, `$fault`, `$metadata`).
   */
  async signedJson(
    service: 'fis',
    operation: string,
    request: { method: string; path: string; body?: unknown },
    signal?: AbortSignal,
  ): Promise<SignedJsonResponse> {
    const client = (await this.fis()) as unknown as { config: { credentials(): Promise<Credentials> } };
    return signedJsonRequest(this.target, client.config.credentials, (entry) => this.#emit(entry), service, operation, request, signal);
  }

  iam(): Promise<IAMClient> {
    if (this.#home !== undefined) return this.#home.iam();
    return this.#get('iam', async (c) => new (await sdk.iam()).IAMClient(c));
  }

  /** Closes every client's sockets (on the home factory: every Region's). */
  async destroy(): Promise<void> {
    if (this.#home === undefined) {
      await Promise.all([...this.#regions.values()].map((f) => f.destroy()));
      this.#regions.clear();
    }
    const clients = await Promise.allSettled(this.#clients.values());
    for (const c of clients) if (c.status === 'fulfilled') c.value.destroy();
    this.#clients.clear();
    if (this.#home !== undefined) return;
    this.#credentials.destroy();
    this.#agents?.httpAgent.destroy();
    this.#agents?.httpsAgent.destroy();
    this.#agents = undefined;
  }
}
