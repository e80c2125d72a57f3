import type { z } from 'zod';
import type { Capabilities } from './capabilities.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { AwsClients } from '../aws/clients.js';

/** A resource an action can be aimed at, after target resolution. */
export interface Resource {
  /** Resource type in FIS spelling, for example `aws:ec2:instance`. */
  type: string;
  id: string;
  arn?: string;
  tags: Record<string, string>;
  /** The AWS Region it lives in, as the plan found it (absent for a global resource such as a Route 53 health check's, until planned). */
  region?: string | undefined;
  /** Attributes that target filters can match (dotted paths), such as `State.Name` or `Placement.AvailabilityZone`. */
  attributes: Record<string, unknown>;
}

/** What a fault's `targets` block says; resolved against the live inventory before anything runs. */
export interface TargetSpec {
  type?: string | undefined;
  ids?: string[] | undefined;
  tags?: Record<string, string> | undefined;
  filters?: { path: string; values: string[] }[] | undefined;
  selection: import('../experiment/selection.js').SelectionMode;
}

export type { CallRecord } from '../core/call-record.js';
import type { CallRecord } from '../core/call-record.js';

/** Everything an action or probe may use; nothing else reaches it. */
export interface ActivityContext {
  runId: string;
  signal: AbortSignal;
  clock: Clock;
  logger: Logger;
  aws: AwsClients;
  /** How many times faster than AWS the world runs (a simulated region's speed, else 1); AWS-time values such as DNS TTLs divide by it. */
  speed: number;
  /** Records an outbound call so it lands in the journal. */
  recordCall(call: CallRecord): void;
  /** Refuses a mutating AWS call that names a resource outside the run's plan (throws a SafetyError). */
  fence?: Fence | undefined;
  /** While planning: the run's seeded generator, for an action that chooses among candidates itself (replayable with --seed). */
  random?: (() => number) | undefined;
  /**
   * For a mutating action whose undo needs what only the run learns (a version read just before the change): records,
   * before its mutating call, the result its rollback will receive, in the run's crash-safe undo log. A worker lost
   * during the call then leaves the way back, and the rollback runs from this result, so it must be safe whether the
   * call happened or not. Absent outside a queued run.
   */
  checkpoint?: ((undo: ActionResult) => Promise<void>) | undefined;
}

/** Checked before every mutating AWS call. */
export interface Fence {
  check(service: string, operation: string, input: unknown): void;
  /** Admits a resource the run itself created (an FIS experiment), so the run may act on it (stop it). */
  admit(id: string): void;
}

export interface ActionContext extends ActivityContext {
  /** Resolved targets when the action declares a target type; empty otherwise. */
  targets: Resource[];
  /**
   * The fault's `duration` in AWS time (ms), when it has one: what an action that ends by itself (an SSM document's
   * `DurationSeconds`) sends. Absent for rollbacks and reconciliations.
   */
  duration?: number | undefined;
}

/** An action's result. `output` is what later steps can interpolate as `${<name>.output.…}`. */
export interface ActionResult {
  output: Record<string, unknown>;
  /**
   * When the fault really landed (monotonic ms of `ctx.clock`), for an action whose fault lands after its first
   * mutating call, such as an FIS experiment's first action after FIS initiates it; the first mutating call otherwise.
   */
  landed?: { value: number; lower: number; upper: number } | undefined;
}

/**
 * The IAM actions (`service:Action`, such as `ec2:StopInstances`) a definition's AWS calls need. `read` covers what
 * planning, inventory and probing call; `write` what injection and rollback call. Local definitions declare none.
 * `gameday policy` builds the least-privilege policy from these lists.
 */
export interface Permissions {
  read: readonly string[];
  write: readonly string[];
}

/**
 * A registered action: id, argument schema, `run`, and optionally its own `rollback` (the undo of what `run` changed).
 */
