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

  /** Pub/sub channel of halt, resume and abort messages to workers. */
  get control(): string {
    return `${this.prefix}:control`;
  }
}
