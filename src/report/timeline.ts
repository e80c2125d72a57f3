import { uncertainty, type Bracket } from '../engine/bracket.js';
import { decodeSamples, type Journal } from '../engine/journal.js';
import { formatDuration } from '../experiment/duration.js';
import { timeAxis } from './axis.js';
import { esc } from './escape.js';

const WIDTH = 1000;
const RIGHT = 30;
const LANE = 46;
const FAULT_LANE = 26;
const LABEL_ROW = 15;
/** Widths of 11–12 px text are estimated at 7 px a character: wide enough for the fonts Chromium falls back to. */
const CHAR = 7;

/** A label above the chart, kept apart from the others by `placeLabels`. */
interface Label {
  x: number;
  text: string;
  cls: string;
}

/** A horizontal extent of text, to check for overlap. */
interface Span {
  from: number;
  to: number;
}

/**
 * Puts each label on the first row where it overlaps no other, anchored left of its marker when it would run past the
 * right edge: close markers stay readable and no label is clipped.
 */
function placeLabels(labels: readonly Label[], right: number): { label: Label; row: number; anchor: 'start' | 'end'; at: number }[] {
  const rows: Span[][] = [];
  return [...labels]
    .sort((a, b) => a.x - b.x)
    .map((label) => {
      const width = label.text.length * CHAR;
      const anchor = label.x + 3 + width <= right ? 'start' : 'end';
      const at = anchor === 'start' ? label.x + 3 : label.x - 3;
      const span = anchor === 'start' ? { from: at, to: at + width } : { from: at - width, to: at };
      let row = rows.findIndex((r) => r.every((s) => span.to + 6 < s.from || span.from > s.to + 6));
      if (row === -1) row = rows.push([]) - 1;
      rows[row]?.push(span);
      return { label, row, anchor, at };
    });
}

/** When each fault was active, in journal time: from its injection to its end (its `duration`), its rollback, or the run's end. */
function faultWindows(j: Journal): { name: string; start: number; end: number; ended: string }[] {
  return j.activities
    .filter((a) => a.kind === 'fault' && a.startedAt !== null)
    .map((a) => {
      const start = a.startedAt ?? 0;
      const later = (kinds: readonly string[]) => j.activities.find((b) => kinds.includes(b.kind) && b.name === a.name && (b.startedAt ?? -1) >= start);
      const end = later(['fault-end']);
      if (end !== undefined) return { name: a.name, start, end: end.endedAt ?? end.startedAt ?? start, ended: 'ended' };
      const undone = later(['rollback', 'auto-rollback']);
      if (undone !== undefined) return { name: a.name, start, end: undone.endedAt ?? undone.startedAt ?? start, ended: 'rolled back' };
      return { name: a.name, start, end: a.endedAt ?? start, ended: 'done (no duration)' };
    });
}

/** The colour of each kind of mark; the chart's styles and the legend's swatches both come from it. */
const COLOURS = {
  ok: '#2da44e',
  bad: '#cf222e',
  latency: '#0969da',
  fault: '#bf8700',
  inject: '#8250df',
  impact: '#cf222e',
  recover: '#1a7f37',
  rollback: '#9a6700',
  rto: '#cf222e',
} as const;
type Mark = keyof typeof COLOURS;

/** One entry of the legend: the kind of mark, how its swatch is drawn, and its name. */
interface Key {
  mark: Mark;
  shape: 'box' | 'line' | 'dashed' | 'band';
  text: string;
}

/**
 * The legend: a swatch and a name for each kind of mark the chart draws, flowed into rows. Swatches carry no mark
 * class, so that selecting a chart's marks never finds the legend's.
 */
function legend(keys: readonly Key[], left: number, top: number): { svg: string; height: number } {
  const parts: string[] = [];
  let x = left;
  let y = top;
  for (const key of keys) {
    const width = 22 + key.text.length * CHAR + 18;
    if (x + width > WIDTH - RIGHT && x > left) {
      x = left;
      y += 18;
    }
    const colour = COLOURS[key.mark];
    const swatch =
      key.shape === 'box' || key.shape === 'band'
        ? `<rect x="${x}" y="${y + 1}" width="16" height="10" fill="${colour}"${key.shape === 'band' ? ' opacity=".35"' : ''} class="swatch"/>`
        : `<line x1="${x}" y1="${y + 6}" x2="${x + 16}" y2="${y + 6}" stroke="${colour}" stroke-width="1.5"${key.shape === 'dashed' ? ' stroke-dasharray="5 3"' : ''} class="swatch"/>`;
    parts.push(`<g class="legend-item" data-mark="${key.mark}">${swatch}<text x="${x + 22}" y="${y + 10}" class="legend-text">${esc(key.text)}</text></g>`);
    x += width;
  }
  return { svg: `<g id="legend">${parts.join('')}</g>`, height: y - top + 18 };
}

/**
 * The run's timeline as an SVG, in the run's time base (AWS time on a sped-up simulated region): a lane per fault with
 * its active window, a lane per probe (samples in and out of tolerance, latency), the injection, impact, recovery,
 * rollback and RTO deadline, an axis with round ticks, and a legend.
 */
