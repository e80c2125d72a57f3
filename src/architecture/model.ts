/**
 * An architecture as gameday reads it: what `gameday twin` writes a topology of and what `gameday audit` judges.
 * Built by `read-account.ts` from read-only AWS calls (a live account, LocalStack, moto, or a simulated region
 * that loaded a topology or a CloudFormation template), so every source goes through one reader. Durations are seconds,
 * as the AWS APIs give them; identifiers are AWS's own (ARNs wherever AWS has one), so a finding's evidence can be
 * looked up in the console.
 */
export interface Architecture {
  /** Where it was read from. */
  source: { kind: 'account' | 'template' | 'topology'; name: string; endpoint?: string | undefined };
  /** The first Region read (the home Region of a twin). */
  region: string;
  /**
   * Every Region read, `region` first, when several were (`--region` repeated): each regional resource then says its
   * Region in its `region`. Absent when one Region was read.
   */
  regions?: string[] | undefined;
  accountId: string;
  /** The region's Availability Zones that are `available` (DescribeAvailabilityZones), in name order. */
  regionZones: string[];
  vpcs: { id: string; cidr: string; isDefault: boolean }[];
  subnets: Subnet[];
  natGateways: NatGateway[];
  routeTables: RouteTable[];
  launchTemplates: LaunchTemplate[];
  /** Every instance that is not terminated, in or out of an Auto Scaling group. */
  instances: Instance[];
  autoScalingGroups: AutoScalingGroup[];
  loadBalancers: LoadBalancer[];
  targetGroups: TargetGroup[];
  databases: DbInstance[];
  dbClusters: DbCluster[];
  hostedZones: HostedZone[];
  healthChecks: HealthCheck[];
  alarms: MetricAlarm[];
  /** CloudFormation stacks whose resources were read, with what the template says that the APIs do not (UpdatePolicy). */
  stacks: Stack[];
  /** What was read but cannot be modelled by a twin, or could not be read at all: never silently dropped. */
  unmodelled: Unmodelled[];
}

export interface Unmodelled {
  /** The resource's ARN or id, or a service name for a whole call that failed. */
  resource: string;
  /** What about it is not modelled, one sentence. */
  what: string;
}

export interface Subnet {
  /** Its Region, when several Regions were read (see `Architecture.regions`). */
  region?: string | undefined;
  id: string;
  arn?: string | undefined;
  vpcId: string;
  zone: string;
  cidr: string;
  /** MapPublicIpOnLaunch, or a route to an internet gateway. */
  public: boolean;
}

export interface NatGateway {
  /** Its Region, when several Regions were read (see `Architecture.regions`). */
  region?: string | undefined;
  id: string;
  /** Its `Name` tag. */
  name?: string | undefined;
  subnetId: string;
  zone: string;
  state: string;
}

export interface RouteTable {
  /** Its Region, when several Regions were read (see `Architecture.regions`). */
  region?: string | undefined;
  id: string;
  vpcId: string;
  /** Subnets explicitly associated with it. */
  subnetIds: string[];
  /** Whether it is its VPC's main route table (the one of every subnet without an explicit association). */
  main: boolean;
  /** NAT gateways its routes send traffic to. */
  natGatewayIds: string[];
  /** Internet gateways its routes send traffic to. */
  internetGatewayIds: string[];
}

export interface LaunchTemplateVersion {
  number: number;
  imageId?: string | undefined;
  instanceType?: string | undefined;
}

export interface LaunchTemplate {
  /** Its Region, when several Regions were read (see `Architecture.regions`). */
  region?: string | undefined;
  id: string;
  name: string;
  defaultVersion: number;
  latestVersion: number;
  versions: LaunchTemplateVersion[];
}

export interface Instance {
  /** Its Region, when several Regions were read (see `Architecture.regions`). */
  region?: string | undefined;
  id: string;
  arn: string;
  zone: string;
  subnetId?: string | undefined;
  state: string;
  imageId: string;
  instanceType: string;
  privateIp?: string | undefined;
  /** From the `aws:ec2launchtemplate:id`/`version` tags AWS puts on instances launched from a template. */
  launchTemplate?: { id: string; version: string } | undefined;
  /** From the `aws:autoscaling:groupName` tag. */
  autoScalingGroup?: string | undefined;
  /** `spot`, `capacity-block`…; absent for On-Demand. */
  lifecycle?: string | undefined;
  tags: Record<string, string>;
}

