import type { RedisClient } from './redis-connection.js';
import { durableWrite } from './durable-writes.js';
import type { MutationStep } from '../engine/runner.js';
import { RunStop } from '../engine/run/run-stop.js';
import type { ActionResult, PriorState, Resource } from '../registry/types.js';
import type { Keys } from './keys.js';

/**
 * Where a fault's undo stands: `injecting` (its action was called, its outcome is unknown), `landed` (the undo
 * needs running), `not-landed` (nothing to undo), `undone` or `undo-failed`.
 */
export type UndoState = 'injecting' | 'landed' | 'not-landed' | 'undone' | 'undo-failed';

/** One undo step: everything another process needs to call the action's rollback. */
export interface UndoStep {
  seq: number;
  fault: string;
  action: string;
  /** The arguments the action ran with (as loaded until it landed, then as it received them). */
  args: unknown;
  targets: Resource[];
  /** The Region the fault acted in, where its undo runs (absent in logs written before Regions were recorded: the environment's). */
  region?: string | undefined;
  undoable: boolean;
  state: UndoState;
  /** What the action returned, which its rollback receives (or, while `injecting`, what it checkpointed). */
  result?: ActionResult;
  /** Set when the action checkpointed its undo before its mutating call: a lost `injecting` step can then be undone. */
  checkpointed?: boolean;
  /**
   * The fault's intent: what its action's `intent` read of the targets before the change, written with the step. A
   * lost `injecting` step is reconciled from it (its action's `reconcile`), so its outcome becomes known.
   */
  prior?: PriorState;
  /** Epoch ms of the last change. */
  at: number;
}

/**
 * Writes one field of a run's log only while its alive key names the writer: KEYS[1] the log, KEYS[2] the alive key;
 * ARGV[1] the writer, ARGV[2] the field, ARGV[3] its value, ARGV[4] the retention.
 */
const OWNED_WRITE = `if redis.call('get', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('hset', KEYS[1], ARGV[2], ARGV[3])
redis.call('pexpire', KEYS[1], ARGV[4])
return 1`;

/**
 * A write refused because the writer no longer holds the run's alive key: another process took the run over (after this
 * one stalled past its lease) and undoes it. A `RunStop`, so a hook that throws it stops the run as aborted.
 */
export class OwnershipLostError extends RunStop {
  constructor(
    readonly runId: string,
    readonly writer: string,
    what: string,
  ) {
    super('aborted', `${what}: ${writer} no longer owns run ${runId} (another process took it over and undoes it)`);
  }
}

/**
 * The crash-safe undo log of each run: a Redis hash written before every mutating action runs and updated when it
 * landed and when it was undone, so another worker can finish the undo when this one dies.
 */
