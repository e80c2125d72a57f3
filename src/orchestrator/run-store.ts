import type { Redis } from 'ioredis';
import { journalSchema, type Journal, type Verdict } from '../engine/journal.js';
import type { Keys } from './keys.js';
import type { RunJob } from './run-job.js';

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
}

const JSON_FIELDS = new Set(['metrics', 'context']);
const NUMBER_FIELDS = new Set(['submittedAt', 'startedAt', 'endedAt', 'exitCode']);

/** Run states, verdicts and journals in Redis; finished runs and their journals expire after the retention. */
export class RunStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    /** How long finished runs and journals are kept. @defaultValue 7 days */
    readonly retentionMs = 7 * 24 * 3_600_000,
  ) {}

  async create(job: RunJob): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.run(job.runId), encode({ runId: job.runId, experiment: job.experiment, file: job.file, state: 'queued', submittedAt: job.submittedAt }))
      .zadd(this.keys.runs, job.submittedAt, job.runId)
      .zremrangebyscore(this.keys.runs, '-inf', Date.now() - this.retentionMs)
      .exec();
  }

  async update(runId: string, fields: Partial<RunStatus>): Promise<void> {
    await this.redis.hset(this.keys.run(runId), encode(fields));
  }

  /** Records the end of a run (with its journal when there is one) and starts the retention of both. */
  async finish(runId: string, end: { verdict: Verdict; reason: string; exitCode: number; journal?: Journal; journalPath?: string }): Promise<void> {
    const fields: Partial<RunStatus> = { state: 'finished', verdict: end.verdict, reason: end.reason, exitCode: end.exitCode, endedAt: Date.now() };
    if (end.journalPath !== undefined) fields.journalPath = end.journalPath;
    const tx = this.redis
      .multi()
      .hset(this.keys.run(runId), encode(fields))
      .hdel(this.keys.run(runId), 'metrics')
      .pexpire(this.keys.run(runId), this.retentionMs);
    if (end.journal !== undefined) tx.set(this.keys.journal(runId), JSON.stringify(end.journal), 'PX', this.retentionMs);
    await tx.exec();
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
