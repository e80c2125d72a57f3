/** AWS SDK v3 modules, loaded on first use so commands that never call AWS (validate, schema) start fast. */
export const sdk = {
  ec2: () => import('@aws-sdk/client-ec2'),
  autoScaling: () => import('@aws-sdk/client-auto-scaling'),
  elbv2: () => import('@aws-sdk/client-elastic-load-balancing-v2'),
  rds: () => import('@aws-sdk/client-rds'),
  route53: () => import('@aws-sdk/client-route-53'),
  fis: () => import('@aws-sdk/client-fis'),
  ssm: () => import('@aws-sdk/client-ssm'),
  sts: () => import('@aws-sdk/client-sts'),
  cloudWatch: () => import('@aws-sdk/client-cloudwatch'),
  iam: () => import('@aws-sdk/client-iam'),
  cloudFormation: () => import('@aws-sdk/client-cloudformation'),
  credentials: () => import('@aws-sdk/credential-providers'),
};

/**
 * Loads the SDK modules of the services experiments act on and probe, for a long-running process (`gameday worker`)
 * before it takes work: loading one blocks the event loop for seconds on a busy machine, long enough to miss a lease
 * renewal if it happened in the middle of a run.
 */
export async function preloadServiceClients(): Promise<void> {
  await Promise.all([sdk.ec2(), sdk.autoScaling(), sdk.elbv2(), sdk.rds(), sdk.route53(), sdk.fis(), sdk.ssm(), sdk.sts(), sdk.cloudWatch()]);
}
