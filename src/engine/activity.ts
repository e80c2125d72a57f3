import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import type { AwsClients } from '../aws/clients.js';
import { ErrorCode, GamedayError } from '../errors/gameday-error.js';
import { SafetyError } from '../errors/safety-error.js';
import { findRunRefs, interpolateRun, type RunScope } from '../experiment/interpolate.js';
import type { ActionResult, AnyActionDefinition, CallRecord, Fence, PriorState, Resource } from '../registry/types.js';
import type { ActivityRecord } from './journal.js';

export interface ActivityEnv {
  runId: string;
  clock: Clock;
  logger: Logger;
  aws: AwsClients;
  /** How many times faster than AWS the world runs. */
  speed: number;
  /** The run's scope, once its plan is known: mutating calls outside it are refused. */
  fence?: Fence | undefined;
  /** Whether the run may still change the world (`RunOptions.mayMutate`) to inject a fault or to undo one: a mutating call is refused once it is `false`. */
  mayMutate?: ((purpose: 'inject' | 'undo') => boolean) | undefined;
  /** Monotonic time of the run's start; journal times are relative to it. */
  origin: number;
}

export interface ActivityRequest {
  kind: ActivityRecord['kind'];
  name: string;
  definition: AnyActionDefinition;
  /** Arguments as parsed at load time. */
  args: unknown;
  /** Arguments as written; when they hold run-time references, these are interpolated and parsed again. */
  rawArgs: unknown;
  scope: RunScope;
  targets: Resource[];
  /** A fault's `duration` in AWS time (ms), when it has one (ActionContext.duration). */
  duration?: number | undefined;
  /** The Region it acts in, when not the environment's: its AWS clients sign for it. */
  region?: string | undefined;
  signal: AbortSignal;
  /** For automatic rollbacks: the result of the run being undone. */
  undo?: { args: unknown; result: ActionResult };
  /** For a lost fault's reconciliation: its intent, which the action's `reconcile` compares with the present state. */
  reconcile?: { args: unknown; prior: PriorState };
  /** Records what the action's rollback will need before its mutating call (ActivityContext.checkpoint). */
  checkpoint?: ((undo: ActionResult) => Promise<void>) | undefined;
  /** Calls made for this activity before it ran (its intent's reads), journaled first with its own. */
  earlierCalls?: CallRecord[] | undefined;
  /**
   * Told, synchronously, when the action's first mutating AWS call is about to be sent (`before`), was answered but
   * the answer not yet handed to the action (`answered`), and once the action has it (`continued`).
   */
  atFirstMutatingCall?: ((moment: 'before' | 'answered' | 'continued') => void) | undefined;
}

export interface ActivityOutcome {
  record: ActivityRecord;
  result: ActionResult | null;
  /** Arguments after interpolation and parsing (what the action really received). */
  args: unknown;
  error: unknown;
}

/**
 * The run's fence, consulted at the moment of each mutating call: a call made after the run was lost to another process
 * is refused even when the action was already under way (a stall can fall between its start and its call).
 */
function fenceOf(env: ActivityEnv, purpose: 'inject' | 'undo'): Fence | undefined {
  const { mayMutate, fence } = env;
  if (mayMutate === undefined) return fence;
  return {
    check: (service, operation, input) => {
      if (!mayMutate(purpose))
        throw new SafetyError('ownership', `${service}:${operation} was not sent: this process no longer owns run ${env.runId}; another process undoes it`);
      fence?.check(service, operation, input);
    },
    admit: (id) => fence?.admit(id),
  };
}

const round = (n: number): number => Math.round(n * 1_000) / 1_000;

/**
 * Runs one action or rollback and records start, end, status, output, error and every outbound call. Never throws:
 * failures are part of the record.
 */
