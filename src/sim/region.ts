import { randomInt, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { hex } from './hex.js';
import { GroundTruth } from './ground-truth.js';
import { AWS_TIMINGS, Durations, SimScheduler, type SimTimings } from './timing.js';
import { edgeZonesOf, placementZones, zoneName, zoneNames, type Topology } from './topology.js';
import { regionShortCode, type EdgeZone } from './edge-zones.js';
import { buildNetwork, type SimNetwork, type SimSubnet } from './world/network.js';
import { launchTemplateOf, versionOf, type SimLaunchTemplate } from './world/launch-template.js';
import { launchStandaloneInstances, registerWhenRunning } from './build/instances.js';
import { worldOutputs } from './outputs.js';
import { isSteady, whenInitialFleetServes, whenSteady } from './readiness.js';
import { SimAutoScalingGroup } from './world/auto-scaling-group.js';
import type { SimAlarm } from './world/alarm.js';
import { SimFis, type FisTemplate } from './world/fis.js';
import { SimSsm } from './world/ssm.js';
import { SimStack } from './world/stack.js';
import type { OutboundRule } from './app-tier.js';
import type { SimDatabase } from './world/database.js';
import type { SimDbCluster } from './world/db-cluster.js';
import { SimInstance, type InstanceApp, type InstanceStateName } from './world/instance.js';
import { SimLoadBalancer } from './world/load-balancer.js';
import { SimTargetGroup } from './world/target-group.js';
import { declareAlarms, declareMetrics } from './build/alarms.js';
import { MetricStore } from './world/metric-store.js';
import { connectReplicas, createReadReplica, declareDatabases, type ReadReplicaRequest } from './build/databases.js';
import { declareRoute53 } from './build/route53.js';
import { RegionDns, type DnsSources } from './dns/answers.js';
import type { QuestionOrigin, SimDnsServer } from './dns/server.js';
import { AzFailures } from './az-failures.js';
import { ClientLocations } from './clients.js';
import type { ConnectivityScope } from './network-faults.js';
import { SimHealthCheck, seedOf, type Route53HealthCheckConfig } from './world/health-check.js';
import { elbHostedZoneId } from './world/elb-hosted-zone.js';
import { fqdn, route53Id, type DnsAnswer, type SimHostedZone } from './world/hosted-zone.js';

/** Wall ms the region waits for its initial fleet to serve before its alarms start (an assumption; it takes milliseconds). */
const INITIAL_FLEET_CAP_MS = 3_000;

export { RDS_DNS_TTL } from './dns/answers.js';

export type { SimSubnet } from './world/network.js';

/** How a Region's world is built beside others: what `SimGlobe` gives each. */
export interface WorldOptions {
  /** Seed of the timing draws; default random. */
  seed?: number;
  /** Second octet of its loopback addresses (127.<net>.x.y); default random. Two worlds never share one. */
  net?: number;
  /** Where it records ground truth; default its own stream. */
  truth?: GroundTruth;
  /** The worlds of every Region, the home one (which holds Route 53) first; absent for a world of one Region. */
  peers?: WorldPeers;
}

/** The worlds of a world of several Regions. */
export interface WorldPeers {
  worlds(): readonly SimWorld[];
  /** The port every load balancer of the world listens on once the first has bound one (ALBs all listen on 80). */
  lbPort: number;
}

/**
 * The outputs of several Regions' worlds in one flat map (names are unique across Regions); keys every Region has
 * (`region.name`, `vpc.id`, `dns.server`) are the first world's, the home Region's.
 */
export function outputsOfWorlds(worlds: readonly SimWorld[], endpoint: string): Record<string, string> {
  return Object.assign({}, ...[...worlds].reverse().map((w) => w.outputs(endpoint))) as Record<string, string>;
}

/** The port on 127.<net>.0.1 whose listening socket claims a region's loopback octet on this machine. */
const NET_CLAIM_PORT = 65_300;

/**
 * The world of a simulated region: instances, target groups, load balancers, Auto Scaling groups, one clock and one
 * record of ground truth. The API layer (`server.ts`) is the only way in from gameday.
 */
export class SimWorld {
  readonly topology: Topology;
  readonly scheduler: SimScheduler;
  /** The figures of the timings (AWS ms): defaults, or the topology's overrides. */
  readonly timings: SimTimings;
  /** Each occurrence of a timing, drawn from the region's seed. */
  readonly durations: Durations;
  readonly truth: GroundTruth;
  readonly createdTime = new Date();
  /** Every zone with a subnet and a failure domain: the Availability Zones, then the opted-in edge zones. */
  readonly zones: string[];
  /** The Region's Availability Zones: where groups, load balancers and databases go when a topology names no zone. */
  readonly availabilityZones: string[];
  /** The Local Zones and Wavelength Zones of the Region, each with the account's opt-in to its group. */
  readonly edgeZones: (EdgeZone & { optedIn: boolean })[];
  readonly vpcId = `vpc-${hex(17)}`;
  readonly subnets: SimSubnet[];
  /** The VPC's public subnets, internet gateway, NAT gateways and route tables. */
  readonly network: SimNetwork;
  /** The CloudFormation stack's id, when the topology describes one. */
  readonly stackId: string | undefined;
  /** The CloudFormation stack's status, parameters and events, when the topology describes one. */
  readonly stack: SimStack | undefined;
  readonly launchTemplates = new Map<string, SimLaunchTemplate>();
  readonly instances = new Map<string, SimInstance>();
  readonly targetGroups = new Map<string, SimTargetGroup>();
  readonly loadBalancers = new Map<string, SimLoadBalancer>();
  readonly autoScalingGroups = new Map<string, SimAutoScalingGroup>();
  /** Target groups each standalone instance (outside any group) joins once it first runs. */
  readonly standaloneTargets = new Map<string, SimTargetGroup[]>();
  /** Standalone instances' ids by their topology name (`${sim:instance.<name>.id}`). */
  readonly namedInstances = new Map<string, string>();
  readonly databases = new Map<string, SimDatabase>();
  /**
   * Another Region's DB instances, by Region, when a simulation of several Regions sets it: a read replica may name a
   * source there by ARN.
   */
  peerDatabases: ((region: string) => ReadonlyMap<string, SimDatabase> | undefined) | undefined;
  /** RDS Multi-AZ DB clusters by identifier. */
  readonly dbClusters = new Map<string, SimDbCluster>();
  /** Route 53 hosted zones by id (`Z…`). */
  readonly hostedZones = new Map<string, SimHostedZone>();
  /** Route 53 health checks by id. */
  readonly healthChecks = new Map<string, SimHealthCheck>();
  /** STS sessions from AssumeRole, by their access key id. */
  readonly stsSessions = new Map<string, { arn: string; account: string; roleId: string; sessionName: string }>();
  /** Fault Injection Service: experiment templates and experiments. */
  readonly fis = new SimFis(this);
  /** SSM Run Command on the region's instances (AWSFIS-Run-Kill-Process). */
  readonly ssm = new SimSsm(this);
  /** Ids of the topology's FIS templates, by name. */
  readonly fisTemplateIds = new Map<string, string>();
  /** CloudWatch metric alarms by name. */
  readonly alarms = new Map<string, SimAlarm>();
  /** The datapoints CloudWatch holds of the metrics the region publishes. */
  readonly metrics = new MetricStore();
  /** Route 53 changes by id (`C…`); every change is INSYNC at once. */
  readonly changes = new Map<string, { id: string; submittedAt: Date; comment: string | undefined }>();
  /** DNS answers of the hosted zones and endpoints, and the ground truth of their changes. */
  readonly #answers = new RegionDns(this.#dnsSources());
  /** The authoritative DNS server of the hosted zones, UDP on 127.0.0.1. */
  readonly dns: SimDnsServer = this.#answers.server;
  /** Where users are: the locations DNS answers and load balancers tell clients apart by (`clients.ts`). */
  readonly clients: ClientLocations;
  /** The Availability Zones as failure domains: power, connectivity and capacity of each, and subnets' network faults. */
  readonly az: AzFailures;
  #unsubscribeTruth: () => void = () => undefined;
  /** Second octet of this world's loopback addresses: 127.<net>.<zone>.<n>. */
  #net: number;
  /** The socket that claims `#net` on this machine while the region runs (see `#claimNet`). */
  #netClaim: Server | undefined;
  /** The other Regions' worlds of a world of several Regions, whose Route 53 and DNS the first (home) one holds. */
  readonly #peers: WorldPeers | undefined;
  readonly #nextHost = new Map<string, number>();
  /**
   * What the network does to the instances' apps' database traffic (delay or loss toward an address and port), for a
   * fault that degrades it; consulted before each connection and query. Undefined: nothing.
   */
  appOutbound: OutboundRule | undefined;
  #reaper: () => void = () => undefined;

  /** True while `start()` builds the steady state: the fleet it launches is already booted, as an existing stack's is. */
  #building = false;

  constructor(topology: Topology, speed: number, options: WorldOptions = {}) {
    this.truth = options.truth ?? new GroundTruth();
    this.#net = options.net ?? randomInt(20, 250);
    this.#peers = options.peers;
    this.peerDatabases = options.peers === undefined ? undefined : (region) => options.peers?.worlds().find((w) => w.topology.region === region)?.databases;
    this.topology = topology;
    this.scheduler = new SimScheduler(speed);
    const { jitter, ...figures } = topology.timings;
    this.timings = { ...AWS_TIMINGS, ...figures };
    this.durations = new Durations(figures, { seed: options.seed ?? randomInt(0, 2 ** 31), jitter });
    this.availabilityZones = zoneNames(topology);
    this.edgeZones = edgeZonesOf(topology);
    this.zones = placementZones(topology);
    this.subnets = this.zones.map((zone, i) => ({ id: `subnet-${hex(17)}`, zone, cidr: `10.0.${i * 16}.0/20`, tags: {} }));
    this.network = buildNetwork(topology, this.zones, this.subnets);
    this.clients = new ClientLocations(topology.clients);
    this.az = new AzFailures(this);
    for (const lt of topology.launchTemplates) this.launchTemplates.set(lt.name, launchTemplateOf(lt));
    const { region, accountId } = topology;
    this.stackId = topology.stack === undefined ? undefined : `arn:aws:cloudformation:${region}:${accountId}:stack/${topology.stack.name}/${randomUUID()}`;
    this.stack =
      topology.stack === undefined || this.stackId === undefined
        ? undefined
        : new SimStack(this.stackId, topology.stack.name, topology.stack.parameters, this.createdTime);
    for (const lb of topology.loadBalancers) {
      const tgSpec = lb.targetGroup;
      const asgPort = topology.autoScalingGroups
        .filter((a) => a.targetGroups.includes(tgSpec.name))
        .map((a) => this.launchTemplates.get(a.launchTemplate)?.port)[0];
      const tg = new SimTargetGroup({
        name: tgSpec.name,
        arn: `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/${tgSpec.name}/${hex(16)}`,
        port: asgPort ?? 8080,
        vpcId: this.vpcId,
        healthCheck: tgSpec.healthCheck,
        deregistrationDelay: tgSpec.deregistrationDelay ?? this.timings.deregistrationDelay,
        scheduler: this.scheduler,
        truth: this.truth,
        onChange: () => this.#capacityChanged(),
      });
      this.targetGroups.set(tg.name, tg);
      const id = hex(16);
      const lbZones = lb.availabilityZones?.map((z) => zoneName(topology, z)) ?? this.availabilityZones;
      tg.enabledZones = lbZones;
      this.loadBalancers.set(
        lb.name,
        new SimLoadBalancer({
          name: lb.name,
          arn: `arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/app/${lb.name}/${id}`,
          dnsName: `${lb.name}-${parseInt(id.slice(0, 8), 16)}.${region}.elb.amazonaws.com`,
          availabilityZones: this.zones.filter((z) => lbZones.includes(z)),
          subnetIds: this.subnets.filter((s) => lbZones.includes(s.zone)).map((s) => s.id),
          vpcId: this.vpcId,
          crossZone: lb.crossZone,
          targetGroup: tg,
          truth: this.truth,
          scheduler: this.scheduler,
          timeouts: { connect: this.timings.albConnectTimeout, idle: this.timings.albIdleTimeout },
          port: lb.port,
          address: lb.address,
          nodeAddress: (zone) => `127.${this.#net}.250.${this.loadBalancers.size * 8 + 1 + this.zones.indexOf(zone)}`,
          dns: { scheduler: this.scheduler, draw: () => this.durations.draw('elbNodeDnsRemoval', lb.name), changed: () => this.route53Changed() },
          latencyKey: this.#latencyKey(lbZones),
          clients: this.clients,
        }),
      );
    }
    for (const spec of topology.autoScalingGroups) {
      const lt = this.launchTemplates.get(spec.launchTemplate);
      if (lt === undefined) throw new Error(`Launch template '${spec.launchTemplate}' is not declared.`);
      const zones = spec.availabilityZones?.map((z) => zoneName(topology, z)) ?? this.availabilityZones;
      // Drifted instances: the first ones the group launches while the region builds run the version before its own.
      let drifted = spec.driftedInstances;
      const asg = new SimAutoScalingGroup({
        name: spec.name,
        arn: `arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:${randomUUID()}:autoScalingGroupName/${spec.name}`,
        min: spec.min,
        max: spec.max,
        desired: spec.desired,
        availabilityZones: zones,
        subnetIds: this.subnets.filter((s) => zones.includes(s.zone)).map((s) => s.id),
        healthCheckType: spec.healthCheckType,
        healthCheckGracePeriod: spec.healthCheckGracePeriod,
        healthCheckPeriod: this.timings.asgHealthCheckPeriod,
        launchTemplate: { id: lt.id, name: lt.name, version: spec.launchTemplateVersion },
        targetGroups: spec.targetGroups.map((n) => this.targetGroups.get(n)).filter((t) => t !== undefined),
        // A group CloudFormation created also carries its stack's id, which only the region knows.
        tags:
          this.stackId !== undefined && spec.tags['aws:cloudformation:stack-name'] !== undefined
            ? { ...spec.tags, 'aws:cloudformation:stack-id': this.stackId }
            : spec.tags,
        scheduler: this.scheduler,
        truth: this.truth,
        // The group's launch template as it is now (a stack update, UpdateAutoScalingGroup, an instance refresh), or a
        // refresh's own; `$Latest` and `$Default` stand for the version they name when the group launches, so a version
        // created or made the default later is what the group's next instances run
        // (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html).
        launch: (zone, group, config = group.options.launchTemplate) => {
          const template = this.launchTemplates.get(config.name) ?? lt;
          const version = versionOf(template, config.version).number;
          const drift = this.#building && drifted > 0;
          const v = drift ? version - 1 : version;
          this.az.assertCapacity(zone, versionOf(template, v).instanceType, { group: group.name });
          const instance = this.launchInstance(template.name, zone, { ...group.options.tags, 'aws:autoscaling:groupName': group.name }, v);
          if (drift) drifted--;
          return instance;
        },
      });
      this.autoScalingGroups.set(asg.name, asg);
    }
  }

  /** Starts the replication of the topology's read replicas; a world of several Regions calls it once all have started. */
  async connectReplicas(): Promise<void> {
    await connectReplicas(this);
  }

  /** The second octet of the region's loopback addresses (127.<net>.x.y). */
  get net(): number {
    return this.#net;
  }

  /**
   * Claims the region's loopback octet on this machine before any of its addresses is used: a socket listening on
   * 127.<net>.0.1 (an address no resource of a region takes), held until the region stops. Another simulated region,
   * in this process or in another one (test files run side by side), holding the octet makes this one draw another:
   * two regions on one octet would share instance addresses, and one's instance would answer for the other's.
   */
  async #claimNet(): Promise<void> {
    const peers = new Set((this.#peers?.worlds() ?? []).filter((w) => w !== this).map((w) => w.net));
    for (let attempt = 0; ; attempt++) {
      if (!peers.has(this.#net)) {
        const claim = createServer();
        const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
          claim.once('error', resolve);
          claim.listen(NET_CLAIM_PORT, `127.${this.#net}.0.1`, () => resolve(undefined));
        });
        if (error === undefined) {
          claim.unref();
          this.#netClaim = claim;
          return;
        }
        // Anything but a held claim (a machine without the 127/8 loopback route, say): go on unclaimed, as before.
        if (error.code !== 'EADDRINUSE' || attempt >= 200) return;
      }
      this.#net = randomInt(20, 250);
    }
  }

  async start(): Promise<void> {
    await this.#claimNet();
    declareDatabases(this, this.#net);
    const started = await Promise.allSettled([...this.databases.values(), ...this.dbClusters.values()].map((db) => db.start()));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw new Error(`A database of the simulated region did not start: ${String((failed as PromiseRejectedResult).reason)}`);
    // A database an app uses is a running one on AWS: its store starts now rather than during the app's first query,
    // which would otherwise spend seconds of the app's timeout on the embedded engine's start.
    await Promise.all(this.#appDatabases().map((db) => db.endpoint.warm()));
    // A replica of another Region's database follows it once every Region has started (`connectReplicas`).
    if (this.#peers === undefined) await connectReplicas(this);
    // Load balancers on distinct addresses share the first one's port, as AWS ALBs all listen on 80.
    // Across Regions too: a failover or latency record's clients keep the URL's port whichever Region answers.
    let sharedPort = this.#peers?.lbPort ?? 0;
    const bound = new Set<string>();
    for (const lb of this.loadBalancers.values()) {
      await lb.start(bound.has(lb.address) ? 0 : sharedPort);
      bound.add(lb.address);
      sharedPort ||= lb.port;
    }
    if (this.#peers !== undefined) this.#peers.lbPort ||= sharedPort;
    // The region starts in its steady state: the groups' first instances are already booted, as in a running stack.
    this.#building = true;
    try {
      for (const asg of this.autoScalingGroups.values()) asg.start();
      launchStandaloneInstances(this);
    } finally {
      this.#building = false;
    }
    // Route 53 is global: the home Region's world holds the hosted zones, health checks and DNS server of the world.
    if (this.#isHome()) {
      await this.dns.start();
      const world = this;
      declareRoute53({
        topology: this.topology,
        get loadBalancers() {
          return world.#everywhere((w) => w.loadBalancers);
        },
        hostedZones: this.hostedZones,
        createHealthCheck: (ref, config, name) => this.createHealthCheck(ref, config, name),
        aliasTargetOf: (lbName) => this.aliasTargetOf(lbName),
        references: () => outputsOfWorlds(this.#worlds(), ''),
      });
    }
    this.route53Changed();
    for (const spec of this.topology.fisTemplates) {
      const { name, ...template } = spec;
      this.fisTemplateIds.set(
        name,
        this.fis.createTemplate({
          ...template,
          targets: template.targets as FisTemplate['targets'],
          actions: template.actions as FisTemplate['actions'],
          tags: { Name: name },
        }).id,
      );
    }
    // Alias records with EvaluateTargetHealth follow their ALB's capacity, in any Region: the home world listens to all.
    if (this.#isHome())
      this.#unsubscribeTruth = this.truth.subscribe((e) => {
        if (e.kind === 'alb-capacity') this.route53Changed();
      });
    // Terminated instances stay listed for an hour, then disappear, as in EC2.
    this.#reaper = this.scheduler.every(60_000, () => {
      const cutoff = Date.now() - this.scheduler.wall(this.timings.terminatedVisible);
      for (const [id, i] of this.instances) if (i.state === 'terminated' && (i.terminatedAt ?? Infinity) < cutoff) this.instances.delete(id);
    });
    // A running stack's alarms have long watched a serving fleet: they start once the initial fleet's targets passed
    // their first check, not in the instant before its servers listen, whose empty first period would hold a
    // HealthyHostCount alarm in ALARM for two periods and the region unready for two AWS minutes. The cap is an
    // assumption: past it (a machine too loaded to start a few servers), the alarms start anyway.
    await whenInitialFleetServes(this, INITIAL_FLEET_CAP_MS);
    // Processes the topology suspends are suspended once the initial fleet is in service, as on a running stack.
    for (const spec of this.topology.autoScalingGroups)
      if (spec.suspendedProcesses.length > 0) this.autoScalingGroups.get(spec.name)?.suspend(spec.suspendedProcesses);
    declareMetrics(this.metrics, this.loadBalancers);
    this.metrics.start(this.scheduler);
    for (const [name, alarm] of declareAlarms(this.topology, this.loadBalancers, this.scheduler, this.truth)) this.alarms.set(name, alarm);
  }

  async stop(): Promise<void> {
    this.#netClaim?.close();
    this.#netClaim = undefined;
    this.#reaper();
    this.#unsubscribeTruth();
    this.scheduler.stop();
    for (const hc of this.healthChecks.values()) hc.stop();
    for (const alarm of this.alarms.values()) alarm.stop();
    this.metrics.stop();
    if (this.#isHome()) await this.dns.stop();
    for (const asg of this.autoScalingGroups.values()) asg.stop();
    for (const tg of this.targetGroups.values()) tg.stop();
    await Promise.all([...this.loadBalancers.values()].map((lb) => lb.stop()));
    await Promise.all([...this.instances.values()].map((i) => i.dispose()));
    await Promise.all([...this.databases.values(), ...this.dbClusters.values()].map((db) => db.stop()));
  }

  /** CreateDBInstanceReadReplica: a new DB instance following its source (`build/databases.ts`). */
  createReadReplica(request: ReadReplicaRequest): SimDatabase {
    return createReadReplica(this, this.#net, request);
  }

  /** Every ASG at desired capacity InService, every registered target healthy, every declared Route 53 check healthy, no alarm in ALARM. */
  isReady(): boolean {
    return isSteady(this);
  }

  /**
   * Resolves when `isReady()` holds and the running instances' apps have opened their database clients (a system in
   * its steady state has served before); rejects after `timeoutMs` of wall time.
   */
  async ready(timeoutMs: number): Promise<void> {
    await whenSteady(this, timeoutMs);
    await Promise.all([...this.instances.values()].filter((i) => i.state === 'running').map((i) => i.workload.warm()));
  }

  /** Launches an instance of a launch template's version (default: its default version), tagged as EC2 tags it. */
  launchInstance(template: string, zone: string, tags: Record<string, string>, versionNumber?: number): SimInstance {
    const lt = this.launchTemplates.get(template);
    if (lt === undefined) throw new Error(`Launch template '${template}' is not declared.`);
    const version = versionOf(lt, versionNumber ?? lt.defaultVersion);
    const zoneIndex = this.zones.indexOf(zone);
    const n = (this.#nextHost.get(zone) ?? -1) + 1;
    this.#nextHost.set(zone, n);
    const subnet = this.subnets[zoneIndex] as SimSubnet;
    const instance = new SimInstance(
      {
        id: `i-${hex(17)}`,
        imageId: version.imageId,
        instanceType: version.instanceType,
        availabilityZone: zone,
        subnetId: subnet.id,
        vpcId: this.vpcId,
        privateIp: `127.${this.#net}.${zoneIndex * 16 + 1 + Math.floor(n / 240)}.${10 + (n % 240)}`,
        port: lt.port,
        processName: lt.processName,
        tags: { ...tags, 'aws:ec2launchtemplate:id': lt.id, 'aws:ec2launchtemplate:version': String(version.number) },
        ...(lt.marketType === undefined ? {} : { lifecycle: lt.marketType }),
        app: this.appOfImage(version.imageId),
      },
      this.scheduler,
      {
        durations: this.durations,
        bootTime: lt.bootTime,
        stream: lt.name,
        dnsServer: () => this.#home().dns.address,
        outbound: (address, port) => this.appOutbound?.(address, port),
        zoneOf: (address) => this.zoneOfAddress(address),
        booted: (i, to) => this.truth.record({ kind: 'workload', resource: i.id, to, detail: { booted: true, zone: i.spec.availabilityZone } }),
        crashed: (i) =>
          this.truth.record({
            kind: 'workload',
            resource: i.id,
            to: 'refusing',
            detail: { crashed: true, app: i.spec.app?.name, imageId: i.spec.imageId, zone: i.spec.availabilityZone },
          }),
      },
      (i, from, to) => this.#instanceChanged(i, from, to),
    );
    this.instances.set(instance.id, instance);
    this.az.instanceLaunched(instance);
    instance.launch({ booted: this.#building });
    return instance;
  }

  /** The databases and clusters the topology's apps use. */
  #appDatabases(): (SimDatabase | SimDbCluster)[] {
    const ids = new Set(this.topology.apps.flatMap((a) => (a.database === undefined ? [] : [a.database.id])));
    return [...this.databases.values(), ...this.dbClusters.values()].filter((db) => ids.has(db.id));
  }

  /** The app an image runs (the topology's `apps`), or undefined for an image no app names: the default healthy service. */
  appOfImage(imageId: string): InstanceApp | undefined {
    const app = this.topology.apps.find((a) => a.imageId === imageId);
    if (app === undefined) return undefined;
    const db = app.database === undefined ? undefined : (this.databases.get(app.database.id) ?? this.dbClusters.get(app.database.id));
    return {
      name: app.name,
      health: app.health,
      errors: app.errors,
      latencyMs: app.latency,
      crashAfter: app.crashAfter,
      healthCheck: app.healthCheck,
      database:
        app.database === undefined || db === undefined
          ? undefined
          : {
              endpoint: db.dnsName,
              port: db.port,
              dns: app.database.dns,
              pool: app.database.pool,
              retries: app.database.retries,
              timeoutMs: app.database.timeout,
            },
    };
  }

  /** Values experiments can use as `${sim:…}`. */
  outputs(endpoint: string): Record<string, string> {
    return worldOutputs(this, endpoint);
  }

  /** Creates a Route 53 health check that starts probing at once. */
  createHealthCheck(callerReference: string, config: Route53HealthCheckConfig, name?: string): SimHealthCheck {
    const hc = new SimHealthCheck({
      callerReference,
      name,
      config,
      scheduler: this.scheduler,
      truth: this.truth,
      onChange: () => this.route53Changed(),
      resolve: (host) => this.dnsAnswer(fqdn(host), 'A').answers.find((a) => a.type === 'A')?.data,
      // The caller reference seeds the checkers' stagger, so a topology's checks keep one schedule from run to run.
      seed: seedOf(callerReference),
    });
    this.healthChecks.set(hc.id, hc);
    return hc;
  }

  deleteHealthCheck(id: string): void {
    this.healthChecks.get(id)?.stop();
    this.healthChecks.delete(id);
    this.route53Changed();
  }

  /** Records a Route 53 change, INSYNC at once. */
  recordChange(comment?: string): { id: string; submittedAt: Date; comment: string | undefined } {
    const change = { id: route53Id('C', 21), submittedAt: new Date(), comment };
    this.changes.set(change.id, change);
    return change;
  }

  /**
   * The alias target of an ALB by its name: of any Region of the world, as an alias record may name a load balancer
   * in any Region (its hosted zone id is its Region's).
   */
  aliasTargetOf(lbName: string): { hostedZoneId: string; dnsName: string } | undefined {
    for (const world of this.#worlds()) {
      const lb = world.loadBalancers.get(lbName);
      if (lb !== undefined) return { hostedZoneId: elbHostedZoneId(world.topology.region), dnsName: `${lb.dnsName}.` };
    }
    return undefined;
  }

  /**
   * A zone's id, as EC2 names it: the region's short code and the zone's number (`use1-az1`, `euw1-az2`,
   * `apne1-az3`). AWS maps names to ids per account; the region's mapping is the zones' order. An edge zone's id is
   * its own (`use1-bos1-az1`, `edge-zones.ts`).
   */
  zoneId(zone: string): string {
    const edge = this.edgeZones.find((e) => e.name === zone);
    if (edge !== undefined) return edge.zoneId;
    return `${regionShortCode(this.topology.region)}-az${this.availabilityZones.indexOf(zone) + 1}`;
  }

  /** The name of the zone `nameOrId` names (`us-east-1a` or `use1-az1`), or undefined when it is none of this Region's. */
  zoneNamed(nameOrId: string): string | undefined {
    return this.zones.find((z) => z === nameOrId || this.zoneId(z) === nameOrId);
  }

  /**
   * The zone of an address in the region's subnets: an instance's private address, a database node's, a load balancer
   * node's. 127.0.0.1 is in none: it is also every local client's address (the default load balancer's first node).
   */
  zoneOfAddress(address: string): string | undefined {
    if (address === '127.0.0.1') return undefined;
    for (const i of this.instances.values()) if (i.spec.privateIp === address) return i.spec.availabilityZone;
    for (const db of this.databases.values()) {
      const zone = this.zones.find((z) => db.addressIn(z) === address);
      if (zone !== undefined) return zone;
    }
    for (const cluster of this.dbClusters.values()) for (const m of cluster.members) if (m.host === address) return m.zone;
    for (const lb of this.loadBalancers.values()) for (const n of lb.nodes) if (n.address === address) return n.zone;
    return undefined;
  }

  /** The answer of the world's DNS (global, as Route 53 is) to a question, from a client at `from` (source address, EDNS client subnet). */
  dnsAnswer(name: string, type: string, from?: QuestionOrigin): DnsAnswer {
    return this.#home().#answers.answer(name, type, from);
  }

  /** Re-evaluates every DNS answer after a health, capacity or record change, recording each change in ground truth. */
  route53Changed(): void {
    this.#home().#answers.changed();
  }

  /** Every Region's world, the home one first; this world alone when it is the only Region. */
  #worlds(): readonly SimWorld[] {
    return this.#peers?.worlds() ?? [this];
  }

  #home(): SimWorld {
    return this.#worlds()[0] ?? this;
  }

  #isHome(): boolean {
    return this.#home() === this;
  }

  /** One map of a kind of resource across every Region (names are unique across Regions). */
  #everywhere<V>(of: (world: SimWorld) => ReadonlyMap<string, V>): ReadonlyMap<string, V> {
    const worlds = this.#worlds();
    return worlds.length === 1 ? of(this) : new Map(worlds.flatMap((w) => [...of(w)]));
  }

  /** What DNS answers from: the hosted zones and health checks here, load balancers and databases of every Region. */
  #dnsSources(): DnsSources {
    const world = this;
    return {
      hostedZones: this.hostedZones,
      healthChecks: this.healthChecks,
      get loadBalancers() {
        return world.#everywhere((w) => w.loadBalancers);
      },
      get databases() {
        return world.#everywhere((w) => w.databases);
      },
      get dbClusters() {
        return world.#everywhere((w) => w.dbClusters);
      },
      get truth() {
        return world.truth;
      },
      get clients() {
        return world.clients;
      },
      get topology() {
        return world.topology;
      },
      afterAliasHealthDelay(lbName, then) {
        const timer = world.scheduler.after(world.durations.draw('route53AliasTargetHealth', lbName), then);
        return () => world.scheduler.cancel(timer);
      },
    };
  }

  /** Denies a subnet's traffic in `scope` (FIS aws:network:disrupt-connectivity) until the returned restore runs. */
  disruptSubnet(subnetId: string, scope: ConnectivityScope = 'all'): () => void {
    return this.az.disruptSubnet(subnetId, scope);
  }

  /**
   * ModifyAvailabilityZoneGroup opted-in: the group's zones turn opted-in after `edgeZoneOptIn` (assumed, minutes).
   * Only the zones change status; the account then creates subnets there, which the simulated VPC does not do, so a
   * zone opted in while the region runs has no subnet (a topology's `optedIn: true` zone has one from the start).
   */
  optInZoneGroup(group: string): void {
    const zones = this.edgeZones.filter((e) => e.groupName === group && !e.optedIn);
    if (zones.length === 0) return;
    this.scheduler.after(this.durations.draw('edgeZoneOptIn', group), () => {
      for (const zone of zones) {
        zone.optedIn = true;
        this.truth.record({ kind: 'zone', resource: zone.name, from: 'not-opted-in', to: 'opted-in', detail: { group } });
      }
    });
  }

  /**
   * What clients' latency tables are read at for a load balancer in `zones`: the network border group when every zone
   * is an edge zone of one (a Local Zone's is its group, `us-east-1-bos-1`), else the Region.
   */
  #latencyKey(zones: readonly string[]): string {
    const groups = new Set(zones.map((z) => this.edgeZones.find((e) => e.name === z)?.networkBorderGroup));
    const [only] = groups;
    return groups.size === 1 && only !== undefined ? only : this.topology.region;
  }

  #instanceChanged(instance: SimInstance, from: InstanceStateName | undefined, to: InstanceStateName): void {
    this.truth.record({ kind: 'instance-state', resource: instance.id, from, to, detail: { zone: instance.spec.availabilityZone } });
    for (const tg of this.targetGroups.values()) tg.instanceChanged(instance);
    registerWhenRunning(this, instance);
    const group = instance.spec.tags['aws:autoscaling:groupName'];
    if (group !== undefined) this.autoScalingGroups.get(group)?.instanceChanged(instance);
  }

  #capacityChanged(): void {
    for (const lb of this.loadBalancers.values()) lb.capacityChanged();
  }
}
