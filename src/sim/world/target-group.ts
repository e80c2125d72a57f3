import { request } from 'undici';
import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';
import type { SimScheduler } from '../timing.js';
import type { SimInstance } from './instance.js';

/**
 * The shortest wall time a health check waits for its answer. A loopback answer takes real milliseconds at any speed,
 * and on a loaded machine a healthy target can take 100 ms; below this floor it would fail checks AWS would pass. So
 * above speed 20 (5 s of AWS time in 250 ms) a check waits longer than AWS's timeout, in AWS terms (a sim limitation).
 */
const MIN_WALL_CHECK_TIMEOUT_MS = 250;
export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining';

export interface HealthCheckConfig {
  path: string;
  /** AWS ms. */
  interval: number;
  timeout: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** HTTP codes, as ELBv2 writes them: `200`, `200,302`, `200-299`. */
  matcher: string;
}

export interface TargetEntry {
  instance: SimInstance;
  port: number;
  state: TargetHealthState;
  reason: string | undefined;
  description: string | undefined;
  passes: number;
  failures: number;
  stopChecks: () => void;
  /** Called once the target has drained after its deregistration. */
  drained: (() => void)[];
}

/**
 * The target group attributes an ALB instance target group answers DescribeTargetGroupAttributes with, and their
 * defaults (the TargetGroupAttribute key list of the ELBv2 API reference,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html).
 * `deregistration_delay.timeout_seconds` is not here: it is the group's {@link SimTargetGroup.deregistrationDelay}.
 */
const TARGET_GROUP_ATTRIBUTE_DEFAULTS: Readonly<Record<string, string>> = {
  'stickiness.enabled': 'false',
  'stickiness.type': 'lb_cookie',
  'stickiness.lb_cookie.duration_seconds': '86400',
  'stickiness.app_cookie.cookie_name': '',
  'stickiness.app_cookie.duration_seconds': '86400',
  'slow_start.duration_seconds': '0',
  'load_balancing.algorithm.type': 'round_robin',
  'load_balancing.algorithm.anomaly_mitigation': 'off',
  'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
  'target_group_health.dns_failover.minimum_healthy_targets.count': '1',
  'target_group_health.dns_failover.minimum_healthy_targets.percentage': 'off',
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': '1',
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': 'off',
};

const DEREGISTRATION_DELAY = 'deregistration_delay.timeout_seconds';

/** What each attribute accepts, as the API reference states it; a value outside is InvalidConfigurationRequest. */
const TARGET_GROUP_ATTRIBUTE_VALUES: Readonly<Record<string, (v: string) => boolean>> = {
  [DEREGISTRATION_DELAY]: (v) => intIn(v, 0, 3600),
  'stickiness.enabled': (v) => v === 'true' || v === 'false',
  'stickiness.type': (v) => v === 'lb_cookie' || v === 'app_cookie',
  'stickiness.lb_cookie.duration_seconds': (v) => intIn(v, 1, 604800),
  'stickiness.app_cookie.cookie_name': (v) => !/^(AWSALB|AWSALBAPP|AWSALBTG)/.test(v),
  'stickiness.app_cookie.duration_seconds': (v) => intIn(v, 1, 604800),
  'slow_start.duration_seconds': (v) => v === '0' || intIn(v, 30, 900),
  'load_balancing.algorithm.type': (v) => ['round_robin', 'least_outstanding_requests', 'weighted_random'].includes(v),
  'load_balancing.algorithm.anomaly_mitigation': (v) => v === 'on' || v === 'off',
  'load_balancing.cross_zone.enabled': (v) => ['true', 'false', 'use_load_balancer_configuration'].includes(v),
  'target_group_health.dns_failover.minimum_healthy_targets.count': (v) => v === 'off' || intIn(v, 1, Number.MAX_SAFE_INTEGER),
  'target_group_health.dns_failover.minimum_healthy_targets.percentage': (v) => v === 'off' || intIn(v, 1, 100),
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': (v) => intIn(v, 1, Number.MAX_SAFE_INTEGER),
  'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': (v) => v === 'off' || intIn(v, 1, 100),
};

