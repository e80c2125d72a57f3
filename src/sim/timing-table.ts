/**
 * Every timing of the simulated region, with its figure, the range a run draws from, and where it comes from: an AWS
 * documentation page, or "assumed" where AWS publishes no figure. `docs/fidelity.md` is generated from this table
 * (`gameday sim --fidelity`), and a test keeps it current.
 *
 * A figure is AWS time in milliseconds. A run draws each occurrence from a triangular distribution over [min, max]
 * whose mode is the figure (seeded: `gameday sim --seed`, `gameday run --seed`). Where AWS documents a range, the
 * draw stays inside it, so a recovery on the sim is never shorter than AWS documents. A configuration value (an
 * interval, a delay, a timeout the operator sets) has min = figure = max: AWS applies it exactly.
 */
export interface TimingEntry {
  /** One line: what this timing is. */
  what: string;
  /** The typical value (AWS ms): the mode of the draw, and what a topology's `timings.<key>` replaces. */
  figure: number;
  /** Lowest draw (AWS ms). */
  min: number;
  /** Highest draw (AWS ms). */
  max: number;
  /** An AWS documentation URL, or 'assumed'. */
  source: string;
  /** What the source says (quoted or summarised), or why the assumption is what it is. */
  basis: string;
  /** AWS's own behaviour, not a setting: a topology cannot override it. */
  fixed?: true;
}

const S = 1_000;
const MIN = 60 * S;