export class UndoLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** How long a run's log is kept after its last change. @defaultValue 7 days */
    private readonly retentionMs = 7 * 24 * 3_600_000,
  ) {}

  /**
   * Records a fault's undo before it is injected. With `owner`, only while the run's alive key names `owner` (one
   * script): a worker that lost the run gets an {@link OwnershipLostError} and must not inject.
   */
  async beforeMutation(runId: string, step: MutationStep, owner?: string): Promise<void> {
    const key = this.keys.undo(runId);
    const seq = await this.redis.hlen(key);
    // Attributes can be large and no rollback needs them; ids, ARNs and tags name the resource.
    const targets = step.targets.map((t) => ({
      type: t.type,
      id: t.id,
      ...(t.arn === undefined ? {} : { arn: t.arn }),
      ...(t.region === undefined ? {} : { region: t.region }),
      tags: t.tags,
      attributes: {},
    }));
    await this.#write(
      runId,
      {
        seq,
        fault: step.fault,
        action: step.action,
        args: step.args,
        targets,
        region: step.region,
        undoable: step.undoable,
        ...(step.prior === undefined ? {} : { prior: step.prior }),
        state: 'injecting',
        at: Date.now(),
      },
      owner,
    );
  }

  /** What the action's rollback will need, recorded before its mutating call; the step stays `injecting`. */
  async checkpoint(runId: string, fault: string, undo: ActionResult): Promise<void> {
    await this.#change(runId, fault, (s) => ({ ...s, result: undo, checkpointed: true }));
  }

  /** With `owner`, written only while the run's alive key names `owner` (see {@link UndoLog.beforeMutation}). */
  async afterMutation(runId: string, fault: string, landed: { args: unknown; result: ActionResult } | null, owner?: string): Promise<void> {
    await this.#change(
      runId,
      fault,
      (s) => (landed === null ? { ...s, state: 'not-landed' } : { ...s, state: 'landed', args: landed.args, result: landed.result }),
      owner,
    );
  }

  /** With `owner`, written only while the run's alive key names `owner` (see {@link UndoLog.beforeMutation}). */
  async afterRollback(runId: string, fault: string, succeeded: boolean, owner?: string): Promise<void> {
    await this.#change(runId, fault, (s) => ({ ...s, state: succeeded ? 'undone' : 'undo-failed' }), owner);
  }

  /**
   * After a lost `injecting` step was reconciled from its intent: `not-landed` when nothing of it had landed, else
   * `undone` or `undo-failed`.
   */
  async afterReconcile(runId: string, fault: string, landed: boolean, succeeded: boolean): Promise<void> {
    await this.#change(runId, fault, (s) => ({ ...s, state: !landed && succeeded ? 'not-landed' : succeeded ? 'undone' : 'undo-failed' }));
  }

  /** Every step of a run, in the order the faults were injected. */
  async steps(runId: string): Promise<UndoStep[]> {
    const raw = await this.redis.hvals(this.keys.undo(runId));
    return raw.map((text) => JSON.parse(text) as UndoStep).sort((a, b) => a.seq - b.seq);
  }

  async #change(runId: string, fault: string, edit: (step: UndoStep) => UndoStep, owner?: string): Promise<void> {
    const text = await this.redis.hget(this.keys.undo(runId), fault);
    if (text === null) return;
    await this.#write(runId, { ...edit(JSON.parse(text) as UndoStep), at: Date.now() }, owner);
  }

  async #write(runId: string, step: UndoStep, owner?: string): Promise<void> {
    const key = this.keys.undo(runId);
    // Through Sentinels, confirmed by the primary's replicas (see `durableWrite`): a lost intent is a fault nobody
    // knows to undo. Writing a step again writes the same text.
    if (owner === undefined) {
      await durableWrite(this.redis, (redis) => redis.multi().hset(key, step.fault, JSON.stringify(step)).pexpire(key, this.retentionMs).exec());
      return;
    }
    const written = await durableWrite(this.redis, (redis) =>
      redis.eval(OWNED_WRITE, 2, key, this.keys.alive(runId), owner, step.fault, JSON.stringify(step), this.retentionMs),
    );
    if (written !== 1) throw new OwnershipLostError(runId, owner, `the undo of fault '${step.fault}' was not recorded`);
  }
}

/**
 * Where one of the experiment's own `rollbacks:` stands in a run's durable log: `pending` (recorded when the method
 * started, not yet run), `running` (claimed by the process undoing the run), `done` or `failed`.
 *
 * A rollback that was `running` when its worker died is run again by whoever finishes the run's undo: whether its
 * change happened is unknown, and the declared rollbacks are meant to be idempotent restores (start what should run,
 * put back a setting), so running one twice is safe where skipping it is not. A `done` rollback never runs again, and
 * a `failed` one runs again only when the undo is finished later (a takeover or `gameday undo`).
 */
export type RollbackState = 'pending' | 'running' | 'done' | 'failed';

/** One of the experiment's own rollbacks, as the run's durable log keeps it. */
export interface RollbackEntry {
  /** Its place in the experiment's `rollbacks:`, which is the order they run in. */
  index: number;
  name: string;
  action: string;
  state: RollbackState;
  /** Who claimed it last (a worker id, or `gameday undo`). */
  by?: string;
  /** What it returned when it ran, so a later rollback's `${steps.…}` references still resolve. */
  output?: Record<string, unknown>;
  /** Epoch ms of the last change. */
  at: number;
}

/** What claiming a rollback found: it is now the claimant's, it already ran, or the claimant does not undo the run. */
export type RollbackClaim = 'claimed' | 'done' | 'not-owner';

/**
 * Claims one rollback for the process that holds the run's `alive` lease: one script, so two processes never both run
 * it. KEYS[1] the run's rollback hash, KEYS[2] its alive key; ARGV[1] the field, ARGV[2] the claimant, ARGV[3] now.
 */