function intIn(v: string, lo: number, hi: number): boolean {
  if (!/^\d+$/.test(v)) return false;
  const n = Number(v);
  return n >= lo && n <= hi;
}

/**
 * An ELBv2 target group of instances, with health checks that really probe each target over HTTP, following
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html :
 * a registered target is `initial` until it passes one check ("After your target is registered, it must pass one
 * health check to be considered healthy"); UnhealthyThresholdCount consecutive failures make it `unhealthy`, and an
 * unhealthy target needs HealthyThresholdCount consecutive successes to be `healthy` again. A target whose instance
 * is stopped or terminated is `unused` with `Target.InvalidState`; a deregistered one is `draining` for the
 * deregistration delay. Reasons and descriptions are ELBv2's (API_TargetHealth).
 */
export class SimTargetGroup {
  readonly name: string;
  readonly arn: string;
  readonly port: number;
  readonly vpcId: string;
  readonly healthCheck: HealthCheckConfig;
  /** AWS ms a deregistered target drains: the `deregistration_delay.timeout_seconds` attribute. */
  deregistrationDelay: number;
  readonly tags = new Map<string, string>();
  readonly #attributes = new Map<string, string>(Object.entries(TARGET_GROUP_ATTRIBUTE_DEFAULTS));
  readonly loadBalancerArns: string[] = [];
  /** Zones its load balancer is enabled in; a target elsewhere gets no traffic and no health checks. Undefined: all. */
  enabledZones: readonly string[] | undefined;
  readonly targets = new Map<string, TargetEntry>();
  readonly #scheduler: SimScheduler;
  readonly #truth: GroundTruth;
  readonly #onChange: () => void;

  constructor(options: {
    name: string;
    arn: string;
    port: number;
    vpcId: string;
    healthCheck: HealthCheckConfig;
    deregistrationDelay: number;
    scheduler: SimScheduler;
    truth: GroundTruth;
    onChange: () => void;
  }) {
    this.name = options.name;
    this.arn = options.arn;
    this.port = options.port;
    this.vpcId = options.vpcId;
    this.healthCheck = options.healthCheck;
    this.deregistrationDelay = options.deregistrationDelay;
    this.#scheduler = options.scheduler;
    this.#truth = options.truth;
    this.#onChange = options.onChange;
  }

  register(instance: SimInstance, port = instance.spec.port): void {
    const existing = this.targets.get(instance.id);
    if (existing !== undefined && existing.state !== 'draining') return;
    existing?.stopChecks();
    const entry: TargetEntry = {
      instance,
      port,
      state: 'initial',
      reason: 'Elb.RegistrationInProgress',
      description: 'Target registration is in progress',
      passes: 0,
      failures: 0,
      stopChecks: () => undefined,
      drained: [],
    };
    this.targets.set(instance.id, entry);
    if (!this.#inEnabledZone(instance)) {
      this.#transition(entry, 'unused', 'Target.NotInUse', 'Target is in an Availability Zone that is not enabled for the load balancer');
      return;
    }
    this.#record(entry, existing?.state);
    // The first check follows registration at once, as in ELBv2; then one per interval.
    this.#scheduler.after(0, () => void this.#check(entry));
    entry.stopChecks = this.#scheduler.every(this.healthCheck.interval, () => void this.#check(entry));
  }

