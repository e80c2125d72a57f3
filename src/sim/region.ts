import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { GroundTruth } from './ground-truth.js';
import { SimScheduler, type SimTimings } from './timing.js';
import { zoneNames, type Topology } from './topology.js';
import { SimAutoScalingGroup } from './world/auto-scaling-group.js';
import { SimDatabase } from './world/database.js';
import { SimInstance, type InstanceStateName } from './world/instance.js';
import { SimLoadBalancer } from './world/load-balancer.js';
import { SimTargetGroup } from './world/target-group.js';

const hex = (n: number): string => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);

export interface SimSubnet {
  id: string;
  zone: string;
  cidr: string;
}

/**
 * The world of a simulated region: instances, target groups, load balancers, Auto Scaling groups, one clock and one
 * record of ground truth. The API layer (`server.ts`) is the only way in from gameday.
 */
export class SimWorld {
  readonly topology: Topology;
  readonly scheduler: SimScheduler;
  readonly timings: SimTimings;
  readonly truth = new GroundTruth();
  readonly zones: string[];
  readonly vpcId = `vpc-${hex(17)}`;
  readonly subnets: SimSubnet[];
  readonly launchTemplates = new Map<string, { id: string; name: string; version: string; instanceType: string; imageId: string; port: number }>();
  readonly instances = new Map<string, SimInstance>();
  readonly targetGroups = new Map<string, SimTargetGroup>();
  readonly loadBalancers = new Map<string, SimLoadBalancer>();
  readonly autoScalingGroups = new Map<string, SimAutoScalingGroup>();
  readonly databases = new Map<string, SimDatabase>();
  /** Second octet of this world's loopback addresses: 127.<net>.<zone>.<n>. */
  readonly #net = randomInt(20, 250);
  readonly #nextHost = new Map<string, number>();
  #reaper: () => void = () => undefined;

