import type { EC2Client } from '@aws-sdk/client-ec2';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { FisClient } from '@aws-sdk/client-fis';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { STSClient } from '@aws-sdk/client-sts';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { AuditEntry } from './audit.js';
import type { AwsTarget } from './client-config.js';

/**
 * The AWS surface a run, its actions and its probes use. Definitions and the engine see this, not the factory that
 * builds clients and credentials, so a test or another caller can supply its own.
 */
export interface AwsClients {
  /** Where and as whom the calls go. */
  readonly target: AwsTarget;
  ec2(): Promise<EC2Client>;
  autoScaling(): Promise<AutoScalingClient>;
  elbv2(): Promise<ElasticLoadBalancingV2Client>;
  rds(): Promise<RDSClient>;
  route53(): Promise<Route53Client>;
  fis(): Promise<FisClient>;
  /** Systems Manager: Run Command on instances (the application-failure fault). */
  ssm(): Promise<SSMClient>;
  sts(): Promise<STSClient>;
  cloudWatch(): Promise<CloudWatchClient>;
  /** Stacks and their templates: what `gameday twin` and `gameday audit` read that the resources' own APIs do not say. */
  cloudFormation(): Promise<CloudFormationClient>;
  /** One signed restJson request for an operation the installed SDK client lacks, with the clients' retries and audit. */
  signedJson(
    service: 'fis',
    operation: string,
    request: { method: string; path: string; body?: unknown },
    signal?: AbortSignal,
  ): Promise<{ body: unknown; $metadata: { requestId?: string; httpStatusCode: number } }>;
  /**
   * The same clients for another Region: the same endpoint, credentials, retries and audit trail, with every regional
   * client signing for `region`. Route 53, IAM and STS stay the global ones. Asking for the target's own Region gives
   * these clients back.
   */
  inRegion(region: string): AwsClients;
  /** Subscribes to every AWS call made through these clients (the audit trail); returns the unsubscribe. */
  onCall(listener: (entry: AuditEntry) => void): () => void;
}