export interface AutoScalingGroup {
  /** Its Region, when several Regions were read (see `Architecture.regions`). */
  region?: string | undefined;
  name: string;
  arn: string;
  min: number;
  max: number;
  desired: number;
  zones: string[];
  subnetIds: string[];
  healthCheckType: 'EC2' | 'ELB' | string;
  healthCheckGracePeriodSeconds: number;
  /** `version` is `$Latest`, `$Default` or a number, as the group names it. */
  launchTemplate?: { id: string; name: string; version: string } | undefined;
  /** A group with a launch configuration or a mixed instances policy (not modelled beyond its name). */
  launchConfigurationName?: string | undefined;
  suspendedProcesses: string[];
  targetGroupArns: string[];
  /** Classic load balancer names. */
  loadBalancerNames: string[];
  instances: AsgInstance[];
  tags: Record<string, string>;
  /** DescribeInstanceRefreshes: newest first. */
  instanceRefreshes: { id: string; status: string; startTime?: string | undefined }[];
}

export interface AsgInstance {
  id: string;
  zone: string;
  lifecycleState: string;
  healthStatus: string;
  /** The launch template version the instance was launched with, as the group reports it. */
  launchTemplateVersion?: string | undefined;
}

export interface LoadBalancer {
  /** Its Region, when several Regions were read (see `Architecture.regions`). */
  region?: string | undefined;
  name: string;
  arn: string;
  dnsName: string;
  canonicalHostedZoneId?: string | undefined;
  type: 'application' | 'network' | 'gateway' | string;
  scheme: string;
  zones: string[];
  subnetIds: string[];
  /** `load_balancing.cross_zone.enabled`; always on for an ALB unless a target group turns it off. */
  crossZone: boolean;
  listeners: { arn: string; port: number; protocol: string; targetGroupArns: string[] }[];
  tags: Record<string, string>;
}

export interface TargetGroup {
  /** Its Region, when several Regions were read (see `Architecture.regions`). */
  region?: string | undefined;
  name: string;
  arn: string;
  loadBalancerArns: string[];
  port?: number | undefined;
  protocol?: string | undefined;
  targetType: string;
  healthCheck: {
    enabled: boolean;
    protocol?: string | undefined;
    path?: string | undefined;
    port?: string | undefined;
    intervalSeconds: number;
    timeoutSeconds: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
    matcher?: string | undefined;
  };
  deregistrationDelaySeconds?: number | undefined;
  targets: { id: string; port?: number | undefined; zone?: string | undefined; state: string }[];
}

export interface DbInstance {
  /** Its Region, when several Regions were read (see `Architecture.regions`). */
  region?: string | undefined;
  id: string;
  arn: string;
  engine: string;
  instanceClass: string;
  status: string;
  multiAZ: boolean;
  zone?: string | undefined;
  secondaryZone?: string | undefined;
  port?: number | undefined;
  endpoint?: string | undefined;
  subnetGroup?: { name: string; zones: string[] } | undefined;
  /** Member of this Multi-AZ DB cluster or Aurora cluster. */
  clusterId?: string | undefined;
  readReplicaIds: string[];
  replicaSourceId?: string | undefined;
  tags: Record<string, string>;
}

export interface DbCluster {
  /** Its Region, when several Regions were read (see `Architecture.regions`). */
  region?: string | undefined;
  id: string;
  arn: string;
  engine: string;
  status: string;
  multiAZ: boolean;
  zones: string[];
  members: { id: string; writer: boolean; zone?: string | undefined; instanceClass?: string | undefined }[];
  subnetGroup?: { name: string; zones: string[] } | undefined;
  port?: number | undefined;
  endpoint?: string | undefined;
  readerEndpoint?: string | undefined;
  instanceClass?: string | undefined;
  tags: Record<string, string>;
}

