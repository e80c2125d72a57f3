import { z } from 'zod';
import { isoDurationMs } from './iso-duration.js';

/**
 * Durations in the sim's own formats (topology files, the workload's `/outage?for=` control): a number with its unit
 * (`500ms`, `30s`, `1.5m`, `2h`, `5 seconds`), compounds such as `1m30s`, or ISO 8601 (`PT5M`). The sim reads them
 * with its own parser so that it depends on nothing of gameday's experiment code.
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

const EXAMPLES = '500ms, 30s, 1m30s, 5m, 1h or PT5M';

/** Milliseconds of a sim duration, or why the text is not one. */
export function simDurationMs(text: string): { ms: number } | { reason: string } {
  const input = text.trim().toLowerCase();
  if (/^p/.test(input)) {
    const ms = isoDurationMs(input);
    return ms === undefined ? { reason: `'${text}' is not an ISO 8601 duration of fixed length (use e.g. PT30S or PT5M)` } : { ms };
  }
  const parts = [...input.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)\s*/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== input) return { reason: `'${text}' is not a duration (use e.g. ${EXAMPLES})` };
  let ms = 0;
  for (const [, amount, unit = ''] of parts) {
    const factor = UNIT_MS[unit];
    if (factor === undefined) return { reason: `'${text}' has an unknown unit '${unit}' (use ms, s, m or h, e.g. ${EXAMPLES})` };
    ms += Number(amount) * factor;
  }
  return { ms: Math.round(ms * 1000) / 1000 };
}

/** A zod field for a duration in a topology file: text with its unit in the file, milliseconds after parsing. */
export const simDuration = () =>
  z
    .string({ error: (iss) => `expected a duration such as ${EXAMPLES}, got ${typeof iss.input === 'string' ? `'${iss.input}'` : typeof iss.input}` })
    .transform((text, ctx) => {
      const parsed = simDurationMs(text);
      if ('ms' in parsed) return parsed.ms;
      ctx.addIssue({ code: 'custom', message: parsed.reason, input: text });
      return z.NEVER;
    });
