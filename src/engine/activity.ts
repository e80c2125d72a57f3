import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import type { AwsClients } from '../aws/clients.js';
import { ErrorCode, GamedayError } from '../errors/gameday-error.js';
import { findRunRefs, interpolateRun, type RunScope } from '../experiment/interpolate.js';
import type { ActionResult, AnyActionDefinition, CallRecord, Fence, Resource } from '../registry/types.js';
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
  /** The Region it acts in, when not the environment's: its AWS clients sign for it. */
  region?: string | undefined;
  signal: AbortSignal;
  /** For automatic rollbacks: the result of the run being undone. */
  undo?: { args: unknown; result: ActionResult };
  /** Records what the action's rollback will need before its mutating call (ActivityContext.checkpoint). */
  checkpoint?: ((undo: ActionResult) => Promise<void>) | undefined;
}

export interface ActivityOutcome {
  record: ActivityRecord;
  result: ActionResult | null;
  /** Arguments after interpolation and parsing (what the action really received). */
  args: unknown;
  error: unknown;
}

const round = (n: number): number => Math.round(n * 1_000) / 1_000;

/**
 * Runs one action or rollback and records start, end, status, output, error and every outbound call. Never throws:
 * failures are part of the record.
 */
export async function runActivity(req: ActivityRequest, env: ActivityEnv): Promise<ActivityOutcome> {
  const calls: CallRecord[] = [];
  const startedAt = env.clock.now();
  const rel = (t: number): number => round(t - env.origin);
  const ctx = {
    runId: env.runId,
    signal: req.signal,
    clock: env.clock,
    logger: env.logger,
    aws: req.region === undefined ? env.aws : env.aws.inRegion(req.region),
    speed: env.speed,
    fence: env.fence,
    checkpoint: req.checkpoint,
    targets: req.targets,
    recordCall: (c: CallRecord) => calls.push({ ...c, startedAt: rel(c.startedAt), endedAt: rel(c.endedAt) }),
  };
  let args: unknown = req.undo?.args;
  try {
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
