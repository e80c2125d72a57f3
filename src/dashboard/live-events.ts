import type { ServerResponse } from 'node:http';
import { QueueEvents } from 'bullmq';
import type { RedisClient } from '../orchestrator/redis-connection.js';
import type { Clock } from '../core/clock.js';
import type { Keys } from '../orchestrator/keys.js';
import type { RunEvent } from '../orchestrator/run-events.js';
import type { RunQueue } from '../orchestrator/run-queue.js';
import type { RunStatus } from '../orchestrator/run-store.js';

/** How often the run store is read for the probes' metrics (the worker flushes them every second). */
const STATUS_MS = 1_000;
/** A comment line this often keeps proxies and browsers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/** One line of a run's live timeline, as the page shows it. */
export interface TimelineEvent {
  /** Epoch ms the worker published it (the BullMQ event's stream id). */
  at: number;
  type: RunEvent['type'];
  text: string;
}

/** A run event in words: what the live timeline shows. */
export function describeEvent(e: RunEvent): string {
  switch (e.type) {
    case 'phase':
      return `phase ${e.name}`;
    case 'probeState':
      return `probe ${e.probe} ${e.ok ? 'ok' : 'failing'}${e.reason === undefined ? '' : `: ${e.reason}`}`;
    case 'activityStart':
      return `${e.kind} ${e.name} (${e.action}) started`;
    case 'activityEnd':
      return `${e.kind} ${e.name} (${e.action}) ${e.status}${e.error === undefined ? '' : `: ${e.error.message}`}`;
    case 'stopCondition':
      return `stop condition ${e.name}: ${e.detail}`;
    case 'recovered':
      return 'recovered';
    case 'verdict':
      return `verdict ${e.verdict}: ${e.reason}`;
  }
}

export interface FollowOptions {
  redis: RedisClient;
  keys: Keys;
  runs: RunQueue;
  /** The run's status when the viewer arrived. */
  status: RunStatus;
  /** Paces the status reads and heartbeats. */
  clock: Clock;
}

/**
 * Streams one run to a browser as server-sent events: `status` (state, phase, probes' metrics) whenever the run store
 * changes, `event` for each of the worker's events since the run was submitted (BullMQ QueueEvents progress,
 * replayed from the submission so a late viewer sees the whole timeline), and `end` once the run finished, after
 * which the stream closes. Resolves the returned stop function's promise once everything is released.
 */
export function followRun(res: ServerResponse, o: FollowOptions): () => Promise<void> {
  const runId = o.status.runId;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  const send = (event: string, data: unknown): void => {
    if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  res.write('retry: 2000\n\n');
  let shown = '';
  const showStatus = (s: RunStatus): void => {
    const view = { state: s.state, phase: s.phase ?? null, abortRequested: s.abortRequested === true, metrics: s.metrics ?? {}, verdict: s.verdict ?? null };
    const text = JSON.stringify(view);
    if (text === shown) return;
    shown = text;
    send('status', view);
  };
  showStatus(o.status);

  let stopped = false;
  let events: QueueEvents | undefined;
  let connection: RedisClient | undefined;
  const stopTimers: (() => void)[] = [];
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const s of stopTimers) s();
    if (!res.writableEnded) res.end();
    await events?.close().catch(() => undefined);
    await connection?.quit().catch(() => connection?.disconnect());
  };
  let ending = false;
  const end = (s: RunStatus): void => {
    if (ending) return;
    ending = true;
    showStatus(s);
    void o.runs.journal(runId).then(
      (journal) => {
        send('end', {
          verdict: s.verdict ?? 'errored',
          reason: s.reason ?? '',
          report: journal === undefined ? null : `/runs/${encodeURIComponent(runId)}/report`,
        });
        void stop();
      },
      () => void stop(),
    );
  };
  if (o.status.state === 'finished') {
    end(o.status);
    return stop;
  }

  connection = o.redis.duplicate();
  // From the submission on: the events stream's ids are epoch ms, so a viewer arriving mid-run gets the run so far.
  events = new QueueEvents(o.keys.queue, { connection, prefix: o.keys.prefix, lastEventId: `${o.status.submittedAt}-0` });
  events.on('progress', ({ jobId, data }, id) => {
    if (jobId !== runId || typeof data !== 'object' || data === null) return;
    const event = data as RunEvent;
    const timeline: TimelineEvent = { at: Number(id.split('-')[0]), type: event.type, text: describeEvent(event) };
    send('event', timeline);
  });
  events.on('error', () => undefined);
  let reading = false;
  stopTimers.push(
    o.clock.every(STATUS_MS, () => {
      if (reading || stopped) return;
      reading = true;
      void o.runs.store
        .get(runId)
        .then((s) => {
          if (s === undefined || stopped) return;
          if (s.state === 'finished') end(s);
          else showStatus(s);
        })
        .catch(() => undefined)
        .finally(() => (reading = false));
    }),
    o.clock.every(HEARTBEAT_MS, () => !res.writableEnded && res.write(': heartbeat\n\n')),
  );
  return stop;
}
