/**
 * AWS-shaped durations of the simulated region, in AWS milliseconds, and the speed that divides them.
 * Sources: ../shared/AWS-FACTS.md section 4; where AWS publishes no figure the value is an assumption, marked so.
 */
export interface SimTimings {
  /** pending → running (AWS-FACTS: 10–30 s). */
  instancePending: number;
  /** shutting-down → terminated (30–60 s). */
  instanceShuttingDown: number;
  /** stopping → stopped (assumption: 30 s). */
  instanceStopping: number;
  /** How long a reboot keeps the workload down (assumption: 30 s). */
  instanceReboot: number;
  /** Terminated instances stay listed this long ("approximately one hour"). */
  terminatedVisible: number;
  /** How often an Auto Scaling group checks its instances (detection 10–60 s; assumption: 10 s). */
  asgHealthCheckPeriod: number;
  /** ELBv2 deregistration delay default (300 s). */
  deregistrationDelay: number;
  /** RDS Multi-AZ instance failover ("typically 60–120 seconds"; midpoint 90 s). */
  dbFailover: number;
  /** RDS reboot without failover (assumption: 30 s). */
  dbReboot: number;
  /** RDS Multi-AZ DB cluster failover ("typically under 35 seconds"). */
  dbClusterFailover: number;
}

export const AWS_TIMINGS: SimTimings = {
  instancePending: 15_000,
  instanceShuttingDown: 45_000,
  instanceStopping: 30_000,
  instanceReboot: 30_000,
  terminatedVisible: 3_600_000,
  asgHealthCheckPeriod: 10_000,
  deregistrationDelay: 300_000,
  dbFailover: 90_000,
  dbReboot: 30_000,
  dbClusterFailover: 35_000,
};

/** Target group health-check defaults of an Application Load Balancer. */
export const ALB_HEALTH_CHECK = {
  path: '/',
  interval: 30_000,
  timeout: 5_000,
  healthyThreshold: 5,
  unhealthyThreshold: 2,
  matcher: '200',
};

/**
 * Runs the region's timers at `speed` times AWS speed. Every timer is tracked so the region stops cleanly.
 */
export class SimScheduler {
  readonly speed: number;
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(speed: number) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`The simulation speed must be a positive number, got ${speed}.`);
    this.speed = speed;
  }

  /** Wall milliseconds that `awsMs` of AWS time take at this speed. */
  wall(awsMs: number): number {
    return awsMs / this.speed;
  }

  /** Runs `fn` after `awsMs` of AWS time. */
  after(awsMs: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.#stopped) return undefined;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, this.wall(awsMs));
    this.#timers.add(timer);
    return timer;
  }

  /** Runs `fn` every `awsMs` of AWS time until cancelled or stopped. */
  every(awsMs: number, fn: () => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    const tick = (): void => {
      timer = this.after(awsMs, () => {
        fn();
        tick();
      });
    };
    tick();
    return () => {
      if (timer !== undefined) this.cancel(timer);
    };
  }

  cancel(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.#timers.delete(timer);
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
