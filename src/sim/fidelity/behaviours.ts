/**
 * The behaviours of the simulated region that follow AWS's documentation, each with its source and the test that
 * shows it. `docs/fidelity.md` lists them; `test/sim/fidelity.test.ts` checks that each test file exists and cites
 * the source.
 */
export interface Behaviour {
  area: 'EC2' | 'Auto Scaling' | 'ELB' | 'RDS' | 'Route 53' | 'CloudWatch' | 'FIS' | 'Availability Zone';
  /** One sentence: what the region does. */
  behaviour: string;
  /** An AWS documentation URL, or 'assumed'. */
  source: string;
  /** The test file (under test/) that shows it; it cites `source`. */
  test: string;
}

export const BEHAVIOURS: Behaviour[] = [
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
    area: 'Availability Zone',
    behaviour:
      "A load balancer's DNS name answers one address per enabled zone; a node whose zone loses power or connectivity hangs, and leaves DNS after elbNodeDnsRemoval.",
    source: 'https://repost.aws/knowledge-center/elb-dns-cross-zone-balance-configuration',
    test: 'test/sim/az-failure.test.ts',
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
];
