import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { AuditEntry } from '../../aws/audit.js';
import type { AwsClients } from '../../aws/clients.js';
import type { Registry } from '../../registry/registry.js';
import type { ActionResult, Resource } from '../../registry/types.js';
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
  /** Limit for each rollback, which runs even after an abort. @defaultValue 300000 */
  rollbackTimeoutMs?: number;
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
  /** Called before a mutating fault runs; when it throws, the fault does not run and the run ends as `errored`. */
  beforeMutation?(step: MutationStep): Promise<void>;
  /**
   * Called by a mutating fault before its mutating call, with the result its undo will need
   * (ActivityContext.checkpoint); when it throws, the action fails before changing anything.
   */
  checkpoint?(step: MutationStep, undo: ActionResult): Promise<void>;
  /** Called after a mutating fault ran: with what its undo needs when it landed, with `null` when it did not. */
  afterMutation?(step: MutationStep, landed: { args: unknown; result: ActionResult } | null): Promise<void>;
  /** Called after the automatic undo of a landed fault ran (successfully or not). */
  afterRollback?(step: MutationStep, record: ActivityRecord): Promise<void>;
}

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
}
