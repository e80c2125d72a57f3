/**
 * The behaviours of the simulated region that follow AWS's documentation, each with its source and the test that
 * shows it. `docs/fidelity.md` lists them; `test/sim/fidelity.test.ts` checks that each test file exists and cites
 * the source.
 */
export interface Behaviour {
  area: 'EC2' | 'Auto Scaling' | 'ELB' | 'RDS' | 'Route 53' | 'CloudWatch' | 'FIS' | 'SSM' | 'CloudFormation' | 'Availability Zone' | 'Region' | 'All APIs';
  /** One sentence: what the region does. */
  behaviour: string;
  /** An AWS documentation URL, or 'assumed'. */
  source: string;
  /** The test file (under test/) that shows it; it cites `source`. */
  test: string;
}

export const BEHAVIOURS: Behaviour[] = [
  {
    area: 'Route 53',
    behaviour:
      "An alias record with EvaluateTargetHealth inherits its load balancer's health (a healthy target or not), learnt after route53AliasTargetHealth (30 s, assumed), so DNS never reacts to a lost Region or zone at once; a location's answer then moves to the next Region only after it.",
    source: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-complex-configs.html',
    test: 'test/engine/global-experiments.test.ts',
  },
  {
    area: 'Region',
    behaviour:
      'A read replica in another Region follows its source asynchronously and is promoted with everything not yet applied lost; a Region outage (every zone dark, the database subnets denying all traffic) stops the replication at once.',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.XRgn.html',
    test: 'test/engine/global-experiments.test.ts',
  },
  {
    area: 'EC2',
    behaviour: 'An instance that reaches running does not answer until its OS has booted and its application started (instanceBoot).',
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PredictiveScalingConfiguration.html',
    test: 'test/sim/timing.test.ts',
  },
  {
    area: 'EC2',
    behaviour: 'A reboot keeps the instance running while its workload is down for the reboot time, which is minutes, not seconds.',
    source: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-reboot.html',
    test: 'test/sim/timing.test.ts',
  },
  {
    area: 'RDS',
    behaviour: 'A Multi-AZ DB instance failover (RebootDBInstance with ForceFailover) keeps the endpoint down 60–120 s.',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html',
    test: 'test/sim/rds.test.ts',
  },
  {
    area: 'ELB',
    behaviour:
      'A registered target is healthy after one passing check; UnhealthyThresholdCount failures make it unhealthy (a target registered while its instance boots fails its first checks), and an unhealthy target needs HealthyThresholdCount consecutive passes (default 5 × 30 s).',
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html',
    test: 'test/sim/lb-timing.test.ts',
  },
  {
    area: 'ELB',
    behaviour:
      'A target whose instance is stopping/stopped or shutting-down/terminated is unused with Target.InvalidState ("Target is in the stopped state" / "… terminated state") and gets no new request (from stopping and shutting-down on: assumed).',
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html',
    test: 'test/sim/lb-timing.test.ts',
  },
  {
    area: 'ELB',
    behaviour:
      'The load balancer answers 504 when a target does not accept the connection within the connect timeout (10 s; a subnet whose traffic is denied drops packets) or sends nothing within the idle timeout (60 s), both in AWS time; 502 when the target refuses or resets; 503 with no registered target.',
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html',
    test: 'test/sim/lb-timing.test.ts',
  },
  {
    area: 'ELB',
    behaviour: 'When no target is healthy, the load balancer fails open and routes to all registered targets.',
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html',
    test: 'test/sim/alb.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour:
      'An instance the group terminates (scale-in, unhealthy replacement, TerminateInstanceInAutoScalingGroup) is Terminating and first deregistered: its target drains (Target.DeregistrationInProgress, activity WaitingForELBConnectionDraining) for the deregistration delay, then the instance shuts down.',
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LoadBalancerTargetGroupState.html',
    test: 'test/sim/lb-timing.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour: 'The replacement of an instance the group terminates is launched while that instance is still terminating, not after.',
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/replace-unhealthy-instance.html',
    test: 'test/sim/lb-timing.test.ts',
  },
  {
    area: 'CloudWatch',
    behaviour:
      'ALB and RDS metrics have one datapoint per 60-s period, the aggregate (Sum, Average, Minimum, Maximum) of the whole period; an alarm with a 10-s or 30-s period on them never gets data and stays INSUFFICIENT_DATA.',
    source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html',
    test: 'test/sim/cloudwatch.test.ts',
  },
  {
    area: 'CloudWatch',
    behaviour: 'Count metrics (RequestCount, HTTPCode_*_Count) publish nothing for a period without events; a 60-s alarm fires only after its period ends.',
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html',
    test: 'test/sim/cloudwatch.test.ts',
  },
  {
    area: 'CloudWatch',
    behaviour: 'Missing data is treated as missing: an alarm whose evaluation range has no datapoint is INSUFFICIENT_DATA.',
    source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html',
    test: 'test/sim/alarm.test.ts',
  },
  {
    area: 'Route 53',
    behaviour:
      'A health check is probed from eight checker regions by default (or its HealthCheckRegions, at least three), each at its own offset in the interval and applying FailureThreshold on its own; the check is healthy while more than 18 % of checkers are, so a flip spreads over an interval.',
    source: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html',
    test: 'test/sim/route53-health-checkers.test.ts',
  },
  {
    area: 'Route 53',
    behaviour:
      'HTTP(S) checks must connect within 4 s and answer 2xx/3xx within 2 s; TCP checks connect within 10 s (AWS time; never under 500 ms of wall time).',
    source: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html',
    test: 'test/sim/route53-health-checkers.test.ts',
  },
  {
    area: 'EC2',
    behaviour:
      'DescribeAvailabilityZones lists the Availability Zones (opt-in-not-required, group and network border group the Region) and the opted-in Local Zones and Wavelength Zones with their ZoneType, GroupName, NetworkBorderGroup, ZoneId, ParentZoneName and ParentZoneId; AllAvailabilityZones adds the not-opted-in ones, and the zone-type, opt-in-status, group-name and parent-zone-name filters select among them.',
    source: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AvailabilityZone.html',
    test: 'test/sim/edge-zones.test.ts',
  },
  {
    area: 'EC2',
    behaviour:
      "ModifyAvailabilityZoneGroup accepts only opted-in (opting out needs AWS Support) and answers at once; the group's zones turn opted-in after edgeZoneOptIn (minutes, assumed).",
    source: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyAvailabilityZoneGroup.html',
    test: 'test/sim/edge-zones.test.ts',
  },
  {
    area: 'Availability Zone',
    behaviour:
      'A Local Zone is named after its Region and location (us-east-1-bos-1a); its group and network border group are the name without its last letter and its id is use1-bos1-az1, with a parent Availability Zone of the Region.',
    source: 'https://docs.aws.amazon.com/local-zones/latest/ug/available-local-zones.html',
    test: 'test/sim/topology-edge-zones.test.ts',
  },
  {
    area: 'Availability Zone',
    behaviour:
      'A Wavelength Zone is named after its Region, carrier group and city (us-east-1-wl1-bos-wlz-1, id use1-wl1-bos-wlz1); its network border group is its name and its group the carrier group (us-east-1-wl1, assumed).',
    source: 'https://docs.aws.amazon.com/wavelength/latest/developerguide/available-wavelength-zones.html',
    test: 'test/sim/topology-edge-zones.test.ts',
  },
  {
    area: 'ELB',
    behaviour: "An ALB's zones are all of one type: a topology enabling one in both an Availability Zone and a Local Zone is refused.",
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html',
    test: 'test/sim/topology-edge-zones.test.ts',
  },
  {
    area: 'Availability Zone',
    behaviour:
      "A Local Zone or Wavelength Zone is a failure domain of its own, impaired and restored as an Availability Zone is (and by its Region's outage); a load balancer enabled only there answers a client after the client's latency to the zone's network border group.",
    source: 'assumed',
    test: 'test/sim/edge-zones.test.ts',
  },
  {
    area: 'Availability Zone',
    behaviour:
      "A subnet associated with a network ACL that denies all traffic in or out loses its connectivity (connections hang) until it is associated with one that lets traffic through; every subnet starts on the VPC's allow-all default ACL.",
    source: 'https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html',
    test: 'test/sim/network-acls.test.ts',
  },
  {
    area: 'Availability Zone',
    behaviour:
      "A load balancer's DNS name answers one address per enabled zone; a node whose zone loses power or connectivity hangs, and leaves DNS after elbNodeDnsRemoval.",
    source: 'https://repost.aws/knowledge-center/elb-dns-cross-zone-balance-configuration',
    test: 'test/sim/az-failure.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour:
      'A group whose subnets (VPCZoneIdentifier) no longer include a zone replaces its instances there in the zones it keeps; given the zone back, it launches there first, the zone with the fewest instances.',
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-add-availability-zone.html',
    test: 'test/sim/network-acls.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour:
      "A launch into a zone without capacity is a Failed activity with EC2's InsufficientInstanceCapacity message, and the group launches into another zone instead (balanced-best-effort).",
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AvailabilityZoneDistribution.html',
    test: 'test/sim/az-failure.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour: 'When the zones are unbalanced by more than one instance, AZRebalance launches into the emptiest zone first, then terminates from the fullest.',
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-availability-zone-balanced.html',
    test: 'test/sim/az-failure.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour:
      'Suspended processes stop: Launch (no launch at all), Terminate (no scale-in), HealthCheck (no instance marked unhealthy by EC2 or ELB checks), ReplaceUnhealthy (unhealthy instances stay in service), AZRebalance, AddToLoadBalancer (new instances are not registered, nor later); resuming ReplaceUnhealthy replaces the unhealthy instances at once.',
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html',
    test: 'test/sim/autoscaling.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour:
      "An instance refresh (Rolling) replaces the group's instances in batches: with MaxHealthyPercentage 100 it terminates up to desired − ⌈min % × desired⌉ (at least one) and launches their replacements; above 100 it launches up to ⌊max % × desired⌋ − desired new instances first and terminates the old ones once the new are InService, healthy (ELB: their targets healthy) and past the instance warmup, so the group never drops below its desired capacity in service; it pauses at checkpoints, bakes, and on success the group takes the desired configuration.",
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html',
    test: 'test/sim/instance-refresh.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour:
      "An instance refresh fails when an alarm of its AlarmSpecification goes into ALARM, or (assumed) after three replacements that failed to launch or were found unhealthy before they were ready, or after instanceRefreshNoProgress without a ready replacement; with AutoRollback it then replaces the instances deployed so far with the group's previous configuration (RollbackInProgress → RollbackSuccessful), without it the group is left with a mix of versions (Failed).",
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html',
    test: 'test/sim/instance-refresh.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour:
      'One active instance refresh per group (InstanceRefreshInProgress); CancelInstanceRefresh lets the replacements in flight finish (Cancelling → Cancelled); RollbackInstanceRefresh is IrreversibleInstanceRefresh without a desired configuration or for a group on $Latest or $Default; the preferences default as the CLI and SDKs do (90 %, 100 %, the DefaultInstanceWarmup or else the grace period, a 1 h checkpoint delay).',
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-instance-refresh-default-values.html',
    test: 'test/sim/instance-refresh.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour: 'An instance refresh starts no replacement while InstanceRefresh, Launch or Terminate is suspended, and AZRebalance waits for it (assumed).',
    source: 'assumed',
    test: 'test/sim/instance-refresh.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour:
      'DetachInstances drains the instance from the target groups (Detaching), then it leaves the group still running; without ShouldDecrementDesiredCapacity the group launches a replacement at once.',
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-detach-attach-instances.html',
    test: 'test/sim/autoscaling.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour:
      "Scaling activities give AWS's causes: 'a user health-check' after SetInstanceHealth, 'an ELB system health check failure', 'an EC2 health check indicating it has been terminated or stopped', and 'an unhealthy instance needing to be replaced' for the replacement.",
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/replace-unhealthy-instance.html',
    test: 'test/sim/autoscaling.test.ts',
  },
  {
    area: 'ELB',
    behaviour:
      'The deregistration delay is the target group attribute deregistration_delay.timeout_seconds (0–3600, default 300): a deregistered target drains that long, and a terminating or detaching Auto Scaling instance waits for the drain.',
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html',
    test: 'test/sim/elbv2.test.ts',
  },
  {
    area: 'RDS',
    behaviour:
      "A Multi-AZ DB instance whose primary's zone loses power or connectivity fails over to its standby by itself within dbFailover; a failover to a standby in an impaired zone is refused.",
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html',
    test: 'test/sim/az-failure.test.ts',
  },
  {
    area: 'RDS',
    behaviour: "A Multi-AZ DB cluster whose writer's zone loses power or connectivity promotes a reader in another zone by itself within dbClusterFailover.",
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-failover.html',
    test: 'test/sim/az-failure.test.ts',
  },
  {
    area: 'RDS',
    behaviour:
      "A Multi-AZ DB cluster's reader endpoint answers one reader per DNS answer, the next one each time, so successive connections reach every reader; a reader in an impaired zone is passed over.",
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-connection-management.html',
    test: 'test/sim/rds-cluster.test.ts',
  },
  {
    area: 'RDS',
    behaviour:
      "A read replica (CreateDBInstanceReadReplica, or a topology's replicaOf) starts from a copy of its source, serves read-only (a write fails with SQLSTATE 25006) and receives each of the source's completed units of work asynchronously, in commit order, after a lag drawn per unit (replicaLag, assumed); DescribeDBInstances shows ReadReplicaSourceDBInstanceIdentifier, the source's ReadReplicaDBInstanceIdentifiers and the replica's StatusInfos (replicating, or error while its source is unreachable).",
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Monitoring.html',
    test: 'test/sim/rds-read-replica.test.ts',
  },
  {
    area: 'RDS',
    behaviour:
      "While a read replica's source is unreachable (stopped, rebooting, its zone dark) nothing reaches the replica; what was pending resumes in order when the source returns (assumed: RDS documents no figure for this).",
    source: 'assumed',
    test: 'test/sim/rds-read-replica.test.ts',
  },
  {
    area: 'RDS',
    behaviour:
      'PromoteReadReplica stops replication at once (units the replica had not applied are lost for good), shows modifying, then reboots (dbPromote + dbReboot) before the instance serves read-write; its source no longer lists it, and a DB instance that is not a read replica is refused with InvalidDBInstanceState.',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Promote.html',
    test: 'test/sim/rds-read-replica.test.ts',
  },
  {
    area: 'Region',
    behaviour:
      "A regional service's call signed for a region other than the region's is refused with SignatureDoesNotMatch (403) \"Credential should be scoped to a valid region, not '<region>'.\" in the service's own wire protocol, never answered with the region's data; IAM, Route 53 and STS, global, answer whatever region a call is signed for.",
    source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html',
    test: 'test/sim/regions.test.ts',
  },
  {
    area: 'Region',
    behaviour:
      "In a world of several Regions, one endpoint serves each regional call from the Region of its SigV4 credential scope: its own zones, instances and load balancers, none of another Region's; a Region the world does not hold is refused with SignatureDoesNotMatch (403).",
    source: 'https://docs.aws.amazon.com/general/latest/gr/rande.html',
    test: 'test/sim/multi-region.test.ts',
  },
  {
    area: 'Route 53',
    behaviour:
      "Route 53 is global: a client of any Region sees the same hosted zones, and a record of a zone aliases a load balancer of another Region (a failover pair across Regions), whose health check probes that Region's load balancer.",
    source: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html',
    test: 'test/sim/multi-region.test.ts',
  },
  {
    area: 'Region',
    behaviour:
      "A Region outage (POST /_sim/regions/<region>/impair) impairs every zone of that Region at once, with each zone's failure-domain effects, and leaves the other Regions untouched (Regions are isolated from each other).",
    source: 'https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/regions.html',
    test: 'test/sim/multi-region.test.ts',
  },
  {
    area: 'Region',
    behaviour: 'An unsigned call is refused with MissingAuthenticationToken (403).',
    source: 'https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html',
    test: 'test/sim/regions.test.ts',
  },
  {
    area: 'RDS',
    behaviour:
      'StopDBInstance: stopping, then stopped (dbStop), the endpoint refusing from the start; StartDBInstance on a stopped instance: starting, then available (dbStart) with the same endpoint and data. Each emits "DB instance stopped." or "DB instance started." (notification). Either on a DB instance in another state is InvalidDBInstanceState.',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_StopInstance.html',
    test: 'test/sim/rds.test.ts',
  },
  {
    area: 'RDS',
    behaviour:
      'RebootDBInstance on a member of a Multi-AZ DB cluster restarts it in place (rebooting for dbReboot) with no failover: a writer stays the writer (its endpoint refuses meanwhile), a reader leaves the writer serving; ForceFailover is InvalidParameterCombination.',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-rebooting.html',
    test: 'test/sim/rds-cluster.test.ts',
  },
  {
    area: 'RDS',
    behaviour:
      'A Multi-AZ DB cluster and its members cannot be stopped or started: StopDBInstance/StartDBInstance on a member and StopDBCluster/StartDBCluster are InvalidParameterCombination (the code AWS gives for Aurora members; the wording is assumed).',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts.Limitations.html',
    test: 'test/sim/rds-cluster.test.ts',
  },
  {
    area: 'RDS',
    behaviour:
      'DescribeDBInstances and DescribeDBClusters take their documented Filters (an unknown name is InvalidParameterValue "Unrecognized filter name"), and page with MaxRecords (default 100; outside 20–100 InvalidParameterValue) and Marker.',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html',
    test: 'test/sim/aws-cli-rds.test.ts',
  },
  {
    area: 'RDS',
    behaviour:
      'DescribeEvents reads the past hour by default (StartTime, EndTime, Duration), by SourceType, SourceIdentifier (which requires SourceType) and EventCategories, paged like the describe operations.',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeEvents.html',
    test: 'test/sim/rds.test.ts',
  },
  {
    area: 'RDS',
    behaviour:
      "A Multi-AZ DB cluster's reader endpoint, and each reader instance's endpoint, serve the writer's committed data read-only: a write fails with SQLSTATE 25006 (cannot execute INSERT in a read-only transaction); after a failover the old writer is a reader.",
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-connection-management.html',
    test: 'test/sim/rds-engines.test.ts',
  },
  {
    area: 'FIS',
    behaviour:
      "aws:network:disrupt-connectivity takes every scope; only `all` takes the subnet's instances, load balancer node and database nodes down (connections hang). The ICE actions fail launches in their zones.",
    source: 'https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html',
    test: 'test/sim/fis.test.ts',
  },
  {
    area: 'FIS',
    behaviour: 'A target that resolves to nothing fails the experiment, unless emptyTargetResolutionMode is skip: then the actions on it are skipped.',
    source: 'https://docs.aws.amazon.com/fis/latest/userguide/experiment-options.html',
    test: 'test/sim/fis.test.ts',
  },
  {
    area: 'All APIs',
    behaviour:
      "A request that breaks its operation's model constraints (required, length, range, enum, pattern) gets the protocol's validation error before the operation runs: MissingParameter/InvalidParameterValue (EC2), ValidationError (awsQuery, CloudWatch), InvalidInput (Route 53), ValidationException (FIS).",
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html',
    test: 'test/sim/conformance/models.test.ts',
  },
  {
    area: 'All APIs',
    behaviour:
      'An operation of the service model the region does not serve answers InvalidAction 400 (EC2, awsQuery) or UnknownOperationException (CloudWatch 400; Route 53 and FIS 404, the status assumed), never a success.',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html',
    test: 'test/sim/conformance/models.test.ts',
  },
  {
    area: 'EC2',
    behaviour:
      "An instance's status checks are initializing while its OS boots, then ok; the system check fails while its zone has lost connectivity; a stopped instance's are not-applicable (so `aws ec2 wait instance-status-ok` waits out a boot).",
    source: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-system-instance-status-check.html',
    test: 'test/sim/aws-cli-ops.test.ts',
  },
  {
    area: 'Route 53',
    behaviour:
      'ListResourceRecordSets orders record sets by name with labels reversed, then type, then set identifier, and pages from StartRecordName/Type/Identifier, so record sets sharing a name page apart.',
    source: 'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html',
    test: 'test/sim/aws-cli-ops.test.ts',
  },
  {
    area: 'Route 53',
    behaviour:
      "Latency records: each client location gets the healthy record whose Region has the lowest latency in its `latency` table (a Region the table lacks is unreachably far), and the next nearest once that record's health check fails; a client without a location is answered as if in the region's own Region (assumed).",
    source: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-latency.html',
    test: 'test/sim/route53-routing.test.ts',
  },
  {
    area: 'Route 53',
    behaviour:
      'Geolocation records: the most specific match wins (US state, country, continent, then the default `*`); an unhealthy record falls to the less specific one; an address mapped to no location gets only the default; no match and no default is NOERROR with no answer.',
    source: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-geo.html',
    test: 'test/sim/route53-routing.test.ts',
  },
  {
    area: 'Route 53',
    behaviour:
      'Multivalue answer records: up to eight healthy records, a different random draw per question; a record without a health check is healthy; when none is healthy, up to eight unhealthy records.',
    source: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-multivalue.html',
    test: 'test/sim/route53-routing.test.ts',
  },
  {
    area: 'Route 53',
    behaviour:
      "Geoproximity records: the healthy record with the smallest biased distance, actual distance × (1 − bias/100), from the client location's coordinates to the record's coordinates, Region or Local Zone group (approximate metro coordinates, assumed); a client without coordinates is measured from the region's own Region (assumed).",
    source: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-geoproximity.html',
    test: 'test/sim/route53-routing.test.ts',
  },
  {
    area: 'Route 53',
    behaviour:
      'When every record a latency, geolocation, geoproximity or multivalue answer group could give a client is unhealthy, Route 53 considers them all healthy and routes as if they were (latency: the nearest Region again; geolocation: the most specific match).',
    source: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html',
    test: 'test/sim/route53-routing-rules.test.ts',
  },
  {
    area: 'Route 53',
    behaviour:
      'The DNS server locates a question by its EDNS client subnet (RFC 7871) when one is sent and a client location holds it, else by its source address; TestDNSAnswer places ResolverIP and EDNS0ClientSubnetIP the same way.',
    source: 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-edns0.html',
    test: 'test/sim/route53-routing.test.ts',
  },
  {
    area: 'Route 53',
    behaviour:
      "An answer to a question with a client subnet echoes the option with scope prefix length equal to the source prefix when the answer depends on the client's location, and 0 when it does not (RFC 7871 §7.2.1; Route 53's own scopes are not documented).",
    source: 'assumed',
    test: 'test/sim/route53-routing.test.ts',
  },
  {
    area: 'CloudWatch',
    behaviour:
      "GetMetricStatistics and GetMetricData aggregate the ALB's one-minute datapoints into periods that are multiples of 60 s (others are refused), over awsJson1_0 and awsQuery alike.",
    source: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html',
    test: 'test/sim/cloudwatch.test.ts',
  },
  {
    area: 'ELB',
    behaviour:
      'A target in a zone its load balancer is not enabled in is `unused` with Target.NotInUse, gets no health checks and no traffic; DescribeLoadBalancers lists only the enabled zones.',
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html',
    test: 'test/sim/read-model.test.ts',
  },
  {
    area: 'RDS',
    behaviour: 'A Multi-AZ DB instance whose DB subnet group covers one zone is refused; its standby goes to another zone of its subnet group.',
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html',
    test: 'test/sim/read-model.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour:
      'A group names its launch template version as given (`$Default` unless set, `$Latest` or a number); each instance reports the version it was launched with, so instances launched before a template update show the older one.',
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html',
    test: 'test/sim/read-model.test.ts',
  },
  {
    area: 'CloudFormation',
    behaviour:
      'A region loaded from a template serves its stack (DescribeStacks, ListStackResources, DescribeStackResources, GetTemplate, DescribeStackEvents); a stack it does not have answers ValidationError.',
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html',
    test: 'test/sim/cloudformation-read.test.ts',
  },
  {
    area: 'CloudFormation',
    behaviour:
      "A template group's UpdatePolicy is read after its intrinsics: AutoScalingRollingUpdate (MaxBatchSize default 1, MinInstancesInService default 0 and below MaxSize, PauseTime default PT0S or PT5M with WaitOnResourceSignals, SuspendProcesses), or AutoScalingReplacingUpdate when WillReplace is true, which takes precedence; a malformed value is refused naming its path.",
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html',
    test: 'test/sim/cloudformation-update.test.ts',
  },
  {
    area: 'CloudFormation',
    behaviour:
      "UpdateStack with the stack's own template and new values of parameters that reach a launch template's data (an AMI, an instance type) gives the template a new version (LatestVersionNumber increments) and the group whose Version is `!GetAtt <Lt>.LatestVersionNumber` rolls it out: UPDATE_IN_PROGRESS → UPDATE_COMPLETE_CLEANUP_IN_PROGRESS → UPDATE_COMPLETE, with DescribeStackEvents; an update that changes nothing answers \"No updates are to be performed.\", any other change a ValidationError (the sim's limit), another update while one runs a ValidationError.",
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStack.html',
    test: 'test/sim/cloudformation-update.test.ts',
  },
  {
    area: 'CloudFormation',
    behaviour:
      "A rolling update replaces at most MaxBatchSize instances at a time, launching a batch first (above the desired capacity) whenever removing it would leave fewer than MinInstancesInService in service, and keeps SuspendProcesses suspended until it ends; with WaitOnResourceSignals each batch has PauseTime to serve, where the sim, which has no cfn-signal, counts an instance whose targets are healthy as signalled (assumed stand-in), and a batch that does not is UPDATE_FAILED: UPDATE_ROLLBACK_IN_PROGRESS, the group's old version restored, UPDATE_ROLLBACK_COMPLETE (the new launch template version stays: assumed).",
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html',
    test: 'test/sim/cloudformation-update.test.ts',
  },
  {
    area: 'CloudFormation',
    behaviour:
      "A replacing update (WillReplace true) launches the new version at full capacity, which has its CreationPolicy's ResourceSignal Timeout (default PT5M) to serve, and removes the old instances in UPDATE_COMPLETE_CLEANUP_IN_PROGRESS; the sim launches them into the same group and terminates the old ones, where AWS creates a new group and deletes the old one (the sim's deviation).",
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html',
    test: 'test/sim/cloudformation-update.test.ts',
  },
  {
    area: 'SSM',
    behaviour:
      "SendCommand with AWSFIS-Run-Kill-Process (ProcessName, Signal SIGTERM or SIGKILL) on instances by InstanceIds or Targets (`tag:<key>`, InstanceIds): each invocation goes Pending → InProgress → Success (ssmCommandDelivery, ssmCommandExecution); naming the launch template's `processName` (default `gameday-app`) kills the workload, which refuses connections until the instance is rebooted, started again or replaced (assumed: no supervisor restarts it); another name fails with response code 1 (assumed, as killall does).",
    source: 'https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html',
    test: 'test/sim/ssm.test.ts',
  },
  {
    area: 'SSM',
    behaviour:
      'An unknown document is refused with InvalidDocument; a shutting-down or terminated instance in InstanceIds with InvalidInstanceId; an instance not running when the command is delivered fails its invocation with StatusDetails Undeliverable (assumed at delivery, not after the delivery timeout).',
    source: 'https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html',
    test: 'test/sim/ssm.test.ts',
  },
  {
    area: 'SSM',
    behaviour:
      "SendCommand with AWS FIS's degradation documents (AWSFIS-Run-Network-Latency and -Latency-Sources, -Network-Packet-Loss and -Packet-Loss-Sources, -Network-Blackhole-Port, -CPU-Stress, -Memory-Stress) resolves their parameters as the FIS guide lists them (required DurationSeconds, Sources, Port, Protocol, Percent; defaults Interface eth0 (DEFAULT on the -Sources documents), DelayMilliseconds 200, JitterMilliseconds 10 (the -Latency-Sources document only: AWSFIS-Run-Network-Latency has none, and refuses it as any undeclared parameter, InvalidParameters), FlowsPercent 100, LossPercent 7, TrafficType ingress, CPU 0, LoadPercent 100, Workers 1, InstallDependencies True); the effect starts when the invocation turns InProgress and lasts DurationSeconds of AWS time, then ends by itself and the invocation succeeds; a reboot, stop or termination ends it and fails the invocation (assumed).",
    source: 'https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html',
    test: 'test/sim/ssm-degradation.test.ts',
  },
  {
    area: 'SSM',
    behaviour:
      "CancelCommand (all the command's instances, or those InstanceIds names) turns each invocation not yet ended Cancelled and ends its effect at once (assumed immediate: AWS documents no time for the document's cleanup); the command then shows Cancelled. A missing parameter, an unknown one or a value outside the document's range is InvalidParameters naming it; an unknown document is InvalidDocument naming it.",
    source: 'https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html',
    test: 'test/sim/ssm-degradation.test.ts',
  },
  {
    area: 'SSM',
    behaviour:
      "Network latency (delay ± uniform jitter, in wall ms at every speed: network time, not an AWS duration) is felt once per request by what reaches the instance's workload (clients, the load balancer's forwarding and health checks), and by the instance's own connections through its `outbound(address, port)`; with Sources only traffic to or from those addresses or CIDR blocks is delayed (assumed: one round trip a request, as on a reused connection; a new connection's handshake would add another).",
    source: 'assumed',
    test: 'test/sim/ssm-degradation.test.ts',
  },
  {
    area: 'SSM',
    behaviour:
      "The -Sources documents' Sources take an IPv4 address, an IPv4 CIDR block, a domain name, an AZ name (us-east-1a), an AZ ID (use1-az1, as DescribeAvailabilityZones gives ZoneId), ALL, DYNAMODB and S3; an AZ name or ID covers the addresses the region places in that zone (its instances' private addresses, its database nodes', its load balancer nodes'; assumed: as the zone's subnets would be), ALL every address, DYNAMODB and S3 nothing (the region serves neither). Interface takes ALL, DEFAULT (the primary interface) or names separated by commas; an instance has one interface, eth0 (assumed), so a list naming another fails the invocation as tc does.",
    source: 'https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html',
    test: 'test/sim/ssm-documents.test.ts',
  },
  {
    area: 'SSM',
    behaviour:
      "FlowsPercent (0 to 100, default 100) takes that share of the flows that Sources covers: per connection for requests reaching the instance's workload (a connection's fate is drawn once from its two ends, so all its requests share it), and per exchange for the instance's own database queries, whose connection is not known when the app asks (assumed: AWS does not say how flows are picked). FlowsPercent 0 affects nothing.",
    source: 'assumed',
    test: 'test/sim/ssm-documents.test.ts',
  },
  {
    area: 'SSM',
    behaviour:
      "AWSFIS-Run-Network-Blackhole-Port, -Network-Latency, -Network-Latency-Sources, -Network-Packet-Loss and -Network-Packet-Loss-Sources cannot run in parallel (the guide's Limitations): one of them sent to an instance while another is in effect there fails on that instance (Failed, a nonzero ResponseCode, and StandardErrorContent saying another network fault is running) and the first stays in effect; CPU and memory stress run beside them. How AWS reports the conflict is not documented (assumed).",
    source: 'assumed',
    test: 'test/sim/ssm-documents.test.ts',
  },
  {
    area: 'SSM',
    behaviour:
      'Packet loss: each request (or outbound exchange) is lost with the LossPercent chance, and each loss costs one TCP retransmission timeout, 1 s doubling per further loss (RFC 6298 sections 2.4 and 5.5); past six losses (Linux tcp_syn_retries) it is never answered, so 100 % loss drops the traffic. The timeouts are wall time: at high speeds a retransmitted health check can time out where on AWS it would pass (assumed).',
    source: 'assumed',
    test: 'test/sim/ssm-degradation.test.ts',
  },
  {
    area: 'SSM',
    behaviour:
      "A blackholed TCP port with TrafficType ingress leaves connections to it unanswered (the load balancer's health checks time out: Target.Timeout after UnhealthyThresholdCount checks); with egress, the instance's own connections to that port are dropped.",
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html',
    test: 'test/sim/ssm-degradation.test.ts',
  },
  {
    area: 'SSM',
    behaviour:
      'CPU stress at LoadPercent p makes a request that needs 10 ms of CPU take 10 / (1 − p) ms (a processor-sharing slowdown), whatever the CPU count; from 95 % requests are never answered (they time out). Memory stress from 90 % answers every request 503: the OOM killer is assumed to take the larger stress-ng workers, so the app lives but fails its allocations. All assumed: AWS documents the stress, not its effect on an application.',
    source: 'assumed',
    test: 'test/sim/ssm-degradation.test.ts',
  },
  {
    area: 'ELB',
    behaviour:
      "A load balancer answers a client connecting from a topology's client location one round trip later: the location's latency to the load balancer's Region from its `latency` table, in wall ms at every speed (network time a user sees, not an AWS duration); a client without a location, or whose table does not name the Region, waits for nothing (assumed: the table stands in for the real network).",
    source: 'assumed',
    test: 'test/probes/from-location.test.ts',
  },
  {
    area: 'EC2',
    behaviour:
      'CreateLaunchTemplateVersion (by LaunchTemplateId or LaunchTemplateName) numbers the new version after the latest, copies SourceVersion with LaunchTemplateData (ImageId, InstanceType) overriding it and keeps VersionDescription; an unknown template answers InvalidLaunchTemplateId.NotFound or InvalidLaunchTemplateName.NotFoundException, a malformed id InvalidLaunchTemplateId.Malformed, an unknown source version InvalidLaunchTemplateId.VersionNotFound. Without SourceVersion the region needs ImageId and InstanceType in the data (assumed divergence: EC2 accepts a version without them and fails its launches).',
    source: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-launch-template-versions.html',
    test: 'test/sim/launch-template-versions.test.ts',
  },
  {
    area: 'EC2',
    behaviour:
      'ModifyLaunchTemplate with SetDefaultVersion makes that version `$Default`: DescribeLaunchTemplates reports DefaultVersionNumber and LatestVersionNumber, DescribeLaunchTemplateVersions flags DefaultVersion on exactly that version.',
    source: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-launch-template-versions.html',
    test: 'test/sim/launch-template-versions.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour:
      "A group's `$Latest` or `$Default` stands for the version it names when the group launches, so after CreateLaunchTemplateVersion or ModifyLaunchTemplate the group's next instances run the new version (and its image's app) while running ones keep theirs.",
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html',
    test: 'test/sim/launch-template-versions.test.ts',
  },
  {
    area: 'EC2',
    behaviour:
      "An instance serves the app (topology `apps`) whose imageId is its image: `/` names it (`app`), `health: failing` answers 500 on `/health` (so its target group's checks mark it unhealthy), `errors` answer a 5xx on a deterministic share of requests on their paths, `latency` delays every answer by wall time, and `crashAfter` (AWS time) takes the process down, refusing connections until a reboot, start or replacement starts it again. The app model is the sim's own stand-in for an AMI's software (assumed); an image no app names serves the default healthy service.",
    source: 'assumed',
    test: 'test/sim/apps.test.ts',
  },
];