  /**
   * Starts draining a target for the deregistration delay as it stands now; `onDrained` runs once it has drained (at
   * once when the target is not registered). A target already draining keeps its drain and adds `onDrained` to it.
   */
  deregister(instanceId: string, onDrained?: () => void): void {
    const entry = this.targets.get(instanceId);
    if (entry === undefined) {
      onDrained?.();
      return;
    }
    if (onDrained !== undefined) entry.drained.push(onDrained);
    if (entry.state === 'draining') return;
    entry.stopChecks();
    this.#transition(entry, 'draining', 'Target.DeregistrationInProgress', 'Target deregistration is in progress');
    this.#scheduler.after(this.deregistrationDelay, () => {
      if (this.targets.get(instanceId) === entry && entry.state === 'draining') {
        this.targets.delete(instanceId);
        this.#onChange();
      }
      for (const done of entry.drained.splice(0)) done();
    });
  }

  /** The group's attributes as DescribeTargetGroupAttributes lists them. */
  attributes(): { Key: string; Value: string }[] {
    return [
      { Key: DEREGISTRATION_DELAY, Value: String(Math.round(this.deregistrationDelay / 1000)) },
      ...[...this.#attributes].map(([Key, Value]) => ({ Key, Value })),
    ];
  }

  /**
   * ModifyTargetGroupAttributes: every attribute is checked before any is stored, so a bad one changes nothing. A new
   * deregistration delay applies to targets deregistered from now on.
   */
  setAttributes(attributes: { Key: string; Value: string }[]): void {
    for (const { Key, Value } of attributes) {
      const accepts = TARGET_GROUP_ATTRIBUTE_VALUES[Key];
      // AWS's wording for these two errors is assumed; the code is the model's (InvalidConfigurationRequest).
      if (accepts === undefined) throw new SimApiError('InvalidConfigurationRequest', `Target group attribute key '${Key}' is not recognized`);
      if (!accepts(Value)) throw new SimApiError('InvalidConfigurationRequest', `'${Value}' is not a valid value for target group attribute '${Key}'`);
    }
    for (const { Key, Value } of attributes) {
      if (Key === DEREGISTRATION_DELAY) this.deregistrationDelay = Number(Value) * 1000;
      else this.#attributes.set(Key, Value);
    }
  }

  /**
   * A target in a zone its load balancer is not enabled in is `unused` with `Target.NotInUse`: "the target is in an
   * Availability Zone that is not enabled for its load balancer"
   * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html), and the load
   * balancer routes nothing to it.
   */
  #inEnabledZone(instance: SimInstance): boolean {
    return this.enabledZones === undefined || this.enabledZones.includes(instance.spec.availabilityZone);
  }

  /** Targets that receive traffic: healthy ones, or every registered one when none is healthy (ELB fails open). */
  routable(): TargetEntry[] {
    const live = [...this.targets.values()].filter((t) => t.state !== 'draining' && t.state !== 'unused');
    const healthy = live.filter((t) => t.state === 'healthy');
    return healthy.length > 0 ? healthy : live;
  }

  healthyCount(): number {
    let n = 0;
    for (const t of this.targets.values()) if (t.state === 'healthy') n++;
    return n;
  }

  stop(): void {
    for (const t of this.targets.values()) t.stopChecks();
  }

  /**
   * Reacts at once to an instance leaving or entering `running`: ELBv2 reports `Target.InvalidState` for a stopped or
   * terminated instance (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html).
   * It does so from `stopping` and `shutting-down` on (assumed: AWS documents the reason for the final states only;
   * the instance's OS is shutting down and takes no new connection, so the load balancer stops sending it requests).
   * The target stays registered until someone deregisters it (its Auto Scaling group does, when it has one).
   */
  instanceChanged(instance: SimInstance): void {
    const entry = this.targets.get(instance.id);
    if (entry === undefined || entry.state === 'draining' || !this.#inEnabledZone(instance)) return;
    if (instance.state === 'stopped' || instance.state === 'stopping') {
      this.#transition(entry, 'unused', 'Target.InvalidState', 'Target is in the stopped state');
    } else if (instance.state === 'terminated' || instance.state === 'shutting-down') {
      this.#transition(entry, 'unused', 'Target.InvalidState', 'Target is in the terminated state');
    } else if (instance.state === 'running' && entry.state === 'unused') {
      entry.passes = 0;
      entry.failures = 0;
      this.#transition(entry, 'initial', 'Elb.InitialHealthChecking', 'Initial health checks in progress');
    }
  }

  /**
   * How long (wall ms) a check of `instance` waits. An app's declared latency (`apps[].latency`) is the same number of
   * ms for users and for AWS: a release 300 ms slower is 300 ms slower, not 300 ms times the speed. So it is compared
   * with the check's timeout in AWS time, and added on top of the scaled rest: an app slower than the timeout times
   * out, a faster one is not failed by the speed.
   */
  #wallTimeout(instance: SimInstance, timeout: number): number {
    // The instance's impairments (network latency, CPU stress) are network and CPU time too.
    const added = (instance.spec.app?.latencyMs ?? 0) + instance.impairments.addedMs();
    if (added <= 0 || added >= timeout) return Math.max(MIN_WALL_CHECK_TIMEOUT_MS, this.#scheduler.wall(timeout));
    return added + Math.max(MIN_WALL_CHECK_TIMEOUT_MS, this.#scheduler.wall(timeout - added));
  }

  async #check(entry: TargetEntry): Promise<void> {
    if (this.#stale(entry) || entry.instance.state !== 'running') return;
    const { path, timeout } = this.healthCheck;
    const wallTimeout = this.#wallTimeout(entry.instance, timeout);
    let failure: { reason: string; description: string } | null = null;
    try {
      const res = await request(`http://${entry.instance.spec.privateIp}:${entry.port}${path}`, {
        method: 'GET',
        headersTimeout: wallTimeout,
        bodyTimeout: wallTimeout,
        reset: true,
      });
      await res.body.dump();
      if (!matches(this.healthCheck.matcher, res.statusCode)) {
        failure = { reason: 'Target.ResponseCodeMismatch', description: `Health checks failed with these codes: [${res.statusCode}]` };
      }
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      failure = code.includes('TIMEOUT')
        ? { reason: 'Target.Timeout', description: 'Request timed out' }
        : { reason: 'Target.FailedHealthChecks', description: 'Health checks failed' };
    }
    // The target may have been deregistered or its instance stopped while the check was in flight.
    if (this.#stale(entry)) return;
    if (failure === null) {
      entry.passes++;
      entry.failures = 0;
      // One check for a newly registered target; HealthyThresholdCount for an unhealthy one.
      const need = entry.state === 'initial' ? 1 : this.healthCheck.healthyThreshold;
      if (entry.state !== 'healthy' && entry.passes >= need) this.#transition(entry, 'healthy', undefined, undefined);
    } else {
      if (entry.state === 'initial' && entry.reason === 'Elb.RegistrationInProgress') {
        // Registered; the load balancer is still sending the target the checks that decide its health.
        this.#transition(entry, 'initial', 'Elb.InitialHealthChecking', 'Initial health checks in progress');
      }
      entry.failures++;
      entry.passes = 0;
      if (entry.state !== 'unhealthy' && entry.failures >= this.healthCheck.unhealthyThreshold) {
        this.#transition(entry, 'unhealthy', failure.reason, failure.description);
      }
    }
  }

  #stale(entry: TargetEntry): boolean {
    return this.targets.get(entry.instance.id) !== entry || entry.state === 'draining' || entry.state === 'unused';
  }

  #transition(entry: TargetEntry, to: TargetHealthState, reason: string | undefined, description: string | undefined): void {
    const from = entry.state;
    entry.reason = reason;
    entry.description = description;
    if (from === to) return;
    entry.state = to;
    this.#record(entry, from);
    this.#onChange();
  }

  #record(entry: TargetEntry, from: TargetHealthState | undefined): void {
    this.#truth.record({
      kind: 'target-health',
      resource: `${this.name}/${entry.instance.id}`,
      from,
      to: entry.state,
      detail: { reason: entry.reason, targetGroupArn: this.arn },
    });
  }
}

/** Whether a status code matches an ELBv2 matcher such as `200`, `200,302` or `200-299`. */
export function matches(matcher: string, status: number): boolean {
  return matcher.split(',').some((part) => {
    const [lo, hi] = part.trim().split('-').map(Number);
    if (lo === undefined || Number.isNaN(lo)) return false;
    return hi === undefined ? status === lo : status >= lo && status <= hi;
  });
}