export function timeline(j: Journal): string {
  const speed = j.environment.speed;
  const base = speed === 1 ? 'time' : 'AWS time';
  const at = (wall: number): string => `${formatDuration(wall * speed)} ${base}`;
  const m = j.measurement;
  const rto = j.objectives.find((o) => o.objective === 'rto' && o.unit === 'ms');
  const deadline = rto !== undefined && m.injectedAt !== null ? m.injectedAt.value + rto.target / speed : null;
  const dataEnd = Math.max(j.durationMs, 1);
  // An RTO deadline just past the run's end widens the axis; a far one would squash the run, so it is pointed at instead.
  const shown = deadline !== null && deadline <= dataEnd * 1.5 ? Math.max(dataEnd, deadline) : dataEnd;
  const axis = timeAxis(shown * speed);
  const end = axis.endMs / speed;
  const windows = faultWindows(j);
  const names = [...j.probes.map((p) => p.name), ...windows.map((f) => `fault ${f.name}`)];
  const left = Math.min(240, Math.max(90, 16 + CHAR * Math.max(0, ...names.map((n) => n.length))));
  const right = WIDTH - RIGHT;
  const x = (t: number): number => left + (Math.min(Math.max(t, 0), end) / end) * (right - left);
  const laneName = (name: string, y: number, cls: 'lane' | 'fault-lane'): string => {
    const fits = Math.floor((left - 16) / CHAR);
    const text = name.length <= fits ? name : `${name.slice(0, fits - 1)}…`;
    return `<text x="${left - 8}" y="${y}" class="${cls}">${esc(text)}<title>${esc(name)}</title></text>`;
  };

  const labels: Label[] = [];
  // Marks span the lanes, whose top is known only once the labels above them are placed.
  const marks: ((top: number, bottom: number) => string)[] = [];
  const legendItems: Key[] = [
    { mark: 'ok', shape: 'box', text: 'sample in tolerance' },
    { mark: 'bad', shape: 'box', text: 'sample out of tolerance' },
    { mark: 'latency', shape: 'line', text: 'probe latency' },
  ];
  const mark = (b: Bracket | null, cls: Mark, label: string): void => {
    if (b === null) return;
    marks.push(
      (top, bottom) =>
        `<rect x="${x(b.lower).toFixed(2)}" y="${top}" width="${Math.max(1, x(b.upper) - x(b.lower)).toFixed(2)}" height="${bottom - top}" class="${cls} bracket"><title>${esc(`${label} at ${at(b.value)} ±${formatDuration(uncertainty(b) * speed)}`)}</title></rect>` +
        `<line x1="${x(b.value).toFixed(2)}" y1="${top}" x2="${x(b.value).toFixed(2)}" y2="${bottom}" class="${cls} marker"/>`,
    );
    labels.push({ x: x(b.value), text: label, cls });
    legendItems.push({ mark: cls, shape: 'line', text: label });
  };
  mark(m.injectedAt, 'inject', 'injection');
  mark(m.impactAt, 'impact', 'impact');
  mark(m.recoveredAt, 'recover', 'recovered');
  const undo = j.activities.filter((a) => (a.kind === 'rollback' || a.kind === 'auto-rollback') && a.startedAt !== null);
  const phase = j.phases.find((p) => p.name === 'rollback');
  const undoStart = Math.min(...undo.map((a) => a.startedAt ?? Infinity), phase?.startedAt ?? Infinity);
  if (Number.isFinite(undoStart)) {
    const undoEnd = Math.max(undoStart, ...undo.map((a) => a.endedAt ?? a.startedAt ?? 0), phase?.endedAt ?? phase?.startedAt ?? 0);
    marks.push(
      (top, bottom) =>
        `<rect x="${x(undoStart).toFixed(2)}" y="${top}" width="${Math.max(1.5, x(undoEnd) - x(undoStart)).toFixed(2)}" height="${bottom - top}" class="rollback band"><title>${esc(`rollback from ${at(undoStart)} to ${at(undoEnd)}`)}</title></rect>`,
    );
    labels.push({ x: x(undoStart), text: 'rollback', cls: 'rollback' });
    legendItems.push({ mark: 'rollback', shape: 'band', text: 'rollback' });
  }
  if (deadline !== null) {
    const text = deadline <= end ? 'RTO deadline' : `RTO deadline at ${at(deadline)} →`;
    marks.push(
      (top, bottom) =>
        `<line x1="${x(deadline).toFixed(2)}" y1="${top}" x2="${x(deadline).toFixed(2)}" y2="${bottom}" class="rto" data-at="${(deadline * speed).toFixed(0)}"><title>${esc(`RTO deadline: ${at(deadline)} (injection + ${formatDuration(rto?.target ?? 0)})`)}</title></line>`,
    );
    labels.push({ x: x(deadline), text, cls: 'rto' });
    legendItems.push({ mark: 'rto', shape: 'dashed', text: 'RTO deadline' });
  }

  const placed = placeLabels(labels, right);
  const rows = Math.max(1, ...placed.map((p) => p.row + 1));
  const top = 8 + rows * LABEL_ROW + 8;
  const parts: string[] = placed.map(
    (p) => `<text x="${p.at.toFixed(2)}" y="${8 + p.row * LABEL_ROW + 11}" text-anchor="${p.anchor}" class="${p.label.cls} label">${esc(p.label.text)}</text>`,
  );

  let y = top;
  for (const f of windows) {
    parts.push(laneName(`fault ${f.name}`, y + FAULT_LANE / 2, 'fault-lane'));
    parts.push(
      `<rect x="${x(f.start).toFixed(2)}" y="${y + 6}" width="${Math.max(2, x(f.end) - x(f.start)).toFixed(2)}" height="${FAULT_LANE - 12}" class="fault" data-fault="${esc(f.name)}"><title>${esc(`${f.name} active from ${at(f.start)} to ${at(f.end)} (${f.ended})`)}</title></rect>`,
    );
    y += FAULT_LANE;
  }
  if (windows.length > 0) legendItems.splice(3, 0, { mark: 'fault', shape: 'box', text: 'fault active' });
  for (const p of j.probes) {
    parts.push(laneName(p.name, y + LANE / 2, 'lane'));
    const samples = decodeSamples(p.samples);
    for (const [k, s] of samples.entries()) {
      const next = samples[k + 1];
      const w = Math.max(0.5, x(next?.start ?? s.end) - x(s.start));
      const what = s.ok ? 'in tolerance' : `out of tolerance: ${s.reason ?? 'failed'}`;
      parts.push(
        `<rect x="${x(s.start).toFixed(2)}" y="${y + LANE - 14}" width="${w.toFixed(2)}" height="10" class="${s.ok ? 'ok' : 'bad'}"><title>${esc(`${at(s.start)}: ${what}${s.latencyMs === undefined ? '' : `, latency ${formatDuration(s.latencyMs)}`}`)}</title></rect>`,
      );
    }
    const timed = samples.filter((s) => s.latencyMs !== undefined);
    const max = Math.max(1, ...timed.map((s) => s.latencyMs ?? 0));
    if (timed.length > 1) {
      const points = timed.map((s) => `${x(s.start).toFixed(1)},${(y + LANE - 18 - ((s.latencyMs ?? 0) / max) * (LANE - 24)).toFixed(1)}`).join(' ');
      parts.push(
        `<polyline points="${points}" class="latency"><title>${esc(`${p.name} latency (as measured), max ${formatDuration(max)}`)}</title></polyline>`,
      );
    }
    y += LANE;
  }
  const bottom = y + 4;
  const grid: string[] = [];
  for (const t of axis.ticks) {
    const tx = x((t * axis.unitMs) / speed).toFixed(2);
    grid.push(`<line x1="${tx}" y1="${top}" x2="${tx}" y2="${bottom}" class="grid"/>`);
    parts.push(`<text x="${tx}" y="${bottom + 14}" class="tick" data-value="${t}">${t}</text>`);
  }
  const speedNote = speed === 1 ? '' : ` (the simulated region ran ${speed}× faster than AWS)`;
  parts.push(
    `<text x="${((left + right) / 2).toFixed(0)}" y="${bottom + 32}" class="axis-label">${esc(`${base} since the run started, ${axis.unit}${speedNote}`)}</text>`,
  );
  const key = legend(legendItems, left, bottom + 44);
  parts.push(key.svg);
  const height = bottom + 44 + key.height + 6;
  const body = [...grid, ...marks.map((draw) => draw(top - 4, bottom)), ...parts].join('');
  return `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="recovery timeline" data-time-base="${esc(base)}" data-unit="${axis.unit}">${body}</svg>`;
}

/** Styles of the timeline's marks, for the page that embeds it. */
export const TIMELINE_STYLE = `svg .grid{stroke:#eaeef2}svg .tick{font-size:11px;text-anchor:middle;fill:#57606a}svg .axis-label{font-size:12px;text-anchor:middle;fill:#57606a}svg .lane,svg .fault-lane{font-size:12px;text-anchor:end;dominant-baseline:middle}
svg .legend-text{font-size:11px;fill:#1b1f24}svg text.label{font-size:11px}svg .bracket{opacity:.18}svg .band{opacity:.25}svg .marker{stroke-width:1.5}svg polyline.latency{fill:none;stroke-width:1}
svg line.rto{stroke-width:1.5;stroke-dasharray:5 3}
${Object.entries(COLOURS)
  // Samples and fault windows are filled areas, latency a line, the markers both (a band and its line).
  .map(
    ([mark, colour]) =>
      `svg .${mark}{${mark === 'latency' ? '' : `fill:${colour};`}${['ok', 'bad', 'fault'].includes(mark) ? '' : `stroke:${colour}`}}svg text.${mark}{stroke:none}`,
  )
  .join('')}`;
