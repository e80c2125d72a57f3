import type { PhaseName, RunListener } from '../engine/events.js';
import type { Sample } from '../engine/sampler.js';
import { formatDuration } from '../experiment/duration.js';

/** What `run` shows while an experiment runs, on a terminal or as plain lines. */
export interface LiveView extends RunListener {
  /**
   * Ends the view for good: a terminal view draws its last frame once and never writes again, so the summary printed
   * after it stays intact. Calling it again does nothing.
   */
  close(): void;
  /**
   * On Ctrl-C or SIGTERM, before the notice is printed: a terminal view erases its live region once and reports the
   * rest of the run (the rollbacks) as plain lines, so no stale frame is left above or below the notice.
   */
  interrupt(): void;
  /** A line of gameday's own (`queued as …`): printed as is, or kept in the frame, so that it never breaks a redraw. */
  notice(line: string): void;
}

const clock = (ms: number): string => `[${(ms / 1000).toFixed(3).padStart(8)}s]`;

/** One line per event, for CI logs and pipes. */
export function plainView(out: NodeJS.WritableStream, origin: number): LiveView {
  const t = (): string => clock(performance.now() - origin);
  return {
    phase: (name) => out.write(`${t()} phase ${name}\n`),
    probeState: (probe, ok, reason) => out.write(`${t()} probe ${probe} ${ok ? 'ok' : `failing: ${reason ?? ''}`}\n`),
    activityStart: (kind, name, action) => out.write(`${t()} ${kind} ${name} (${action}) started\n`),
    activityEnd: (r) => out.write(`${t()} ${r.kind} ${r.name} ${r.status}${r.error === undefined ? '' : `: ${r.error.message}`}\n`),
    stopCondition: (name, detail) => out.write(`${t()} stop condition ${name} tripped: ${detail}\n`),
    recovered: () => out.write(`${t()} recovered\n`),
    close: () => undefined,
    interrupt: () => undefined,
    notice: (line) => out.write(`${line}\n`),
  };
}

// A line longer than the terminal wraps onto rows that cursor-up does not count, leaving stale rows behind.
const fit = (line: string, width: number): string => (line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`);

/** A redrawn block on a terminal: phase, elapsed time and each probe's state. */
export function ttyView(
  out: NodeJS.WriteStream,
  origin: number,
  experiment: string,
  probes: readonly string[],
  /** Where each placed probe stands (`from:`), shown beside its name. */
  locations: ReadonlyMap<string, string> = new Map(),
): LiveView {
  let mode: 'live' | 'plain' | 'closed' = 'live';
  let phase: PhaseName | 'starting' = 'starting';
  let drawn = 0;
  let last = '';
  const plain = plainView(out, origin);
  const state = new Map<string, { sample?: Sample; since: number; count: number }>(probes.map((p) => [p, { since: origin, count: 0 }]));
  const log: string[] = [];
  const labelOf = (name: string): string => (locations.has(name) ? `${name} from ${locations.get(name)}` : name);
  const draw = (): void => {
    if (mode !== 'live') return;
    // One column short of the edge: writing the last column leaves some terminals' cursors pending a wrap.
    const width = Math.max(20, (out.columns ?? 80) - 1);
    const elapsed = formatDuration(performance.now() - origin);
    const lines = [fit(`gameday · ${experiment} · phase ${phase} · ${elapsed}`, width)];
    for (const [name, s] of state) {
      const sample = s.sample;
      const mark = sample === undefined ? '…' : sample.ok ? '\u001b[32m●\u001b[0m' : '\u001b[31m✗\u001b[0m';
      const detail = sample === undefined ? 'waiting' : sample.ok ? `ok ${formatDuration(sample.latencyMs ?? 0)}` : (sample.reason ?? 'failing');
      lines.push(
        `  ${mark}${fit(` ${labelOf(name).padEnd(16)} ${detail.padEnd(40).slice(0, 40)} for ${formatDuration(performance.now() - s.since)}  (${s.count} samples${sample?.fast === true ? ', fast' : ''})`, width - 3)}`,
      );
    }
    for (const l of log.slice(-4)) lines.push(fit(`  ${l}`, width));
    const text = lines.join('\n');
    if (text === last) return;
    out.write(`${drawn > 0 ? `\r\u001b[${drawn}A` : ''}\u001b[0J${text}\n`);
    drawn = lines.length;
    last = text;
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  const note = (line: string): void => {
    log.push(`${clock(performance.now() - origin)} ${line}`);
    draw();
  };
  /** An event drawn into the frame while the view is live, printed as a plain line after an interruption. */
  const on =
    <A extends unknown[]>(live: (...args: NoInfer<A>) => void, afterInterrupt?: (...args: A) => void) =>
    (...args: A): void => {
      if (mode === 'live') live(...args);
      else if (mode === 'plain') afterInterrupt?.(...args);
    };
  return {
    phase: on((name: PhaseName, _at: number) => {
      phase = name;
      draw();
    }, plain.phase),
    sample: on((probe: string, sample: Sample) => {
      const s = state.get(probe);
      if (s === undefined) return;
      if (s.sample === undefined || s.sample.ok !== sample.ok) s.since = sample.end;
      s.sample = sample;
      s.count++;
    }),
    probeState: on(() => undefined, plain.probeState),
    activityStart: on(() => undefined, plain.activityStart),
    activityEnd: on((r) => note(`${r.kind} ${r.name} ${r.status}${r.error === undefined ? '' : `: ${r.error.message}`}`), plain.activityEnd),
    stopCondition: on((name: string, detail: string) => note(`stop condition ${name} tripped: ${detail}`), plain.stopCondition),
    recovered: on(() => note('recovered'), plain.recovered),
    notice: on(note, plain.notice),
    close: () => {
      clearInterval(timer);
      draw();
      mode = 'closed';
    },
    interrupt: () => {
      if (mode !== 'live') return;
      clearInterval(timer);
      // `\r` first: the terminal has echoed ^C where the cursor stood.
      if (drawn > 0) out.write(`\r\u001b[${drawn}A\u001b[0J`);
      drawn = 0;
      mode = 'plain';
    },
  };
}
