import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { AuditEntry } from '../../aws/audit.js';
import type { AwsClients } from '../../aws/clients.js';
import type { Registry } from '../../registry/registry.js';
import type { ActionResult, PriorState, Resource } from '../../registry/types.js';
import type { OperatorPolicy, Plan } from '../../safety/plan.js';
import type { RunListener } from '../events.js';
import type { ActivityRecord } from '../journal.js';
import type { AlarmStateReader } from '../../probes/aws/cloudwatch-alarms.js';

/** What a caller gives one run: its registry and clients, and the hooks that let it claim, record and watch. */
export interface RunOptions {
  registry: Registry;
  clock?: Clock;
  logger?: Logger;
  /** Aborting it stops the run; rollbacks still run. */
  signal?: AbortSignal;
  runId?: string;
  /** AWS clients for the experiment's environment; the caller builds them (and their credentials) and destroys them. */
  aws: AwsClients;
  /** Where alarm stop conditions are read. @defaultValue CloudWatch through `aws` */
  alarms?: AlarmStateReader;
  listener?: RunListener;
  /** Seed of target selection; random (and recorded) when absent. */
  seed?: number;
  /**
   * Deadline of each rollback step (an automatic undo or one of the experiment's rollbacks), its retries included;
   * it runs even after an abort. @defaultValue 300000
   */
  rollbackTimeoutMs?: number;
  /**
   * Backoff between attempts of a failing rollback step (see `RollbackRetryOptions`). Only a failure that may pass is
   * retried: a call that never reached AWS, throttling, a service failure (5xx), or one its action marks retryable.
   * @defaultValue first wait 1 s, doubling up to 30 s, half of it jittered
   */
  rollbackRetry?: RollbackRetryOptions;
  /** A plan already resolved (and shown to the operator): the run touches exactly it instead of resolving again. */
  plan?: Plan;
  /** The operator's own limits (the machine's configuration), which the experiment cannot widen. */
  operator?: OperatorPolicy;
  /** Every AWS call of the run, as it happens (for an append-only audit log). */
  onAwsCall?: (entry: AuditEntry) => void;
  /**
   * Called once every fault's targets are resolved, before the steady state is checked and before anything is
   * injected (to claim the resources, for example). Throwing a `RunStop` ends the run with its verdict; any other
   * error ends it as `errored`.
   */
  beforeInject?(targets: readonly ResolvedTargets[], signal: AbortSignal): Promise<void>;
  /**
   * Called before a mutating fault runs; when it throws, the fault does not run and the run ends as `errored` (with a
   * `RunStop`, with its verdict).
   */
  beforeMutation?(step: MutationStep): Promise<void>;
  /**
   * Whether this process may still change the world for the run: consulted before each mutating fault, before each
   * mutating AWS call, and before the rollbacks. Once it answers `false` (the caller lost the run to another process,
   * which undoes it), nothing more is injected or undone here: mutating calls are refused, the rollback phase and the
   * steady state after are skipped, and the caller records no verdict. @defaultValue always `true`
   */
  mayMutate?(purpose: MutationPurpose): boolean;
  /**
   * Asked before the rollback phase when `mayMutate` answers `false`, which it may do only because this process could
   * not tell yet (it stalled, and has not renewed its claim since): resolves whether it may after all.
   * @defaultValue `mayMutate`'s answer
   */
  confirmMayMutate?(purpose: MutationPurpose): Promise<boolean>;
  /**
   * Called by a mutating fault before its mutating call, with the result its undo will need
   * (ActivityContext.checkpoint); when it throws, the action fails before changing anything.
   */
  checkpoint?(step: MutationStep, undo: ActionResult): Promise<void>;
  /** Called after a mutating fault ran: with what its undo needs when it landed, with `null` when it did not. */
  afterMutation?(step: MutationStep, landed: { args: unknown; result: ActionResult } | null): Promise<void>;
  /** Called after the automatic undo of a landed fault ran (successfully or not). */
  afterRollback?(step: MutationStep, record: ActivityRecord): Promise<void>;
  /**
   * Called when the method starts, before anything is injected, with the experiment's own rollbacks (to record them
   * where another process can finish them). When it throws, nothing is injected and the run ends as `errored`.
   */
  recordRollbacks?(rollbacks: readonly RollbackStep[]): Promise<void>;
  /**
   * Called before one of the experiment's own rollbacks runs (to claim it). Resolving `false` skips it: another
   * process ran it or runs it. When it throws, the rollback runs anyway.
   */
  beforeRollbackStep?(step: RollbackStep): Promise<boolean>;
  /** Called after one of the experiment's own rollbacks ran (successfully or not), with its output when it succeeded. */
  afterRollbackStep?(step: RollbackStep, record: ActivityRecord, output: Record<string, unknown> | undefined): Promise<void>;
  /**
   * A test facility: told each moment of a mutating fault's injection (see `InjectionPoint`), synchronously, so a
   * worker can kill its own process exactly there (`GAMEDAY_CRASH_AT`). Absent in every ordinary run.
   */
  atInjectionPoint?(point: InjectionPoint, step: MutationStep): void;
}

/**
 * Why the run would change the world: `inject` a fault, or `undo` one (the rollbacks, and the steady state after them).
 * A caller that cannot tell whether it still owns the run (its store does not answer) may let it undo what it injected
 * but inject nothing more.
 */
export type MutationPurpose = 'inject' | 'undo';

/** One of the experiment's own `rollbacks:`: what the hooks get to record, claim and mark it. */
export interface RollbackStep {
  /** Its place in the experiment's `rollbacks:`, the order they run in. */
  index: number;
  name: string;
  action: string;
}

/**
 * The moments of one mutating fault's injection a worker can die at: `before-call` (its intent recorded, its first
 * mutating AWS call not sent), `during-call` (that call answered by AWS, the answer not yet handed to the action),
 * `after-call` (the action has the answer and goes on: its waits, its further calls) and `before-record` (the action
 * returned; its result is not yet in the undo log).
 */
export type InjectionPoint = 'before-call' | 'during-call' | 'after-call' | 'before-record';

/** Every `InjectionPoint`, in the order a fault passes them. */
export const INJECTION_POINTS: readonly InjectionPoint[] = ['before-call', 'during-call', 'after-call', 'before-record'];

/** The resources one fault is aimed at. */
export interface ResolvedTargets {
  fault: string;
  resources: Resource[];
}

/** A mutating fault about to change the world: what the hooks get to record its undo. */
export interface MutationStep {
  /** The fault's name, unique in its experiment. */
  fault: string;
  action: string;
  /** Arguments as parsed at load time (run-time references not yet filled in). */
  args: unknown;
  targets: Resource[];
  /** The Region it acts in (its undo must run there too). */
  region: string;
  /** Whether the action has an automatic rollback. */
  undoable: boolean;
  /** The fault's intent: what its action's `intent` read of the targets before the change (absent without one). */
  prior?: PriorState | undefined;
}

/**
 * How a failing rollback is tried again: exponential backoff with jitter, in wall-clock ms on the run's clock, until
 * the step's deadline (`RunOptions.rollbackTimeoutMs`).
 */
export interface RollbackRetryOptions {
  /** The wait after the first failure; it doubles after each further one. @defaultValue 1000 */
  initialDelayMs?: number;
  /** The longest wait between two attempts. @defaultValue 30000 */
  maxDelayMs?: number;
  /**
   * The share of each wait drawn at random and taken off it (0 to 1), so that rollbacks failing together do not all
   * try again at the same instant; 0 waits exactly the doubled delay. @defaultValue 0.5
   */
  jitter?: number;
}
