import { randomUUID } from 'node:crypto';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { GroundTruth } from '../ground-truth.js';
import type { SimScheduler } from '../timing.js';
import { probeHttp, probeTcp, type ProbeResult } from './health-check-probe.js';

export type HealthCheckType = 'HTTP' | 'HTTPS' | 'TCP';

/** The HealthCheckConfig of a Route 53 health check (the endpoint kinds the sim supports). */
export interface Route53HealthCheckConfig {
  type: HealthCheckType;
  ipAddress: string | undefined;
  port: number;
  resourcePath: string | undefined;
  fullyQualifiedDomainName: string | undefined;
  /** Seconds: 10 or 30; fixed at creation. */
  requestInterval: number;
  failureThreshold: number;
  inverted: boolean;
  disabled: boolean;
  enableSNI: boolean;
  measureLatency: boolean;
  regions: string[];
}

/** What one health checker saw the last time it probed. */
export interface StatusReport {
  region: string;
  ipAddress: string;
  status: string;
  checkedTime: Date;
}

/**
 * Route 53 probe timeouts, in AWS time: "Route 53 must be able to establish a TCP connection with the endpoint within
 * four seconds. In addition, the endpoint must respond with an HTTP status code of 2xx or 3xx within two seconds after
 * connecting"; for TCP, "within ten seconds"
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
 */
const HTTP_CONNECT_MS = 4_000;
const HTTP_ANSWER_MS = 2_000;
const TCP_CONNECT_MS = 10_000;
/**
 * Wall-clock floor of a probe timeout. At high speeds 2 s of AWS time would be a few wall milliseconds, shorter than
 * a loaded machine takes to answer on loopback (measured: up to ~250 ms at a load of 16 on two cores). So the
 * documented timeouts hold exactly up to speed 4 (HTTP answer: 2 s / 0.5 s), and are longer in AWS terms above it.
 */
const MIN_WALL_TIMEOUT_MS = 500;

/**
 * Checker regions used when a check names none: "If you don't specify any regions, Route 53 health checkers
 * automatically performs checks from all of the regions that are listed under Valid Values" (HealthCheckConfig
 * Regions, https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html; botocore's
 * HealthCheckRegion enum lists these eight).
 */
