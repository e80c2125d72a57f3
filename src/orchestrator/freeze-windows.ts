import type { RedisClient } from './redis-connection.js';
import { z } from 'zod';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import type { Keys } from './keys.js';

const freezeWindowSchema = z.object({
  name: z.string(),
  from: z.number(),
  to: z.number(),
  reason: z.string().optional(),
});

/** A declared period in which no experiment starts (a release, a sales peak). Instants are epoch milliseconds. */
export type FreezeWindow = z.infer<typeof freezeWindowSchema>;

/** How long a window is kept after it ended, for `freeze list` and the dashboard. */
const KEEP_ENDED_MS = 7 * 24 * 3_600_000;

/**
 * Freeze windows in Redis, shared by every submitter and worker. A run that would start inside one is refused (it ends
 * `aborted`, nothing touched); runs already in progress when a window opens are left to finish.
 */
export class FreezeWindows {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Declares (or replaces) a window; fails in one sentence when it ends before it starts, or has already ended. */
  async add(window: FreezeWindow, now = Date.now()): Promise<void> {
    if (!/^[\w.-]+$/.test(window.name)) throw invalid(`A freeze window's name may only hold letters, digits, '.', '_' and '-', not '${window.name}'.`);
    if (!(window.to > window.from))
      throw invalid(`The freeze window '${window.name}' must end after it starts (--to ${iso(window.to)} is not after --from ${iso(window.from)}).`);
    // A typo in a date (the wrong year) would otherwise be accepted as a window that quietly freezes nothing.
    if (window.to <= now)
      throw invalid(`The freeze window '${window.name}' has already ended (--to ${iso(window.to)} is before now, ${iso(now)}), so it would freeze nothing.`);
    await this.redis.hset(this.keys.freeze, window.name, JSON.stringify(window));
  }

  /** Removes a window; resolves to whether it existed. */
  async remove(name: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.freeze, name)) > 0;
  }

  /** Every window not ended for longer than a week, soonest first; older ones are forgotten on the way. */
  async list(now = Date.now()): Promise<FreezeWindow[]> {
    const raw = await this.redis.hgetall(this.keys.freeze);
    const windows = Object.values(raw).map((text) => freezeWindowSchema.parse(JSON.parse(text)));
    const stale = windows.filter((w) => w.to < now - KEEP_ENDED_MS).map((w) => w.name);
    if (stale.length > 0) await this.redis.hdel(this.keys.freeze, ...stale);
    return windows.filter((w) => w.to >= now - KEEP_ENDED_MS).sort((a, b) => a.from - b.from);
  }

  /** The window `at` falls in (the one that ends last, when several overlap), or `null`. */
  async active(at = Date.now()): Promise<FreezeWindow | null> {
    const open = (await this.list(at)).filter((w) => w.from <= at && at < w.to).sort((a, b) => b.to - a.to);
    return open[0] ?? null;
  }
}

/** Why a run is refused inside `window`, naming it (a run's recorded reason). */
export function frozenReason(window: FreezeWindow): string {
  return `refused: ${inEffect(window)}`;
}

/** The same, as the error a submitter sees. */
export function frozenError(window: FreezeWindow): GamedayError {
  return new GamedayError(ErrorCode.Frozen, `${inEffect(window)}.`, { exitCode: ExitCode.Aborted });
}

const inEffect = (w: FreezeWindow): string =>
  `the freeze window '${w.name}' (${iso(w.from)} to ${iso(w.to)}${w.reason === undefined ? '' : `, ${w.reason}`}) is in effect; no experiment starts inside it`;

const iso = (ms: number): string => new Date(ms).toISOString();

function invalid(message: string): GamedayError {
  return new GamedayError(ErrorCode.InvalidArgument, message, { exitCode: ExitCode.InvalidInput });
}