export interface ActionDefinition<Args = unknown> {
  id: string;
  summary: string;
  /** Whether the action changes anything. Non-mutating actions are allowed in `plan`. */
  mutating: boolean;
  /** What its AWS calls need from IAM (see `Permissions`). */
  permissions: Permissions;
  /** Where it works (sim, moto, LocalStack free and paid, AWS): its row of docs/capabilities.md. */
  capabilities: Capabilities;
  args: z.ZodType<Args>;
  /** Present when the action acts on resolved resources of this type. */
  targetType?: string;
  /**
   * For an action that names its Region in its own arguments because it takes the whole Region (a Region outage):
   * that Region. Its clients sign for it, and the plan refuses it unless `safety.allowedRegions` lists it explicitly.
   */
  region?(args: Args): string;
  /** Lists candidate resources of `targetType` for target resolution. */
  inventory?(spec: TargetSpec, ctx: ActivityContext): Promise<Resource[]>;
  /**
   * For an action that finds its own resources (no `targets`): lists, with read-only calls, exactly what `run` will
   * touch. The plan shows them, the guards check them, and `run` receives them as `ctx.targets`.
   */
  plan?(args: Args, ctx: ActivityContext): Promise<Resource[]>;
  /**
   * For an action whose targets reach further than themselves (an instance refresh replaces its group's instances):
   * lists, with read-only calls, the further resources `run` will touch through the selected targets, and says in
   * lines what it will do to them. The plan adds these resources to the fault's, so the guards count them and the
   * fence admits them, and shows the lines.
   */
  reach?(args: Args, targets: readonly Resource[], ctx: ActivityContext): Promise<{ resources: Resource[]; detail: string[] }>;
  run(args: Args, ctx: ActionContext): Promise<ActionResult>;
  rollback?(args: Args, result: ActionResult, ctx: ActionContext): Promise<ActionResult>;
  /**
   * What undoes the action on these resources, as the plan tells the operator ("none — terminated instances cannot
   * be restored"). Without it the plan says "automatic" when there is a `rollback`, and "none (not undoable)" otherwise.
   */
  undo?(args: Args, resources: readonly Resource[]): string;
  /**
   * The fault's intent, read before anything changes: with read-only calls on exactly `targets`, the state of each
   * that the action is about to change (an instance's state, a health check's Inverted and Disabled, a database's
   * primary zone) and anything the action chooses beforehand to find what it starts. A queued run records it in its
   * crash-safe undo log with the step, so a worker lost at any moment of the injection leaves what `reconcile` needs.
   * It must be JSON. Called only when the run keeps an undo log.
   */
  intent?(args: Args, targets: readonly Resource[], ctx: ActivityContext): Promise<PriorState>;
  /**
   * After the worker running the fault was lost before its result was recorded: reads the present state of exactly
   * `targets`, compares it with `prior` (from `intent`), and undoes whatever landed (starts what was running and is
   * stopped, restores a check's flags…). Safe to run whether the fault landed, partly landed or never reached AWS, and
   * safe to run again. What cannot be undone (a terminated instance) is reported in `lasting`, never guessed at.
   */
  reconcile?(args: Args, prior: PriorState, targets: readonly Resource[], ctx: ActionContext): Promise<Reconciliation>;
  /**
   * Why a mutating action with a `rollback` and AWS writes has no `intent` and `reconcile` (for example: it
   * checkpoints its undo with `ctx.checkpoint` before its mutating call, so its rollback is safe from there). The
   * registry refuses such an action without either.
   */
  reconcileExempt?: string;
  /**
   * For an action whose effect AWS ends by itself after a length it must be sent (an SSM document's `DurationSeconds`):
   * why the fault needs a `duration`. Validation refuses such a fault without one.
   */
  requiresDuration?: string;
  /**
   * For a degradation (latency, loss, a blackhole, stress): what it does to a request that crosses it, so the run
   * checks that it took effect. A fault can land by every API's account and still touch nothing users do (a source
   * that matches no dependency, a port nobody uses), and its run would then prove nothing.
   */
  effect?(args: Args): ExpectedEffect;
}

/** What a degradation does to the requests that cross it: how a probe on the degraded path sees that it landed. */
export interface ExpectedEffect {
  /** The effect in words, for the plan and the journal ("200 ms added towards orders-db.example"). */
  text: string;
  /**
   * A request sample at least this much slower than its probe's steady-state median (wall ms) sees the fault. Absent
   * when only a failed sample can (a memory stress fails requests rather than slowing them). A failed sample always
   * sees it.
   */
  slowerByMs?: number;
  /**
   * Whether the run checks the effect unless the fault says `verify: false`: true for network faults, which every
   * request through them feels; false for stress, which an app with headroom may absorb without being wrong to.
   */
  checkedByDefault: boolean;
}