  constructor(topology: Topology, speed: number) {
    this.topology = topology;
    this.scheduler = new SimScheduler(speed);
    this.timings = topology.timings;
    this.zones = zoneNames(topology);
    this.subnets = this.zones.map((zone, i) => ({ id: `subnet-${hex(17)}`, zone, cidr: `10.0.${i * 16}.0/20` }));
    for (const lt of topology.launchTemplates) {
      this.launchTemplates.set(lt.name, { id: `lt-${hex(17)}`, name: lt.name, version: '1', instanceType: lt.instanceType, imageId: lt.imageId, port: lt.port });
    }
    const { region, accountId } = topology;
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
      this.loadBalancers.set(
        lb.name,
        new SimLoadBalancer({
          name: lb.name,
          arn: `arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/app/${lb.name}/${id}`,
          dnsName: `${lb.name}-${parseInt(id.slice(0, 8), 16)}.${region}.elb.amazonaws.com`,
          availabilityZones: this.zones,
          subnetIds: this.subnets.map((s) => s.id),
          vpcId: this.vpcId,
          crossZone: lb.crossZone,
          targetGroup: tg,
          truth: this.truth,
          port: lb.port,
        }),
      );
    }
    for (const spec of topology.autoScalingGroups) {
      const lt = this.launchTemplates.get(spec.launchTemplate);
      if (lt === undefined) throw new Error(`Launch template '${spec.launchTemplate}' is not declared.`);
      const zones = spec.availabilityZones?.map((z) => (/^[a-z]$/.test(z) ? `${region}${z}` : z)) ?? this.zones;
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
        launchTemplate: { id: lt.id, name: lt.name, version: lt.version },
        targetGroups: spec.targetGroups.map((n) => this.targetGroups.get(n)).filter((t) => t !== undefined),
        tags: spec.tags,
        scheduler: this.scheduler,
        truth: this.truth,
        launch: (zone, group) => this.launchInstance(lt.name, zone, { ...spec.tags, 'aws:autoscaling:groupName': group.name }),
      });
      this.autoScalingGroups.set(asg.name, asg);
    }
  }

  async start(): Promise<void> {
    for (const [i, spec] of this.topology.databases.entries()) {
      const zone = /^[a-z]$/.test(spec.availabilityZone) ? `${this.topology.region}${spec.availabilityZone}` : spec.availabilityZone;
      const standby = this.zones[(this.zones.indexOf(zone) + 1) % this.zones.length];
      const db = new SimDatabase({
        id: spec.id,
        region: this.topology.region,
        accountId: this.topology.accountId,
        multiAZ: spec.multiAZ,
        instanceClass: spec.instanceClass,
        zone,
        secondaryZone: spec.multiAZ && standby !== zone ? standby : undefined,
        // Its own loopback address, like an instance's: the endpoint of the current primary.
        host: `127.${this.#net}.200.${10 + i}`,
        port: spec.port,
        tags: spec.tags,
        scheduler: this.scheduler,
        truth: this.truth,
        timings: { failover: this.timings.dbFailover, reboot: this.timings.dbReboot },
      });
      this.databases.set(db.id, db);
    }
    const started = await Promise.allSettled([...this.databases.values()].map((db) => db.start()));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw new Error(`A database of the simulated region did not start: ${String((failed as PromiseRejectedResult).reason)}`);
    for (const lb of this.loadBalancers.values()) await lb.start();
    for (const asg of this.autoScalingGroups.values()) asg.start();
    // Terminated instances stay listed for an hour, then disappear, as in EC2.
    this.#reaper = this.scheduler.every(60_000, () => {
      const cutoff = Date.now() - this.scheduler.wall(this.timings.terminatedVisible);
      for (const [id, i] of this.instances) if (i.state === 'terminated' && (i.terminatedAt ?? Infinity) < cutoff) this.instances.delete(id);
    });
  }

  async stop(): Promise<void> {
    this.#reaper();
    this.scheduler.stop();
    for (const asg of this.autoScalingGroups.values()) asg.stop();
    for (const tg of this.targetGroups.values()) tg.stop();
    await Promise.all([...this.loadBalancers.values()].map((lb) => lb.stop()));
    await Promise.all([...this.instances.values()].map((i) => i.dispose()));
    await Promise.all([...this.databases.values()].map((db) => db.stop()));
  }

  /** Every ASG at desired capacity InService and every registered target healthy. */
  isReady(): boolean {
    for (const asg of this.autoScalingGroups.values()) {
      const active = asg.active();
      if (active.length !== asg.desired || active.some((m) => m.lifecycle !== 'InService')) return false;
    }
    for (const tg of this.targetGroups.values()) {
      for (const t of tg.targets.values()) if (t.state !== 'healthy' && t.state !== 'draining') return false;
    }
    for (const db of this.databases.values()) if (db.status !== 'available') return false;
    return true;
  }

  /** Resolves when `isReady()` holds; rejects after `timeoutMs` of wall time. */
  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.isReady()) return resolve();
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`The simulated region was not ready after ${timeoutMs}ms.`));
      }, timeoutMs);
      const unsubscribe = this.truth.subscribe(() => {
        if (!this.isReady()) return;
        clearTimeout(timer);
        unsubscribe();
        resolve();
      });
    });
  }

  launchInstance(template: string, zone: string, tags: Record<string, string>): SimInstance {
    const lt = this.launchTemplates.get(template);
    if (lt === undefined) throw new Error(`Launch template '${template}' is not declared.`);
    const zoneIndex = this.zones.indexOf(zone);
    const n = (this.#nextHost.get(zone) ?? -1) + 1;
    this.#nextHost.set(zone, n);
    const subnet = this.subnets[zoneIndex] as SimSubnet;
    const instance = new SimInstance(
      {
        id: `i-${hex(17)}`,
        imageId: lt.imageId,
        instanceType: lt.instanceType,
        availabilityZone: zone,
        subnetId: subnet.id,
        vpcId: this.vpcId,
        privateIp: `127.${this.#net}.${zoneIndex * 16 + 1 + Math.floor(n / 240)}.${10 + (n % 240)}`,
        port: lt.port,
        tags: { ...tags, 'aws:ec2launchtemplate:id': lt.id, 'aws:ec2launchtemplate:version': lt.version },
      },
      this.scheduler,
      this.timings,
      (i, from, to) => this.#instanceChanged(i, from, to),
    );
    this.instances.set(instance.id, instance);
    instance.launch();
    return instance;
  }

  /** Values experiments can use as `${sim:…}`. */
  outputs(endpoint: string): Record<string, string> {
    const out: Record<string, string> = { 'region.endpoint': endpoint, 'region.name': this.topology.region, 'region.accountId': this.topology.accountId };
    for (const lb of this.loadBalancers.values()) {
      out[`alb.${lb.name}.url`] = lb.url;
      out[`alb.${lb.name}.dnsName`] = lb.dnsName;
      out[`alb.${lb.name}.arn`] = lb.arn;
      out[`tg.${lb.targetGroup.name}.arn`] = lb.targetGroup.arn;
    }
    for (const asg of this.autoScalingGroups.values()) out[`asg.${asg.name}.name`] = asg.name;
    for (const db of this.databases.values()) {
      out[`rds.${db.id}.url`] = db.url;
      out[`rds.${db.id}.address`] = db.host;
      out[`rds.${db.id}.port`] = String(db.port);
    }
    return out;
  }

  #instanceChanged(instance: SimInstance, from: InstanceStateName | undefined, to: InstanceStateName): void {
    this.truth.record({ kind: 'instance-state', resource: instance.id, from, to, detail: { zone: instance.spec.availabilityZone } });
    for (const tg of this.targetGroups.values()) tg.instanceChanged(instance);
    const group = instance.spec.tags['aws:autoscaling:groupName'];
    if (group !== undefined) this.autoScalingGroups.get(group)?.instanceChanged(instance);
  }

  #capacityChanged(): void {
    for (const lb of this.loadBalancers.values()) lb.capacityChanged();
  }
}
