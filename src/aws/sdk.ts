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
