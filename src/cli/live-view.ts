import type { PhaseName, RunListener } from '../engine/events.js';
import type { Sample } from '../engine/sampler.js';
import { formatDuration } from '../experiment/duration.js';

export interface LiveView extends RunListener {
  close(): void;
}

const clock = (ms: number): string => `[${(ms / 1000).toFixed(3).padStart(8)}s]`;

/** One line per event, for CI logs and pipes. */
export function plainView(out: NodeJS.WritableStream, origin: number): LiveView {
  const t = (): string => clock(performance.now() - origin);
  return {
    phase: (name) => out.write(`${t()} phase ${name}\n`),
    probeState: (probe, ok, reason) => out.write(`${t()} probe ${probe} ${ok ? 'ok' : `failing: ${reason ?? ''}`}\n`),
    activityStart: (kind, name, action) => out.write(`${t()} ${kind} ${name} (${action}) started\n`),
    activityEnd: (r) =>
      out.write(`${t()} ${r.kind} ${r.name} ${r.status}${r.error === undefined ? '' : `: ${r.error.message}`}\n`),
    stopCondition: (name, detail) => out.write(`${t()} stop condition ${name} tripped: ${detail}\n`),
    recovered: () => out.write(`${t()} recovered\n`),
    close: () => undefined,
  };
}

/** A redrawn block on a terminal: phase, elapsed time and each probe's state. */
export function ttyView(out: NodeJS.WriteStream, origin: number, experiment: string, probes: readonly string[]): LiveView {
  let phase: PhaseName | 'starting' = 'starting';
  let drawn = 0;
  let last = '';
  const state = new Map<string, { sample?: Sample; since: number; count: number }>(probes.map((p) => [p, { since: origin, count: 0 }]));
  const log: string[] = [];
  const draw = (): void => {
    const elapsed = formatDuration(performance.now() - origin);
    const lines = [`gameday · ${experiment} · phase ${phase} · ${elapsed}`];
    for (const [name, s] of state) {
      const sample = s.sample;
      const mark = sample === undefined ? '…' : sample.ok ? '\u001b[32m●\u001b[0m' : '\u001b[31m✗\u001b[0m';
      const detail = sample === undefined ? 'waiting' : sample.ok ? `ok ${formatDuration(sample.latencyMs ?? 0)}` : (sample.reason ?? 'failing');
      lines.push(`  ${mark} ${name.padEnd(16)} ${detail.padEnd(40).slice(0, 40)} for ${formatDuration(performance.now() - s.since)}  (${s.count} samples${sample?.fast === true ? ', fast' : ''})`);
    }
    for (const l of log.slice(-4)) lines.push(`  ${l}`);
    const text = lines.join('\n');
    if (text === last) return;
    out.write(`${drawn > 0 ? `\u001b[${drawn}A` : ''}\u001b[0J${text}\n`);
    drawn = lines.length;
    last = text;
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  const note = (line: string): void => {
    log.push(`${clock(performance.now() - origin)} ${line}`);
    draw();
  };
  return {
    phase: (name) => {
      phase = name;
      draw();
    },
    sample: (probe, sample) => {
      const s = state.get(probe);
      if (s === undefined) return;
      if (s.sample === undefined || s.sample.ok !== sample.ok) s.since = sample.end;
      s.sample = sample;
      s.count++;
    },
    activityEnd: (r) => note(`${r.kind} ${r.name} ${r.status}${r.error === undefined ? '' : `: ${r.error.message}`}`),
    stopCondition: (name, detail) => note(`stop condition ${name} tripped: ${detail}`),
    recovered: () => note('recovered'),
    close: () => {
      clearInterval(timer);
      draw();
    },
  };
}