/** What an action's `intent` read before its mutating call: JSON, as the action's `reconcile` will receive it. */
export type PriorState = Record<string, unknown>;

/** What `reconcile` found of a lost fault and what it did about it, as the lost run's journal says it. */
export interface Reconciliation {
  /** Whether the fault had landed, wholly or in part; `unknown` when no present state can tell (a reboot that ended). */
  landed: boolean | 'unknown';
  /** What the present state showed, one sentence per target ("i-0ab… was stopped by the lost run"). */
  found: string[];
  /** What was done to undo it ("started i-0ab…"); empty when nothing needed doing. */
  done: string[];
  /** What landed and no undo can reverse ("i-0ab… was terminated"); empty when none. */
  lasting: string[];
}

/** What a probe learnt from one sample, before tolerance evaluation. */
export interface ProbeObservation {
  /** The observed value: HTTP status, `true` for a TCP connect, a resource state… */
  value?: string | number | boolean;
  /** Latency of the observed operation in milliseconds, when there was one to time. */
  latencyMs?: number;
  /** Why the sample produced no value (connection refused, timeout…). */
  error?: string;
  /** The address that served the sample, for probes that resolve a name themselves (through a `resolver`). */
  endpoint?: string;
  /** Extra text a tolerance may match, such as a response body. Not stored in the journal. */
  text?: string;
  /** What a person reading the journal needs beyond the value (a refresh's progress, the drifted instances); stored. */
  detail?: string;
}

/**
 * Which measurements a probe can feed; objectives are refused when no declared probe measures them. `journeys`: each
 * sample is a user journey of several requests, timed as a whole.
 */
export type Measure = 'availability' | 'latency' | 'lost-writes' | 'journeys';

/** A live probe: keeps its connections between samples. */
export interface ProbeSession {
  sample(signal: AbortSignal): Promise<ProbeObservation>;
  /**
   * Called once after the run, when sampling has stopped and the system has been checked steady again: a probe that
   * must look back at what it did (a write ledger reading its rows back) reports here.
   */
  finish?(signal: AbortSignal): Promise<ProbeReport>;
  close(): Promise<void>;
}

/** What a probe concluded after the run, stored in the journal with its samples. */
export interface ProbeReport {
  /** One sentence for people. */
  summary: string;
  /** Acknowledged writes that did not survive, for the RPO objective. */
  lostWrites?: {
    count: number;
    /** Span of time covered by the lost writes (ms, bracketed by the write interval); `null` when none was lost. */
    window: { value: number; lower: number; upper: number } | null;
    acknowledged: number;
    duplicates: number;
  };
  /** Why the probe could not conclude (for example the read-back failed). */
  error?: string;
  data?: Record<string, unknown>;
}

/**
 * A registered probe: id, argument and tolerance schemas, and how one observation is judged against a tolerance.
 */
export interface ProbeDefinition<Args = unknown, Tolerance = unknown> {
  id: string;
  summary: string;
  measures: readonly Measure[];
  /** What its AWS calls need from IAM (see `Permissions`). */
  permissions: Permissions;
  /** Where it works (sim, moto, LocalStack free and paid, AWS): its row of docs/capabilities.md. */
  capabilities: Capabilities;
  args: z.ZodType<Args>;
  tolerance: z.ZodType<Tolerance>;
  /** Tolerance applied when the experiment gives none. */
  defaultTolerance: Tolerance;
  /**
   * The `${name}` references the probe fills in itself while sampling (a journey's captured values), which are no
   * reference of the experiment's.
   */
  ownRefs?(args: Args): readonly string[];
  /** For a probe whose every sample is a user journey: its steps' names, in order, as reports show the journey. */
  steps?(args: Args): string[];
  /** Opens a session; the tolerance is given so a probe fetches only what it will be judged on. */
  open(args: Args, ctx: ActivityContext, tolerance: Tolerance): ProbeSession;
  /** `null` when the observation is within tolerance, otherwise the reason it is not. */
  check(observation: ProbeObservation, tolerance: Tolerance): string | null;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry stores definitions of every argument type
export type AnyActionDefinition = ActionDefinition<any>;
// biome-ignore lint/suspicious/noExplicitAny: likewise, every argument and observation type
export type AnyProbeDefinition = ProbeDefinition<any, any>;
