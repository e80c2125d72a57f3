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

  readonly #credentials: CredentialSource;

  constructor(target: AwsTarget) {
    this.target = target;
    this.#credentials = new CredentialSource(target, (entry) => this.#emit(entry));
  }

  #emit(entry: AuditEntry): void {
    for (const l of this.#listeners) l(entry);
  }

  #config(): ClientConfig {
    // Kept-alive sockets: probes call the same endpoints many times a second.
    this.#agents ??= { httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 50 }), httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 50 }) };
    const config = clientConfig(this.target, this.#agents);
    config.credentials = this.#credentials.provider(config);
    return config;
  }

  /**
   * Resolves the credentials the clients sign with (assuming the role, when the target names one) and says where they
   * came from, as far as the SDK records it. Fails as the clients would, with the SDK's reason.
   */
  resolveCredentials(): Promise<ResolvedCredentials> {
    return this.#credentials.resolve(() => this.#config());
  }

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
        auditClient(c, name, (entry) => this.#emit(entry));
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
    return this.#get('route53', async (c) => new (await sdk.route53()).Route53Client(c));
  }

  fis(): Promise<FisClient> {
    return this.#get('fis', async (c) => new (await sdk.fis()).FisClient(c));
  }

  ssm(): Promise<SSMClient> {
    return this.#get('ssm', async (c) => new (await sdk.ssm()).SSMClient(c));
  }

  sts(): Promise<STSClient> {
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
    return this.#get('iam', async (c) => new (await sdk.iam()).IAMClient(c));
  }

  /** Closes every client's sockets. */
  async destroy(): Promise<void> {
    const clients = await Promise.allSettled(this.#clients.values());
    for (const c of clients) if (c.status === 'fulfilled') c.value.destroy();
    this.#clients.clear();
    this.#credentials.destroy();
    this.#agents?.httpAgent.destroy();
    this.#agents?.httpsAgent.destroy();
    this.#agents = undefined;
  }
}
