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
      "A subnet associated with a network ACL that denies all traffic in or out loses its connectivity (connections hang) until it is associated with one that lets traffic through; every subnet starts on the VPC's allow-all default ACL.",
    source: 'https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html',
    test: 'test/sim/network-acls.test.ts',
  },
  {
    area: 'Auto Scaling',
    behaviour:
      'A group whose subnets (VPCZoneIdentifier) no longer include a zone replaces its instances there in the zones it keeps; given the zone back, it launches there first, the zone with the fewest instances.',
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-add-availability-zone.html',
    test: 'test/sim/network-acls.test.ts',
  },
];