export interface HostedZone {
  id: string;
  name: string;
  private: boolean;
  records: DnsRecord[];
}

export interface DnsRecord {
  /** Fully qualified, with the trailing dot, as Route 53 gives it. */
  name: string;
  type: string;
  ttl?: number | undefined;
  values?: string[] | undefined;
  alias?: { dnsName: string; hostedZoneId: string; evaluateTargetHealth: boolean } | undefined;
  setIdentifier?: string | undefined;
  failover?: 'PRIMARY' | 'SECONDARY' | string | undefined;
  weight?: number | undefined;
  /** Latency routing. */
  region?: string | undefined;
  multiValueAnswer?: boolean | undefined;
  geoLocation?: Record<string, string> | undefined;
  healthCheckId?: string | undefined;
}

export interface HealthCheck {
  id: string;
  /** The unique string its creator gave (CreateHealthCheck); a twin names a check without a `Name` tag from it. */
  callerReference?: string | undefined;
  type: string;
  ipAddress?: string | undefined;
  fqdn?: string | undefined;
  port?: number | undefined;
  resourcePath?: string | undefined;
  requestIntervalSeconds: number;
  failureThreshold: number;
  inverted: boolean;
  disabled: boolean;
  regions: string[];
  tags: Record<string, string>;
}

export interface MetricAlarm {
  /** Its Region, when several Regions were read (see `Architecture.regions`). */
  region?: string | undefined;
  name: string;
  arn: string;
  namespace?: string | undefined;
  metric?: string | undefined;
  statistic?: string | undefined;
  dimensions: Record<string, string>;
  periodSeconds: number;
  evaluationPeriods: number;
  threshold?: number | undefined;
  comparison: string;
}

export interface Stack {
  /** Its Region, when several Regions were read (see `Architecture.regions`). */
  region?: string | undefined;
  name: string;
  id: string;
  /** Logical id → physical id of its resources. */
  resources: { logicalId: string; type: string; physicalId?: string | undefined }[];
  /** Auto Scaling groups (physical name) whose template gives an UpdatePolicy, and which. */
  updatePolicies: { autoScalingGroup: string; policy: 'AutoScalingRollingUpdate' | 'AutoScalingReplacingUpdate' | string }[];
}

/** An empty architecture of a region and account, to fill in. */
/** The lists of regional resources: each says its Region when several were read. */
export const REGIONAL_KEYS = [
  'subnets',
  'natGateways',
  'routeTables',
  'launchTemplates',
  'instances',
  'autoScalingGroups',
  'loadBalancers',
  'targetGroups',
  'databases',
  'dbClusters',
  'alarms',
  'stacks',
] as const satisfies readonly (keyof Architecture)[];

/**
 * One Region of an architecture read in several: its regional resources, zones and VPCs; Route 53 (global) stays with
 * the first Region only.
 */
export function regionSlice(a: Architecture, region: string): Architecture {
  const slice: Architecture = { ...a, region, regions: undefined };
  for (const key of REGIONAL_KEYS) (slice[key] as { region?: string | undefined }[]) = a[key].filter((r) => (r.region ?? a.region) === region);
  slice.regionZones = a.regionZones.filter((z) => z.startsWith(region) && z.length <= region.length + 2);
  const vpcIds = new Set(slice.subnets.map((s) => s.vpcId));
  slice.vpcs = a.vpcs.filter((v) => vpcIds.has(v.id));
  if (region !== a.region) {
    slice.hostedZones = [];
    slice.healthChecks = [];
    slice.unmodelled = [];
  }
  return slice;
}

export function emptyArchitecture(source: Architecture['source'], region: string, accountId: string): Architecture {
  return {
    source,
    region,
    accountId,
    regionZones: [],
    vpcs: [],
    subnets: [],
    natGateways: [],
    routeTables: [],
    launchTemplates: [],
    instances: [],
    autoScalingGroups: [],
    loadBalancers: [],
    targetGroups: [],
    databases: [],
    dbClusters: [],
    hostedZones: [],
    healthChecks: [],
    alarms: [],
    stacks: [],
    unmodelled: [],
  };
}
