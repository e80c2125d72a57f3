import type { Redis } from 'ioredis';
import type { MutationStep } from '../engine/runner.js';
import type { ActionResult, Resource } from '../registry/types.js';
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
  /** Epoch ms of the last change. */
  at: number;
}

/**
 * The crash-safe undo log of each run: a Redis hash written before every mutating action runs and updated when it
 * landed and when it was undone, so another worker can finish the undo when this one dies.
 */
export class UndoLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    /** How long a run's log is kept after its last change. @defaultValue 7 days */
    private readonly retentionMs = 7 * 24 * 3_600_000,
  ) {}

  async beforeMutation(runId: string, step: MutationStep): Promise<void> {
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
    await this.#write(runId, {
      seq,
      fault: step.fault,
      action: step.action,
      args: step.args,
      targets,
      region: step.region,
      undoable: step.undoable,
      state: 'injecting',
      at: Date.now(),
    });
  }

  /** What the action's rollback will need, recorded before its mutating call; the step stays `injecting`. */
  async checkpoint(runId: string, fault: string, undo: ActionResult): Promise<void> {
    await this.#change(runId, fault, (s) => ({ ...s, result: undo, checkpointed: true }));
  }

  async afterMutation(runId: string, fault: string, landed: { args: unknown; result: ActionResult } | null): Promise<void> {
    await this.#change(runId, fault, (s) =>
      landed === null ? { ...s, state: 'not-landed' } : { ...s, state: 'landed', args: landed.args, result: landed.result },
    );
  }

  async afterRollback(runId: string, fault: string, succeeded: boolean): Promise<void> {
    await this.#change(runId, fault, (s) => ({ ...s, state: succeeded ? 'undone' : 'undo-failed' }));
  }

  /** Every step of a run, in the order the faults were injected. */
  async steps(runId: string): Promise<UndoStep[]> {
    const raw = await this.redis.hvals(this.keys.undo(runId));
    return raw.map((text) => JSON.parse(text) as UndoStep).sort((a, b) => a.seq - b.seq);
  }

  async #change(runId: string, fault: string, edit: (step: UndoStep) => UndoStep): Promise<void> {
    const text = await this.redis.hget(this.keys.undo(runId), fault);
    if (text === null) return;
    await this.#write(runId, { ...edit(JSON.parse(text) as UndoStep), at: Date.now() });
  }

  async #write(runId: string, step: UndoStep): Promise<void> {
    const key = this.keys.undo(runId);
    await this.redis.multi().hset(key, step.fault, JSON.stringify(step)).pexpire(key, this.retentionMs).exec();
  }
}
