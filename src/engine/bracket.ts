/**
 * An instant or a span known only within bounds: `value` is the best estimate, `lower` and `upper` the bounds
 * that the evidence allows. `uncertainty` is half the width.
 */
export interface Bracket {
  value: number;
  lower: number;
  upper: number;
}

export function bracket(lower: number, upper: number): Bracket {
  return { value: (lower + upper) / 2, lower, upper };
}

export function exact(value: number): Bracket {
  return { value, lower: value, upper: value };
}

/** `b - a` with bounds that hold whatever the true instants were; never negative when `b` cannot precede `a`. */
export function span(a: Bracket, b: Bracket): Bracket {
  const lower = Math.max(0, b.lower - a.upper);
  const upper = Math.max(lower, b.upper - a.lower);
  return { value: Math.min(upper, Math.max(lower, b.value - a.value)), lower, upper };
}

export function uncertainty(b: Bracket): number {
  return (b.upper - b.lower) / 2;
}

export function shift(b: Bracket, by: number): Bracket {
  return { value: b.value + by, lower: b.lower + by, upper: b.upper + by };
}
