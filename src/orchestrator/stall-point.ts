/**
 * A test-only facility that blocks this process's event loop at a named point of a run, to reproduce a worker that
 * stalls while alive (a lazy import under load, a long garbage collection) for longer than its lease.
 * `GAMEDAY_STALL_AT=<point>:<ms>` (read once, when this module loads) blocks the first time `point` is reached; unset,
 * it does nothing.
 */

/** The points a run can be stalled at: before a fault's undo is recorded, or just after a fault landed. */
export type StallPoint = 'before-mutation' | 'after-mutation';

const STALL = parse(process.env.GAMEDAY_STALL_AT);
let stalled = false;

function parse(text: string | undefined): { point: string; ms: number } | undefined {
  const match = /^([a-z-]+):(\d+)$/.exec(text ?? '');
  if (match === null) return undefined;
  return { point: match[1] ?? '', ms: Number(match[2]) };
}

/** Blocks the event loop (no timer, no I/O runs) for the configured time, once, when `point` is the configured one. */
export function stallAt(point: StallPoint): void {
  if (STALL === undefined || stalled || STALL.point !== point) return;
  stalled = true;
  // Atomics.wait on a buffer nobody notifies: a real block of this thread, as a synchronous import would be.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, STALL.ms);
}