/** Keys are the names a topology's `timings:` block overrides. */
export const TIMING_TABLE = {
  instancePending: {
    what: 'EC2 instance pending → running',
    figure: 15 * S,
    min: 10 * S,
    max: 30 * S,
    source: 'assumed',
    basis: 'AWS says only that an instance enters running "after the instance is ready for you" (RunInstances); 10–30 s is the commonly observed range.',
  },
  instanceBoot: {
    what: 'Operating system boot and application start after running, before the first request is answered',
    figure: 90 * S,
    min: 60 * S,
    max: 180 * S,
    source: 'https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PredictiveScalingConfiguration.html',
    basis:
      'AWS: "It can take a few minutes to launch an EC2 instance. The actual amount of time required depends on several factors, such as the size of the instance and whether there are startup scripts to complete." Pending plus boot is 1.75 min typical, up to 3.5 min; the split is assumed. A launch template\'s `bootTime` overrides it.',
  },
  instanceReboot: {
    what: 'EC2 reboot: the instance stays running while its OS restarts and its application starts again',
    figure: 2 * MIN,
    min: 1 * MIN,
    max: 4 * MIN,
    source: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-reboot.html',
    basis:
      'AWS: "In most cases, it takes only a few minutes to reboot your instance"; a hard reboot follows when the OS does not shut down within a few minutes.',
  },
  instanceShuttingDown: {
    what: 'EC2 instance shutting-down → terminated',
    figure: 45 * S,
    min: 30 * S,
    max: 60 * S,
    source: 'assumed',
    basis: 'AWS publishes no figure; 30–60 s is the commonly observed range.',
  },
  instanceStopping: {
    what: 'EC2 instance stopping → stopped',
    figure: 30 * S,
    min: 20 * S,
    max: 60 * S,
    source: 'assumed',
    basis: 'AWS publishes no figure for a clean stop.',
  },
  terminatedVisible: {
    what: 'How long a terminated instance stays listed by DescribeInstances',
    figure: 60 * MIN,
    min: 60 * MIN,
    max: 60 * MIN,
    source: 'https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html',
    basis: 'AWS: terminated instances are visible "for approximately one hour".',
  },
  asgHealthCheckPeriod: {
    what: 'How often Auto Scaling checks its instances (EC2 status and, when enabled, ELB health)',
    figure: 10 * S,
    min: 10 * S,
    max: 10 * S,
    source: 'assumed',
    basis:
      'AWS publishes no cadence: Auto Scaling "continuously monitors the health status of instances" and its health checks "continue periodically" (https://docs.aws.amazon.com/autoscaling/ec2/userguide/healthcheck.html). 10 s is a third of the target group\'s default 30 s interval, so with ELB checks the load balancer\'s thresholds (2 × 30 s to unhealthy) dominate detection, as on AWS; failing EC2 status checks of a running instance are not modelled.',
  },
  instanceRefreshCheckInterval: {
    what: 'How often an instance refresh looks at its replacements, its alarms and whether to start the next batch',
    figure: 10 * S,
    min: 10 * S,
    max: 10 * S,
    source: 'assumed',
    basis:
      "AWS publishes no cadence; an instance refresh moves on once a replacement is healthy and past its instance warmup (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceRefresh.html). The same 10 s as the group's own health checks, so the warmup and the target group's checks dominate a batch, as on AWS.",
  },
  instanceRefreshNoProgress: {
    what: 'How long an instance refresh goes without a replacement becoming healthy and warmed up before it fails',
    figure: 30 * MIN,
    min: 30 * MIN,
    max: 30 * MIN,
    source: 'assumed',
    basis:
      'AWS says only that "an instance refresh might fail for several reasons, such as EC2 launch failures, misconfigured health checks" (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html) and publishes no timeout; 30 min of no progress is assumed, alongside three failed replacements (instance-refresh.ts).',
  },
  deregistrationDelay: {
    what: 'Target group deregistration delay (connection draining) default',
    figure: 300 * S,
    min: 300 * S,
    max: 300 * S,
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay',
    basis:
      'AWS: "The default value is 300 seconds." A target group\'s `deregistrationDelay` overrides it, and so does its `deregistration_delay.timeout_seconds` attribute (ModifyTargetGroupAttributes).',
  },
  albConnectTimeout: {
    what: 'ALB: how long the load balancer tries to connect to a target before answering 504',
    figure: 10 * S,
    min: 10 * S,
    max: 10 * S,
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html#http-504-issues',
    basis: 'AWS: HTTP 504 when "the load balancer failed to establish a connection to the target before the connection timeout expired (10 seconds)".',
  },
  albIdleTimeout: {
    what: 'ALB idle timeout: how long a connection to a target may carry no data before the load balancer answers 504',
    figure: 60 * S,
    min: 60 * S,
    max: 60 * S,
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout',
    basis: 'AWS: "The default idle timeout value is 60 seconds."',
  },
  dbFailover: {
    what: 'RDS Multi-AZ DB instance failover (reboot with failover, or an automatic failover)',
    figure: 90 * S,
    min: 60 * S,
    max: 120 * S,
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html',
    basis: 'AWS: "Failover times are typically 60–120 seconds."',
  },
  dbReboot: {
    what: 'RDS reboot without failover',
    figure: 30 * S,
    min: 20 * S,
    max: 60 * S,
    source: 'assumed',
    basis: 'AWS publishes no figure for a reboot without failover.',
  },
  dbStop: {
    what: 'RDS StopDBInstance: stopping → stopped (the endpoint refuses from the start)',
    figure: 2 * MIN,
    min: 1 * MIN,
    max: 5 * MIN,
    source: 'assumed',
    basis:
      'AWS publishes no figure: "In some cases, a large amount of time is required to stop a DB instance", longer for Multi-AZ (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_StopInstance.html).',
  },
  dbStart: {
    what: 'RDS StartDBInstance: starting → available (the endpoint serves again at the end)',
    figure: 5 * MIN,
    min: 3 * MIN,
    max: 10 * MIN,
    source: 'assumed',
    basis:
      'AWS publishes no figure for starting a stopped DB instance (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_StartInstance.html); the host is provisioned again, so minutes, longer than a reboot.',
  },
  dbReplicaCreate: {
    what: 'RDS CreateDBInstanceReadReplica: creating → available',
    figure: 10 * MIN,
    min: 5 * MIN,
    max: 20 * MIN,
    source: 'assumed',
    basis:
      'AWS publishes no figure: RDS takes a snapshot of the source and creates the replica from it (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Create.html); minutes, as a new DB instance.',
  },
  dbPromote: {
    what: 'RDS PromoteReadReplica: modifying, before the reboot (dbReboot) that ends it',
    figure: 3 * MIN,
    min: 2 * MIN,
    max: 8 * MIN,
    source: 'assumed',
    basis:
      'AWS: "The promotion process can take several minutes or longer to complete", and RDS "reboots the DB instance before making it available" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Promote.html); this phase and the reboot together take several minutes.',
  },
  replicaLag: {
    what: 'RDS read replica lag: from a unit of work completing on the source to its replay on the replica, drawn per unit',
    figure: 2 * S,
    min: 500,
    max: 10 * S,
    source: 'assumed',
    basis:
      'AWS publishes no figure; lag is how far the replica is behind, the ReplicaLag metric (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Monitoring.html), and grows with load; a topology sets its own figure with timings.replicaLag.',
  },
  dbClusterFailover: {
    what: 'RDS Multi-AZ DB cluster failover',
    figure: 33 * S,
    min: 25 * S,
    max: 35 * S,
    source: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-failover.html',
    basis: 'AWS: failover "typically under 35 seconds"; the draw keeps near the top of that bound.',
  },
  metricPeriod: {
    what: 'Resolution of ALB (AWS/ApplicationELB) and RDS (AWS/RDS) CloudWatch metrics: one datapoint per period',
    figure: 60 * S,
    min: 60 * S,
    max: 60 * S,
    source: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html',
    basis:
      'AWS: Elastic Load Balancing "measures and sends its metrics in 60-second intervals"; RDS "sends metric data to CloudWatch in 1-minute periods" (monitoring-cloudwatch.html). An alarm with a shorter period never gets a datapoint.',
    fixed: true,
  },
  metricPublicationDelay: {
    what: 'How long after its period ends a datapoint is available to an alarm',
    figure: 5 * S,
    min: 5 * S,
    max: 5 * S,
    source: 'assumed',
    basis: 'AWS publishes no figure; a datapoint is evaluated 5 s after its period ends (alarms evaluate every 10 s or per period).',
    fixed: true,
  },
  gaugeSample: {
    what: 'How often a gauge metric (HealthyHostCount, UnHealthyHostCount) is sampled within its period',
    figure: 10 * S,
    min: 10 * S,
    max: 10 * S,
    source: 'assumed',
    basis: 'AWS does not say how the load balancer samples host counts; every 10 s within the 60-s period, so Minimum sees a dip that Average smooths.',
    fixed: true,
  },
  elbNodeDnsRemoval: {
    what: "ELB: a load balancer node whose zone lost power or connectivity leaves the load balancer's DNS answer (and a recovered one returns)",
    figure: 60 * S,
    min: 30 * S,
    max: 120 * S,
    source: 'assumed',
    basis:
      "AWS says a load balancer node's IP address is in the load balancer's DNS only while its zone is healthy (https://repost.aws/knowledge-center/elb-dns-cross-zone-balance-configuration) but publishes no time for taking an impaired node out. Clients may then keep the address for the name's 60 s TTL.",
  },
  route53AliasTargetHealth: {
    what: "Route 53: an alias record with EvaluateTargetHealth follows its load balancer's health (having a healthy target or not)",
    figure: 30 * S,
    min: 10 * S,
    max: 60 * S,
    source: 'assumed',
    basis:
      'Route 53 says such an alias inherits the health of the load balancer, judged from its target groups (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-complex-configs.html), but publishes no time for learning a change; one standard health-check interval (30 s) is assumed, so a run never sees DNS react at once.',
  },
  ssmCommandDelivery: {
    what: 'SSM Run Command invocation Pending → InProgress (delivery to the SSM Agent)',
    figure: 2 * S,
    min: 1 * S,
    max: 5 * S,
    source: 'assumed',
    basis:
      'AWS documents the statuses (Pending: "The command hasn\'t been sent to the managed node"; https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html) but no delivery time; a connected agent polls its message channel within seconds.',
  },
  ssmCommandExecution: {
    what: 'SSM Run Command invocation InProgress → Success (AWSFIS-Run-Kill-Process runs)',
    figure: 3 * S,
    min: 1 * S,
    max: 10 * S,
    source: 'assumed',
    basis:
      'AWS publishes no run time for AWSFIS-Run-Kill-Process (https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html); it checks its dependencies and sends one signal, seconds.',
  },
  edgeZoneOptIn: {
    what: 'EC2: ModifyAvailabilityZoneGroup opting in to a Local Zone or Wavelength Zone group, until its zones are opted-in',
    figure: 3 * MIN,
    min: 1 * MIN,
    max: 5 * MIN,
    source: 'assumed',
    basis:
      'AWS publishes no figure for the opt-in (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyAvailabilityZoneGroup.html answers at once; the zones change status later); a few minutes is what operators report, so a run never sees it faster.',
  },
  cfnPauseTime: {
    what: 'CloudFormation rolling update of an Auto Scaling group: the pause after each batch when the UpdatePolicy gives no PauseTime and no WaitOnResourceSignals',
    figure: 0,
    min: 0,
    max: 0,
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html',
    basis: 'AutoScalingRollingUpdate PauseTime: "Default: PT0S (0 seconds)"; a template\'s PauseTime replaces it.',
    fixed: true,
  },
  cfnSignalPauseTime: {
    what: 'CloudFormation rolling update with WaitOnResourceSignals: how long each batch has to signal (become healthy, in the sim) when the UpdatePolicy gives no PauseTime',
    figure: 5 * MIN,
    min: 5 * MIN,
    max: 5 * MIN,
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html',
    basis:
      'AutoScalingRollingUpdate PauseTime: "If you specify the WaitOnResourceSignals property to true, the default is PT5M"; a template\'s PauseTime replaces it.',
    fixed: true,
  },
  cfnSignalTimeout: {
    what: 'CloudFormation replacing update of an Auto Scaling group: how long the new group has to become healthy when its CreationPolicy gives no ResourceSignal Timeout',
    figure: 5 * MIN,
    min: 5 * MIN,
    max: 5 * MIN,
    source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-creationpolicy.html',
    basis: 'ResourceSignal Timeout: "The default is 5 minutes"; with AutoScalingReplacingUpdate the new group succeeds as its CreationPolicy says.',
    fixed: true,
  },
  cfnUpdateCheck: {
    what: 'CloudFormation stack update: how often the simulated region looks at the batch (or new group) it waits for',
    figure: 5 * S,
    min: 5 * S,
    max: 5 * S,
    source: 'assumed',
    basis: "CloudFormation does not publish how often it polls a resource it updates; 5 s keeps the sim's stack no later than its instances by more than that.",
    fixed: true,
  },
} satisfies Record<string, TimingEntry>;

export type TimingKey = keyof typeof TIMING_TABLE;

/** One figure per timing, AWS ms: the defaults, or a topology's overrides. */
export type SimTimings = Record<TimingKey, number>;

export const TIMING_KEYS = Object.keys(TIMING_TABLE) as TimingKey[];

/** The timings a topology's `timings:` block may override (not AWS's fixed behaviour). */
export const OVERRIDABLE_TIMING_KEYS = TIMING_KEYS.filter((k) => (TIMING_TABLE[k] as TimingEntry).fixed !== true);

export const AWS_TIMINGS: SimTimings = Object.fromEntries(TIMING_KEYS.map((k) => [k, TIMING_TABLE[k].figure])) as SimTimings;

/** Target group health-check defaults of an Application Load Balancer. */
export const ALB_HEALTH_CHECK = {
  path: '/',
  interval: 30_000,
  timeout: 5_000,
  healthyThreshold: 5,
  unhealthyThreshold: 2,
  matcher: '200',
};
