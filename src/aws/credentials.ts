import type { STSClient } from '@aws-sdk/client-sts';
import { ErrorCode, GamedayError } from '../errors/gameday-error.js';
import { auditClient, type AuditEntry } from './audit.js';
import type { AwsTarget, ClientConfig, Credentials } from './client-config.js';
import { sdk } from './sdk.js';

/** Credentials as a client resolved them, with where they came from. */
export interface ResolvedCredentials {
  accessKeyId: string;
  expiration?: Date;
  /** Where the credentials came from, in words: "environment variables", "profile prod (SSO)", "instance role (IMDS)"… */
  source: string;
}

/**
 * The credentials every client of one target signs with: the target's static ones, else the SDK's default chain,
 * then the role the target assumes. One source per client factory, so they are resolved, cached and refreshed once.
 */
export class CredentialSource {
  #chain: (() => Promise<Credentials>) | undefined;
  #assumed: Promise<Credentials> | undefined;
  #roleSts: { destroy(): void; send: STSClient['send'] } | undefined;

  constructor(
    private readonly target: AwsTarget,
    /** Told of the role assumption's own STS calls, which belong in the audit trail. */
    private readonly emit: (entry: AuditEntry) => void,
  ) {}

  /**
   * What the clients get as `credentials`; `base` is their config, which the STS client that assumes the role
   * shares (agents, endpoint, retries).
   */
  provider(base: ClientConfig): Credentials | (() => Promise<Credentials>) {
    const source = this.target.credentials ?? (() => this.#source());
    const role = this.target.assumeRole;
    if (role === undefined) return source;
    const withSource = { ...base, credentials: source };
    const assume = (): Promise<Credentials> => {
      this.#assumed = this.#assume(withSource, role);
      return this.#assumed;
    };
    return () =>
      (this.#assumed ?? assume()).then((c) => {
        // Refreshed five minutes before the session expires.
        if (c.expiration !== undefined && c.expiration.getTime() - Date.now() < 300_000) return assume();
        return c;
      });
  }

  /**
   * Resolves the credentials the clients sign with (assuming the role, when the target names one) and says where they
   * came from, as far as the SDK records it. Fails as the clients would, with the SDK's reason.
   */
  async resolve(base: () => ClientConfig): Promise<ResolvedCredentials> {
    const source = await this.#source();
    const from =
      this.target.credentials === undefined
        ? describeSource(source, this.target.profile)
        : this.target.kind === 'sim'
          ? "the simulated region's fixed credentials"
          : `static credentials of the ${this.target.kind} target`;
    if (this.target.assumeRole === undefined)
      return { accessKeyId: source.accessKeyId, ...(source.expiration === undefined ? {} : { expiration: source.expiration }), source: from };
    const credentials = this.provider(base());
    const assumed = typeof credentials === 'function' ? await credentials() : source;
    return {
      accessKeyId: assumed.accessKeyId,
      ...(assumed.expiration === undefined ? {} : { expiration: assumed.expiration }),
      source: `role ${this.target.assumeRole.roleArn}, assumed with ${from}`,
    };
  }

  /** Forgets every cached credential and closes the role's STS client. */
  destroy(): void {
    this.#roleSts?.destroy();
    this.#roleSts = undefined;
    this.#assumed = undefined;
    this.#chain = undefined;
  }

  /**
   * The credentials the factory starts from: the target's static ones, else the SDK's default chain (for the
   * target's profile, when it names one).
   */
  async #source(): Promise<Credentials> {
    if (this.target.credentials !== undefined) return this.target.credentials;
    if (this.#chain === undefined) {
      const { fromNodeProviderChain } = await sdk.credentials();
      this.#chain ??= fromNodeProviderChain(this.target.profile === undefined ? {} : { profile: this.target.profile });
    }
    return this.#chain().catch((error: unknown) => {
      throw noCredentials(error, this.target.profile ?? (process.env.AWS_PROFILE || undefined));
    });
  }

  async #assume(base: ClientConfig, role: NonNullable<AwsTarget['assumeRole']>): Promise<Credentials> {
    const { STSClient, AssumeRoleCommand } = await sdk.sts();
    // Its own client, with the caller's credentials; kept (sharing the agents) until the factory is destroyed.
    let sts = this.#roleSts;
    if (sts === undefined) {
      const client = new STSClient(base);
      auditClient(client, 'sts', base.region, this.emit);
      sts = this.#roleSts = client;
    }
    try {
      const out = await sts.send(
        new AssumeRoleCommand({ RoleArn: role.roleArn, RoleSessionName: role.sessionName, ExternalId: role.externalId, DurationSeconds: 3_600 }),
      );
      const c = out.Credentials;
      // Caught below, and said to the operator as the reason the role could not be assumed.
      if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined) throw new Error('STS returned no credentials');
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken === undefined ? {} : { sessionToken: c.SessionToken }),
        ...(c.Expiration === undefined ? {} : { expiration: c.Expiration }),
      };
    } catch (error) {
      this.#assumed = undefined;
      throw new GamedayError(ErrorCode.AwsCallFailed, `Cannot assume role ${role.roleArn}: ${error instanceof Error ? error.message : String(error)}.`, {
        cause: error,
      });
    }
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
  if (has('CREDENTIALS_PROFILE_SSO') || has('CREDENTIALS_PROFILE_SSO_LEGACY') || has('CREDENTIALS_SSO') || has('CREDENTIALS_SSO_LEGACY'))
    return `${named} (SSO)`;
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
  const places = [
    ...(profile === undefined ? ['environment variables'] : []),
    `shared config/credentials files (${files})`,
    ...(profile === undefined ? [] : [`profile ${profile}`]),
    'SSO',
    'container/instance metadata',
  ];
  const reason =
    error instanceof Error && !/^Could not load credentials from any providers/.test(error.message)
      ? `: ${error.message.split('\n')[0]?.replace(/\.$/, '') ?? ''}`
      : '';
  // Shaped as the SDK's CredentialsProviderError, not a GamedayError: awsCall wraps it in an AwsCallError, which keeps this sentence.
  return Object.assign(new Error(`No AWS credentials found (looked in: ${places.join(', ')})${reason}`, { cause: error }), {
    name: 'CredentialsProviderError',
  });
}
