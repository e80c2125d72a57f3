import { hostname, userInfo } from 'node:os';
import type { RedisClient } from './redis-connection.js';
import type { Keys } from './keys.js';

/** What an operator can do to the deployment, as the audit trail names it. */
export type AuditAction = 'halt' | 'resume' | 'abort' | 'run' | 'schedule-pause' | 'schedule-resume';

/** One operator's action: who did what to which target, when, and how it went. */
export interface AuditEntry {
  /** Stream id of the entry (its order in the trail). */
  id: string;
  /** Epoch ms. */
  at: number;
  /** `alice@host` from the CLI, the proxy's user, or `token:<hash prefix>` on the dashboard. */
  who: string;
  action: AuditAction;
  /** The run, schedule or experiment acted on; empty for halt and resume. */
  target: string;
  /** The halt's reason, the experiment of a run started now. */
  detail?: string;
  /** What happened (`dequeued`, `halted`, `run-1234 queued`) or `refused: <why>`. */
  result: string;
}

/** How many entries the trail keeps, oldest dropped first; a trimmed trail is still in order. */
const KEEP = 10_000;

/**
 * The audit trail: an append-only Redis stream under the deployment's prefix. The CLI's halt, resume and abort and
 * every dashboard action append to it, refused attempts included.
 */
export class AuditTrail {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async record(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<AuditEntry> {
    const at = Date.now();
    const fields = ['at', String(at), 'who', entry.who, 'action', entry.action, 'target', entry.target, 'result', entry.result];
    if (entry.detail !== undefined) fields.push('detail', entry.detail);
    // Approximate trimming (~) keeps XADD constant-time; the trail holds at least KEEP entries.
    const id = await this.redis.xadd(this.keys.audit, 'MAXLEN', '~', String(KEEP), '*', ...fields);
    return { id: id ?? '', at, ...entry };
  }

  /** The newest entries first. */
  async list(limit = 50): Promise<AuditEntry[]> {
    const rows = await this.redis.xrevrange(this.keys.audit, '+', '-', 'COUNT', limit);
    return rows.map(([id, flat]) => {
      const f = new Map<string, string>();
      for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i] ?? '', flat[i + 1] ?? '');
      const detail = f.get('detail');
      return {
        id,
        at: Number(f.get('at') ?? 0),
        who: f.get('who') ?? '',
        action: (f.get('action') ?? '') as AuditAction,
        target: f.get('target') ?? '',
        ...(detail === undefined ? {} : { detail }),
        result: f.get('result') ?? '',
      };
    });
  }
}

/** Who runs this process, as the trail names an operator at a terminal: `$USER@host`. */
export function localOperator(env: NodeJS.ProcessEnv = process.env): string {
  let user = env.USER ?? env.LOGNAME;
  if (user === undefined || user === '') {
    try {
      user = userInfo().username;
    } catch {
      // A uid with no passwd entry (a container): the trail still says which host.
      user = 'unknown';
    }
  }
  return `${user}@${hostname()}`;
}
