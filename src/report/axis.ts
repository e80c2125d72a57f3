/** A time axis: its unit, and ticks at round values of that unit so that a reader can interpolate between them. */
export interface TimeAxis {
  unit: 'ms' | 's' | 'min' | 'h';
  /** Milliseconds in one unit. */
  unitMs: number;
  /** Tick spacing, in units: 1, 2 or 5 × 10^n. */
  step: number;
  /** The axis' end in ms: the first tick at or past the data's end. */
  endMs: number;
  /** Tick positions in units, from 0 to the end. */
  ticks: number[];
}

const UNITS = [
  { unit: 'ms', unitMs: 1, below: 2_000 },
  { unit: 's', unitMs: 1_000, below: 300_000 },
  { unit: 'min', unitMs: 60_000, below: 18_000_000 },
  { unit: 'h', unitMs: 3_600_000, below: Infinity },
] as const;

/** The round step (1, 2 or 5 × 10^n) that cuts `span` into at most `maxTicks` intervals. */
export function niceStep(span: number, maxTicks = 10): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, maxTicks);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * power;
  // 10 × 10^n is 1 × 10^(n+1): rounding keeps the float tidy.
  return Number(step.toPrecision(12));
}

/** Ticks 0, step, 2·step… up to the first one at or past `max` (in the same unit as `max`). */
export function niceTicks(max: number, maxTicks = 10): number[] {
  const step = niceStep(max, maxTicks);
  const count = Math.max(1, Math.ceil(max / step - 1e-9));
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** The axis of a chart whose data runs from 0 to `maxMs` milliseconds: the unit is the one whose numbers stay short. */
export function timeAxis(maxMs: number, maxTicks = 10): TimeAxis {
  const u = UNITS.find((x) => maxMs < x.below) ?? UNITS[UNITS.length - 1] ?? UNITS[0];
  const ticks = niceTicks(Math.max(maxMs, 1) / u.unitMs, maxTicks);
  const last = ticks[ticks.length - 1] ?? 1;
  return { unit: u.unit, unitMs: u.unitMs, step: niceStep(Math.max(maxMs, 1) / u.unitMs, maxTicks), endMs: last * u.unitMs, ticks };
}
