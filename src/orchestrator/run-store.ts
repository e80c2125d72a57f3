import type { RedisClient } from './redis-connection.js';
import { durableWrite } from './durable-writes.js';
import { journalSchema, type Journal, type Verdict } from '../engine/journal.js';
import type { Keys } from './keys.js';
import type { RunJob } from './run-job.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';

export type RunState = 'queued' | 'running' | 'recovering' | 'finished';

/** What a probe looked like at the last flush of a running run. */
export interface ProbeMetrics {
  ok: boolean | null;
  samples: number;
  failedSamples: number;
  lastLatencyMs: number | null;
  /** What the last sample observed (a status, a count, an address), when the probe reports one. */
  lastValue?: string | number | boolean;
  reason?: string;
}

/** Where a run's world is, so another process can undo its faults. */
export interface RunContext {
  startedEpochMs: number;
  simOutputs?: Record<string, string>;
}

/** One run as `gameday status` and `gameday list` show it. */
export interface RunStatus {
  runId: string;
  experiment: string;
  file: string;
  state: RunState;
  submittedAt: number;
  phase?: string;
  verdict?: Verdict;
  reason?: string;
  exitCode?: number;
  worker?: string;
  startedAt?: number;
  endedAt?: number;
  journalPath?: string;
  abortRequested?: boolean;
  metrics?: Record<string, ProbeMetrics>;
  context?: RunContext;
  /**
   * The resources the run locks (its AWS target's scope and the resource ids), recorded before it takes them, so
   * whoever finishes its undo holds them again meanwhile.
   */
  locks?: RunLocks;
  /** Whether the run's undo is complete, once it ended: `outstanding` until a takeover or `gameday undo` completes it. */
  undo?: 'complete' | 'outstanding';
}

/** The resource locks of one run. */
export interface RunLocks {
  /** The AWS target the ids belong to (its endpoint, or kind and Region). */
  scope: string;
  ids: string[];
}

/**
 * Records a run's end for its owner only: KEYS[1] the run, KEYS[2] its journal, KEYS[3] its alive key; ARGV[1] the
 * owner, ARGV[2] the retention, ARGV[3] the journal ('' for none), then the run's fields and values. The owner is the
 * alive key's holder, or, while nobody holds it, the worker the run names. Answers 'finished', or who owns the run.
 */
const OWNED_FINISH = `local alive = redis.call('get', KEYS[3])
local owner = alive or redis.call('hget', KEYS[1], 'worker') or ''
if owner ~= ARGV[1] then return owner end
for i = 4, #ARGV, 2 do redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('hdel', KEYS[1], 'metrics')
redis.call('pexpire', KEYS[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('set', KEYS[2], ARGV[3], 'PX', ARGV[2]) end
return 'finished'`;

const JSON_FIELDS = new Set(['metrics', 'context', 'locks']);
const NUMBER_FIELDS = new Set(['submittedAt', 'startedAt', 'endedAt', 'exitCode']);

/** Run states, verdicts and journals in Redis; finished runs and their journals expire after the retention. */
export class RunStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** How long finished runs and journals are kept. @defaultValue 7 days */
    readonly retentionMs = 7 * 24 * 3_600_000,
  ) {}

  /** Records a queued run; through Sentinels, confirmed by the primary's replicas (see `durableWrite`). */
  async create(job: RunJob): Promise<void> {
    await durableWrite(this.redis, (redis) =>
      redis
        .multi()
        .hset(this.keys.run(job.runId), encode({ runId: job.runId, experiment: job.experiment, file: job.file, state: 'queued', submittedAt: job.submittedAt }))
        .zadd(this.keys.runs, job.submittedAt, job.runId)
        .zremrangebyscore(this.keys.runs, '-inf', Date.now() - this.retentionMs)
        .exec(),
    );
  }

  /**
   * Sets some of a run's fields. With `durable` (a run's start), through Sentinels the write is confirmed by the
   * primary's replicas (see `durableWrite`); the live fields (phase, metrics) are not worth that wait.
   */
  async update(runId: string, fields: Partial<RunStatus>, durable = false): Promise<void> {
    if (durable) await durableWrite(this.redis, (redis) => redis.hset(this.keys.run(runId), encode(fields)));
    else await this.redis.hset(this.keys.run(runId), encode(fields));
  }

  /**
   * Records the end of a run (with its journal when there is one) and starts the retention of both. With `owner`, only
   * the run's owner writes it (one script): the process its alive key names, or, once that key is gone, the worker the
   * run names. Anyone else, such as a worker that stalled past its lease while another took the run over, is refused
   * with a `GamedayError` and nothing is written, so a run ends once.
   */
  async finish(
    runId: string,
    end: { verdict: Verdict; reason: string; exitCode: number; journal?: Journal; journalPath?: string },
    owner?: string,
  ): Promise<void> {
    const fields: Partial<RunStatus> = { state: 'finished', verdict: end.verdict, reason: end.reason, exitCode: end.exitCode, endedAt: Date.now() };
    if (end.journalPath !== undefined) fields.journalPath = end.journalPath;
    if (owner !== undefined) {
      const journal = end.journal === undefined ? '' : JSON.stringify(end.journal);
      const encoded = Object.entries(encode(fields)).flat();
      const keys = [this.keys.run(runId), this.keys.journal(runId), this.keys.alive(runId)];
      // Made again after a failover, it finds the same owner (the alive key is dropped only after it) and writes the same end.
      const answer = await durableWrite(this.redis, (redis) => redis.eval(OWNED_FINISH, keys.length, ...keys, owner, this.retentionMs, journal, ...encoded));
      if (answer !== 'finished') {
        const holder = String(answer);
        throw new GamedayError(
          ErrorCode.Refused,
          `The end of run ${runId} was not recorded: ${owner} no longer owns it (${holder === '' ? 'nobody holds it now' : `${holder} does`}).`,
          { exitCode: ExitCode.Refused },
        );
      }
      return;
    }
    await durableWrite(this.redis, (redis) => {
      const tx = redis.multi().hset(this.keys.run(runId), encode(fields)).hdel(this.keys.run(runId), 'metrics').pexpire(this.keys.run(runId), this.retentionMs);
      if (end.journal !== undefined) tx.set(this.keys.journal(runId), JSON.stringify(end.journal), 'PX', this.retentionMs);
      return tx.exec();
    });
  }

  async get(runId: string): Promise<RunStatus | undefined> {
    const raw = await this.redis.hgetall(this.keys.run(runId));
    return raw.runId === undefined ? undefined : decode(raw);
  }

  /** The newest runs first. */
  async list(limit = 50): Promise<RunStatus[]> {
    const ids = await this.redis.zrevrange(this.keys.runs, 0, limit - 1);
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.run(id));
    const results = (await pipeline.exec()) ?? [];
    return results
      .map(([, raw]) => raw as Record<string, string>)
      .filter((raw) => raw.runId !== undefined)
      .map(decode);
  }

  async journal(runId: string): Promise<Journal | undefined> {
    const text = await this.redis.get(this.keys.journal(runId));
    return text === null ? undefined : journalSchema.parse(JSON.parse(text));
  }
}

function encode(fields: Partial<RunStatus>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = JSON_FIELDS.has(k) ? JSON.stringify(v) : String(v);
  }
  return out;
}

function decode(raw: Record<string, string>): RunStatus {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (JSON_FIELDS.has(k)) out[k] = JSON.parse(v);
    else if (NUMBER_FIELDS.has(k)) out[k] = Number(v);
    else if (k === 'abortRequested') out[k] = v === 'true';
    else out[k] = v;
  }
  return out as unknown as RunStatus;
}