export const DEFAULT_CHECKER_REGIONS = ['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];
/** An illustrative checker IP per region (assumed: real checkers use the ROUTE53_HEALTHCHECKS ranges of ip-ranges.json). */
const CHECKER_IPS: Record<string, string> = {
  'us-east-1': '15.177.2.10',
  'us-west-1': '15.177.6.10',
  'us-west-2': '15.177.10.10',
  'eu-west-1': '15.177.62.10',
  'ap-southeast-1': '15.177.34.10',
  'ap-southeast-2': '15.177.42.10',
  'ap-northeast-1': '15.177.26.10',
  'sa-east-1': '15.177.50.10',
};
/** "If more than 18% of health checkers report that an endpoint is healthy, Route 53 considers it healthy" (same page). */
const HEALTHY_SHARE = 0.18;

/** A deterministic generator of numbers in [0, 1), so a seed gives the same checker offsets every run. */
function seededRandom(seed: number): () => number {
  const rng = xoroshiro128plus(seed >>> 0);
  return () => uniformFloat64(rng);
}

/** A seed from a string (FNV-1a), for callers that have a stable name rather than a number. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** One checker region: it probes on its own schedule and applies FailureThreshold on its own. */
interface Checker {
  region: string;
  /** AWS milliseconds into each RequestInterval at which this checker probes. */
  offset: number;
  healthy: boolean;
  successes: number;
  failures: number;
  report: StatusReport | undefined;
  inFlight: boolean;
}

/**
 * A Route 53 health check that really probes its endpoint. Each checker region probes every RequestInterval (AWS time,
 * through the region's scheduler) with an HTTP(S) GET of ResourcePath or a TCP connect. The checkers "don't coordinate
 * with one another": each starts at its own offset within the interval, drawn from the `seed`, so a flip spreads over
 * an interval. A checker turns unhealthy after FailureThreshold consecutive failures and healthy again after as many
 * successes; after each probe the check is healthy while more than 18 % of its checkers are
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
 * A new check starts healthy. Inverted applies at the next evaluation; Disabled stops probing and reports healthy.
 * Every evaluated-status change goes to ground truth (kind `health-check`).
 */
export class SimHealthCheck {
  readonly id: string;
  readonly callerReference: string;
  /** Topology name, when the topology declared the check. */
  readonly name: string | undefined;
  config: Route53HealthCheckConfig;
  /** Tags (ListTagsForResource / ChangeTagsForResource). */
  readonly tags: Record<string, string> = {};
  version = 1;
  /** The evaluated status that DNS failover uses. */
  healthy = true;
  readonly #scheduler: SimScheduler;
  readonly #truth: GroundTruth;
  readonly #onChange: (check: SimHealthCheck) => void;
  readonly #resolve: (name: string) => string | undefined;
  readonly #random: () => number;
  #checkers: Checker[];
  #stopTicks: () => void = () => undefined;
  #stopped = false;

  constructor(options: {
    callerReference: string;
    name?: string | undefined;
    config: Route53HealthCheckConfig;
    scheduler: SimScheduler;
    truth: GroundTruth;
    onChange: (check: SimHealthCheck) => void;
    /** Resolves a FullyQualifiedDomainName when the check has no IPAddress. */
    resolve: (name: string) => string | undefined;
    /** Seeds the checkers' offsets within the interval; the same seed gives the same schedule. */
    seed: number;
  }) {
    if (!Number.isInteger(options.seed)) throw new RangeError(`A health check's seed must be an integer, got ${options.seed}.`);
    this.id = randomUUID();
    this.callerReference = options.callerReference;
    this.name = options.name;
    this.config = options.config;
    this.#scheduler = options.scheduler;
    this.#truth = options.truth;
    this.#onChange = options.onChange;
    this.#resolve = options.resolve;
    this.#random = seededRandom(options.seed);
    this.#checkers = this.#freshCheckers();
    this.#truth.record({ kind: 'health-check', resource: this.id, to: 'healthy', detail: this.#detail('created') });
    if (!this.config.disabled) this.#startProbing();
  }

  /** The last report of each checker region that has probed. */
  observations(): StatusReport[] {
    return this.#checkers.flatMap((c) => (c.report === undefined ? [] : [c.report]));
  }

  /** Each checker region and its offset (AWS ms) within the RequestInterval. */
  schedule(): { region: string; offset: number }[] {
    return this.#checkers.map((c) => ({ region: c.region, offset: c.offset }));
  }

  /** Applies an UpdateHealthCheck (the caller checked HealthCheckVersion) and bumps the version. */
  update(change: Partial<Omit<Route53HealthCheckConfig, 'requestInterval' | 'type'>>): void {
    const wasDisabled = this.config.disabled;
    this.config = { ...this.config, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
    this.version++;
    if (this.config.disabled && !wasDisabled) {
      this.#stopTicks();
      this.#set(true, 'disabled');
    } else if (!this.config.disabled && (wasDisabled || this.config.regions.join() !== this.#checkers.map((c) => c.region).join())) {
      // Re-enabled, or probing from other regions: like a new check, healthy until enough data.
      this.#checkers = this.#freshCheckers();
      this.#startProbing();
    }
    // Inverted and FailureThreshold take effect at the next evaluation.
  }

  stop(): void {
    this.#stopped = true;
    this.#stopTicks();
  }

  #freshCheckers(): Checker[] {
    const regions = this.config.regions.length > 0 ? this.config.regions : DEFAULT_CHECKER_REGIONS;
    const interval = this.config.requestInterval * 1000;
    return regions.map((region) => ({
      region,
      offset: Math.floor(this.#random() * interval),
      healthy: true,
      successes: 0,
      failures: 0,
      report: undefined,
      inFlight: false,
    }));
  }

  #startProbing(): void {
    this.#stopTicks();
    const interval = this.config.requestInterval * 1000;
    const stops = this.#checkers.map((checker) => {
      let stopEvery: () => void = () => undefined;
      const first = this.#scheduler.after(checker.offset, () => {
        void this.#tick(checker);
        stopEvery = this.#scheduler.every(interval, () => void this.#tick(checker));
      });
      return () => {
        this.#scheduler.cancel(first);
        stopEvery();
      };
    });
    this.#stopTicks = () => {
      for (const stop of stops) stop();
    };
  }

  async #tick(checker: Checker): Promise<void> {
    // A probe still in flight (a slow endpoint near the timeout) holds this checker's next probe back.
    if (this.#stopped || this.config.disabled || checker.inFlight) return;
    checker.inFlight = true;
    try {
      const result = await this.#probe();
      if (this.#stopped || this.config.disabled || !this.#checkers.includes(checker)) return;
      const threshold = this.config.failureThreshold;
      checker.report = { region: checker.region, ipAddress: CHECKER_IPS[checker.region] ?? '15.177.0.10', status: result.status, checkedTime: new Date() };
      if (result.ok) {
        checker.successes++;
        checker.failures = 0;
        if (!checker.healthy && checker.successes >= threshold) checker.healthy = true;
      } else {
        checker.failures++;
        checker.successes = 0;
        if (checker.healthy && checker.failures >= threshold) checker.healthy = false;
      }
      const healthyShare = this.#checkers.filter((c) => c.healthy).length / Math.max(1, this.#checkers.length);
      const raw = healthyShare > HEALTHY_SHARE;
      this.#set(this.config.inverted ? !raw : raw, `${checker.region}: ${result.status}`);
    } finally {
      checker.inFlight = false;
    }
  }

  #set(healthy: boolean, reason: string): void {
    if (healthy === this.healthy) return;
    const from = this.healthy;
    this.healthy = healthy;
    this.#truth.record({
      kind: 'health-check',
      resource: this.id,
      from: from ? 'healthy' : 'unhealthy',
      to: healthy ? 'healthy' : 'unhealthy',
      detail: this.#detail(reason),
    });
    this.#onChange(this);
  }

  #detail(reason: string): Record<string, unknown> {
    return { name: this.name, reason, inverted: this.config.inverted, disabled: this.config.disabled, endpoint: this.#endpoint() };
  }

  #endpoint(): string {
    const host = this.config.ipAddress ?? this.config.fullyQualifiedDomainName ?? '';
    return `${this.config.type}://${host}:${this.config.port}${this.config.type === 'TCP' ? '' : (this.config.resourcePath ?? '/')}`;
  }

  #timeout(awsMs: number): number {
    return Math.max(MIN_WALL_TIMEOUT_MS, this.#scheduler.wall(awsMs));
  }

  #probe(): Promise<ProbeResult> {
    const { ipAddress, fullyQualifiedDomainName: fqdn } = this.config;
    const host = ipAddress ?? (fqdn === undefined ? undefined : (this.#resolve(fqdn) ?? fqdn));
    if (host === undefined) return Promise.resolve({ ok: false, status: 'Failure: The health check has no endpoint.' });
    if (this.config.type === 'TCP') return probeTcp({ host, port: this.config.port, connectMs: this.#timeout(TCP_CONNECT_MS), answerMs: 0 });
    return probeHttp(
      { host, port: this.config.port, connectMs: this.#timeout(HTTP_CONNECT_MS), answerMs: this.#timeout(HTTP_ANSWER_MS) },
      { https: this.config.type === 'HTTPS', path: this.config.resourcePath ?? '/', hostHeader: fqdn ?? host },
    );
  }
}
