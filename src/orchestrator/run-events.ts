import type { PhaseName, RunListener } from '../engine/events.js';
import type { ActivityRecord, Verdict } from '../engine/journal.js';

/** A `RunListener` call as it travels from a worker to whoever follows the run (BullMQ job progress). */
export type RunEvent =
  | { type: 'phase'; name: PhaseName; at: number }
  | { type: 'probeState'; probe: string; ok: boolean; reason?: string; at: number }
  | { type: 'activityStart'; kind: ActivityRecord['kind']; name: string; action: string }
  | { type: 'activityEnd'; kind: ActivityRecord['kind']; name: string; action: string; status: ActivityRecord['status']; error?: ActivityRecord['error'] }
  | { type: 'stopCondition'; name: string; detail: string }
  | { type: 'recovered'; at: number }
  | { type: 'verdict'; verdict: Verdict; reason: string };

/** A listener that turns each event worth showing into a `RunEvent` (samples are too many; they feed metrics). */
export function publishingListener(publish: (event: RunEvent) => void): RunListener {
  return {
    phase: (name, at) => publish({ type: 'phase', name, at }),
    probeState: (probe, ok, reason, at) => publish({ type: 'probeState', probe, ok, ...(reason === undefined ? {} : { reason }), at }),
    activityStart: (kind, name, action) => publish({ type: 'activityStart', kind, name, action }),
    activityEnd: (r) =>
      publish({ type: 'activityEnd', kind: r.kind, name: r.name, action: r.action, status: r.status, ...(r.error === undefined ? {} : { error: r.error }) }),
    stopCondition: (name, detail) => publish({ type: 'stopCondition', name, detail }),
    recovered: (at) => publish({ type: 'recovered', at }),
    verdict: (verdict, reason) => publish({ type: 'verdict', verdict, reason }),
  };
}

/** Calls the listener as the worker's run called its own. */
export function replayEvent(event: RunEvent, listener: RunListener): void {
  switch (event.type) {
    case 'phase':
      listener.phase?.(event.name, event.at);
      return;
    case 'probeState':
      listener.probeState?.(event.probe, event.ok, event.reason, event.at);
      return;
    case 'activityStart':
      listener.activityStart?.(event.kind, event.name, event.action);
      return;
    case 'activityEnd':
      listener.activityEnd?.({
        kind: event.kind,
        name: event.name,
        action: event.action,
        args: undefined,
        status: event.status,
        startedAt: null,
        endedAt: null,
        calls: [],
        ...(event.error === undefined ? {} : { error: event.error }),
      });
      return;
    case 'stopCondition':
      listener.stopCondition?.(event.name, event.detail);
      return;
    case 'recovered':
      listener.recovered?.(event.at);
      return;
    case 'verdict':
      listener.verdict?.(event.verdict, event.reason);
      return;
  }
}