export async function runActivity(req: ActivityRequest, env: ActivityEnv): Promise<ActivityOutcome> {
  const calls: CallRecord[] = [...(req.earlierCalls ?? [])];
  const startedAt = env.clock.now();
  const rel = (t: number): number => round(t - env.origin);
  const ctx = {
    runId: env.runId,
    signal: req.signal,
    clock: env.clock,
    logger: env.logger,
    aws: req.region === undefined ? env.aws : env.aws.inRegion(req.region),
    speed: env.speed,
    fence: fenceOf(env, req.kind === 'fault' ? 'inject' : 'undo'),
    checkpoint: req.checkpoint,
    targets: req.targets,
    duration: req.duration,
    recordCall: (c: CallRecord): void => void calls.push({ ...c, startedAt: rel(c.startedAt), endedAt: rel(c.endedAt) }),
  };
  const at = req.atFirstMutatingCall;
  if (at !== undefined) {
    // Every mutating call passes the fence before it is sent and is recorded once answered, before the action sees it.
    let first = true;
    const fence = env.fence;
    ctx.fence = {
      check: (service, operation, input) => {
        fence?.check(service, operation, input);
        if (first) at('before');
      },
      admit: (id) => fence?.admit(id),
    };
    const record = ctx.recordCall;
    ctx.recordCall = (c) => {
      record(c);
      if (!c.mutating || !first) return;
      first = false;
      at('answered');
      setImmediate(() => at('continued'));
    };
  }
  let args: unknown = req.undo?.args ?? req.reconcile?.args;
  try {
    if (req.reconcile !== undefined) {
      // Checked by the caller; a definition without it is an invariant broken, not an operator's mistake.
      const reconcile = req.definition.reconcile;
      if (reconcile === undefined) throw new GamedayError(ErrorCode.Internal, `Action '${req.definition.id}' has no reconcile.`);
      const found = await reconcile(req.reconcile.args, req.reconcile.prior, req.targets, ctx);
      return {
        record: {
          kind: req.kind,
          name: req.name,
          action: req.definition.id,
          args: redact(args),
          status: 'succeeded',
          startedAt: rel(startedAt),
          endedAt: rel(env.clock.now()),
          output: { reconciled: true, ...found },
          calls,
        },
        result: { output: { ...found } },
        args,
        error: null,
      };
    }
    if (req.undo === undefined && findRunRefs(req.rawArgs).refs.length === 0) args = req.args;
    else if (req.undo === undefined) {
      const resolved = interpolateRun(req.rawArgs, req.scope);
      const parsed = req.definition.args.safeParse(resolved);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const where = first === undefined ? '' : ` at args.${first.path.join('.')}`;
        throw new GamedayError(ErrorCode.InvalidArgument, `After interpolation, ${req.name}${where} is invalid: ${first?.message ?? 'unknown problem'}.`);
      }
      args = parsed.data;
    }
    let result: ActionResult;
    if (req.undo !== undefined) {
      const rollback = req.definition.rollback;
      if (rollback === undefined) throw new GamedayError(ErrorCode.Internal, `Action '${req.definition.id}' has no automatic rollback.`);
      result = await rollback(req.undo.args, req.undo.result, ctx);
    } else result = await req.definition.run(args, ctx);
    const record: ActivityRecord = {
      kind: req.kind,
      name: req.name,
      action: req.definition.id,
      args: redact(args),
      status: 'succeeded',
      startedAt: rel(startedAt),
      endedAt: rel(env.clock.now()),
      output: redact(result.output) as Record<string, unknown>,
      calls,
    };
    return { record, result, args, error: null };
  } catch (error) {
    const code = error instanceof GamedayError ? error.code : ErrorCode.ActionFailed;
    const message = error instanceof Error ? error.message : String(error);
    const record: ActivityRecord = {
      kind: req.kind,
      name: req.name,
      action: req.definition.id,
      args: redact(args ?? req.args),
      status: 'failed',
      startedAt: rel(startedAt),
      endedAt: rel(env.clock.now()),
      error: { code, message },
      calls,
    };
    return { record, result: null, args, error };
  }
}

/**
 * Reads a fault's intent (its action's `intent`) before anything changes, with its arguments as the action will
 * receive them. Never throws: a failed read is returned as `error`, with the calls made.
 */
export async function readIntent(
  req: Pick<ActivityRequest, 'definition' | 'args' | 'rawArgs' | 'scope' | 'targets' | 'region' | 'signal' | 'name'>,
  env: ActivityEnv,
): Promise<{ prior: PriorState | undefined; calls: CallRecord[]; error: unknown }> {
  const calls: CallRecord[] = [];
  const intent = req.definition.intent;
  if (intent === undefined) return { prior: undefined, calls, error: null };
  const ctx = {
    runId: env.runId,
    signal: req.signal,
    clock: env.clock,
    logger: env.logger,
    aws: req.region === undefined ? env.aws : env.aws.inRegion(req.region),
    speed: env.speed,
    fence: env.fence,
    recordCall: (c: CallRecord) => calls.push({ ...c, startedAt: round(c.startedAt - env.origin), endedAt: round(c.endedAt - env.origin) }),
  };
  try {
    let args = req.args;
    if (findRunRefs(req.rawArgs).refs.length > 0) {
      const parsed = req.definition.args.safeParse(interpolateRun(req.rawArgs, req.scope));
      // An argument that does not parse is the action's own failure to report, when it runs.
      if (parsed.success) args = parsed.data;
    }
    return { prior: await intent(args, req.targets, ctx), calls, error: null };
  } catch (error) {
    return { prior: undefined, calls, error };
  }
}
