import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';

/** Names of everything gameday keeps in Redis under one prefix (one deployment per prefix). */
export class Keys {
  /** Name of the BullMQ queue of experiment runs. */
  readonly queue = 'runs';

  /** Name of the BullMQ queue whose job schedulers fire game days. */
  readonly gamedays = 'gamedays';

  constructor(readonly prefix: string) {
    // Braces let Redis Cluster keep every key of a deployment in one hash slot ({gameday}).
    if (!/^[\w.{}-]+$/.test(prefix))
      throw new GamedayError(ErrorCode.InvalidArgument, `The key prefix '${prefix}' may only hold letters, digits, '.', '_', '-', '{' and '}'.`, {
        exitCode: ExitCode.InvalidInput,
      });
  }

  /**
   * The hash tag of the prefix (what Redis Cluster hashes in every key that starts with it: the text between its first
   * `{` and the next `}`), or `undefined` when it has none.
   */
  get hashTag(): string | undefined {
    const open = this.prefix.indexOf('{');
    const close = open < 0 ? -1 : this.prefix.indexOf('}', open + 1);
    return close > open + 1 ? this.prefix.slice(open + 1, close) : undefined;
  }

  /** Hash: state, phase, verdict and live metrics of one run. */
  run(runId: string): string {
    return `${this.prefix}:run:${runId}`;
  }

  /** Sorted set of run ids by submission time. */
  get runs(): string {
    return `${this.prefix}:runs`;
  }

  journal(runId: string): string {
    return `${this.prefix}:journal:${runId}`;
  }

  /** Hash: the undo steps of one run, by fault name. */
  undo(runId: string): string {
    return `${this.prefix}:undo:${runId}`;
  }

  /** Hash: the experiment's own rollbacks of one run and where each stands (`RollbackLog`). */
  rollbacks(runId: string): string {
    return `${this.prefix}:rollbacks:${runId}`;
  }

  /**
   * Un-expiring marker on one resource while a run that locked it has undo outstanding (lost, being recovered, or its
   * undo failed): its value is that run's id. Written with the lock, removed only once the run's undo is complete.
   */
  undoing(scope: string, resourceId: string): string {
    return `${this.prefix}:undoing:${scope}:${resourceId}`;
  }

  /**
   * Written after a job is added through Sentinels, on the connection that then waits for the replicas: a write after
   * the job's, so a replica that acknowledged it has the job (see `RunQueue.submit`).
   */
  get fence(): string {
    return `${this.prefix}:fence`;
  }

  /** Present while the worker running the run is alive. */
  alive(runId: string): string {
    return `${this.prefix}:alive:${runId}`;
  }

  /** Lease on one resource of one AWS target (`scope`: its endpoint or region). */
  lock(scope: string, resourceId: string): string {
    return `${this.prefix}:lock:${scope}:${resourceId}`;
  }

  /** The kill switch: present while gameday is halted. */
  get halt(): string {
    return `${this.prefix}:halt`;
  }

  /** Hash: the declared freeze windows, by name. */
  get freeze(): string {
    return `${this.prefix}:freeze`;
  }

  /** Stream: the audit trail of operators' actions (who halted, resumed, aborted, ran, paused what, and how it went). */
  get audit(): string {
    return `${this.prefix}:audit`;
  }

  /** Hash: the specs of paused schedules, by name (their job schedulers are removed while paused). */
  get pausedSchedules(): string {
    return `${this.prefix}:schedules:paused`;
  }

  /** Pub/sub channel of halt, resume and abort messages to workers. */
  get control(): string {
    return `${this.prefix}:control`;
  }
}
