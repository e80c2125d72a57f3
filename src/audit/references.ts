/**
 * The AWS pages the audit's rules cite: one constant per page, so a moved page is fixed in one place. Each was looked
 * up in AWS's documentation when the rule was written.
 */
export const REF = {
  multiAz: 'https://docs.aws.amazon.com/wellarchitected/latest/framework/rel_fault_isolation_multiaz_region_system.html',
  staticStability: 'https://docs.aws.amazon.com/wellarchitected/latest/framework/rel_withstand_component_failures_static_stability.html',
  asgHealthChecks: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-checks-overview.html',
  asgAttachLoadBalancer: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/attach-load-balancer-asg.html',
  asgSuspend: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-how-suspending-processes-affects-other-processes.html',
  crossZone: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/userguide/how-elastic-load-balancing-works.html#cross-zone-load-balancing',
  targetGroupHealthChecks: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html',
  rdsMultiAz: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZSingleStandby.html',
  rdsMultiAzCluster: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts.html',
  rdsSubnetGroups: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html',
  rdsReadReplicas: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.html',
  route53Failover: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-configuring.html',
  route53ActivePassive: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-types.html',
  route53HealthOfEndpoints: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html',
  route53EvaluateTargetHealth:
    'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-failover-alias.html#rrsets-values-failover-alias-evaluate-target-health',
  immutable: 'https://docs.aws.amazon.com/wellarchitected/latest/framework/rel_tracking_change_management_immutable_infrastructure.html',
  instanceRefresh: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh.html',
  updatePolicy: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html',
  natGateway: 'https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html',
} as const;
