import type { RedisClient } from './redis-connection.js';
import { publishControl } from './control-channel.js';
import type { Keys } from './keys.js';

/** Why and since when gameday is halted. */
export interface Halt {
  since: number;
  reason: string;
}

/**
 * The global kill switch. While it is on, every worker aborts what it runs (rollbacks run) and refuses new runs.
 * Stored in Redis so it survives every process; announced over pub/sub so running experiments stop at once.
 */
export class KillSwitch {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async halt(reason: string): Promise<Halt> {
    const halt: Halt = { since: Date.now(), reason };
    await this.redis.set(this.keys.halt, JSON.stringify(halt));
    await publishControl(this.redis, this.keys, { type: 'halt', reason });
    return halt;
  }

  /** Lifts the switch; resolves to whether it was on. */
  async resume(): Promise<boolean> {
    const removed = await this.redis.del(this.keys.halt);
    await publishControl(this.redis, this.keys, { type: 'resume' });
    return removed > 0;
  }

  async state(): Promise<Halt | null> {
    const text = await this.redis.get(this.keys.halt);
    return text === null ? null : (JSON.parse(text) as Halt);
  }
}