const CLAIM_ROLLBACK = `
if redis.call('get', KEYS[2]) ~= ARGV[2] then return 'not-owner' end
local text = redis.call('hget', KEYS[1], ARGV[1])
if not text then return 'not-owner' end
local entry = cjson.decode(text)
if entry.state == 'done' then return 'done' end
entry.state = 'running'
entry.by = ARGV[2]
entry.at = tonumber(ARGV[3])
redis.call('hset', KEYS[1], ARGV[1], cjson.encode(entry))
return 'claimed'`;

/** The field of a rollback in its run's hash: its index, zero-padded so fields sort in order. */
function rollbackField(index: number): string {
  return String(index).padStart(4, '0');
}

/**
 * The experiment's own rollbacks of each run, beside its undo log: recorded when the method starts, each claimed
 * before it runs and marked when it ends, so a run's undo can be finished by another process without running a
 * completed rollback again.
 */
export class RollbackLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** How long a run's rollback log is kept after its last change. @defaultValue 7 days */
    private readonly retentionMs = 7 * 24 * 3_600_000,
  ) {}

  /** Records every rollback as `pending`; one already recorded (a run taken over) keeps its state. */
  async record(runId: string, rollbacks: readonly { index: number; name: string; action: string }[]): Promise<void> {
    if (rollbacks.length === 0) return;
    const key = this.keys.rollbacks(runId);
    const entries = rollbacks.map((r): RollbackEntry => ({ index: r.index, name: r.name, action: r.action, state: 'pending', at: Date.now() }));
    // Through Sentinels, confirmed by the primary's replicas (see `durableWrite`); recording again keeps what is there.
    await durableWrite(this.redis, (redis) => {
      const tx = redis.multi();
      for (const entry of entries) tx.hsetnx(key, rollbackField(entry.index), JSON.stringify(entry));
      return tx.pexpire(key, this.retentionMs).exec();
    });
  }

  /** Claims a rollback for `claimant`, which must hold the run's alive lease (see {@link RollbackClaim}). */
  async claim(runId: string, index: number, claimant: string): Promise<RollbackClaim> {
    const answer = await this.redis.eval(CLAIM_ROLLBACK, 2, this.keys.rollbacks(runId), this.keys.alive(runId), rollbackField(index), claimant, Date.now());
    return answer as RollbackClaim;
  }

  /** Marks a claimed rollback `done` (with its output) or `failed`. */
  async finished(runId: string, index: number, outcome: { succeeded: boolean; output?: Record<string, unknown> }): Promise<void> {
    const key = this.keys.rollbacks(runId);
    const text = await this.redis.hget(key, rollbackField(index));
    if (text === null) return;
    const { output: _, ...entry } = JSON.parse(text) as RollbackEntry;
    const next: RollbackEntry = { ...entry, state: outcome.succeeded ? 'done' : 'failed', at: Date.now() };
    // Durable as `record` is: a `done` lost in a failover would run the rollback again.
    await durableWrite(this.redis, (redis) => {
      const tx = redis.multi().hset(key, rollbackField(index), JSON.stringify(next));
      // Beside the entry, which the claim script rewrites: Lua's JSON cannot tell an empty array from an empty object.
      if (outcome.output !== undefined) tx.hset(key, `${rollbackField(index)}:output`, JSON.stringify(outcome.output));
      return tx.pexpire(key, this.retentionMs).exec();
    });
  }

  /** Every rollback of a run, in the experiment's order. */
  async entries(runId: string): Promise<RollbackEntry[]> {
    const raw = await this.redis.hgetall(this.keys.rollbacks(runId));
    return Object.entries(raw)
      .filter(([field]) => !field.endsWith(':output'))
      .map(([field, text]) => {
        const entry = JSON.parse(text) as RollbackEntry;
        const output = raw[`${field}:output`];
        return output === undefined ? entry : { ...entry, output: JSON.parse(output) as Record<string, unknown> };
      })
      .sort((a, b) => a.index - b.index);
  }
}

/**
 * What a run still has to undo: faults that landed (or whose outcome is unknown) and were not undone, and rollbacks
 * not done. Empty when its undo is complete.
 */
export function outstandingUndo(steps: readonly UndoStep[], rollbacks: readonly RollbackEntry[]): { faults: UndoStep[]; rollbacks: RollbackEntry[] } {
  return {
    faults: steps.filter((s) => s.undoable && (s.state === 'landed' || s.state === 'injecting' || s.state === 'undo-failed')),
    rollbacks: rollbacks.filter((r) => r.state !== 'done'),
  };
}
