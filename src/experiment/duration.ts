/**
 * The one place durations are parsed. Accepted: `500ms`, `30s`, `1.5m`, `2h`, compounds such as `1m30s`,
 * long unit names (`5 seconds`, `2 minutes`), and ISO 8601 as AWS FIS writes it (`PT5M`, `PT1H30M`, `PT0.5S`, `P1D`).
 * A bare number is refused: a duration always carries its unit.
 */
const UNIT_MS: Record<string, number> = {
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

const PART = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*/gy;

export const DURATION_EXAMPLES = '500ms, 30s, 1m30s, 5m, 1h';

const ISO_EXAMPLES = 'PT30S, PT5M, PT1H30M or PT0.5S';

const NUMBER = '(\\d+(?:\\.\\d+)?)';
/** ISO 8601 durations of fixed length: days and time parts (years, months and weeks vary in length, so they are refused). */
const ISO = new RegExp(`^P(?:${NUMBER}D)?(?:T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`);

/** Result of parsing: the value in milliseconds, or why the text is not a duration. */
export type DurationParse = { ok: true; ms: number } | { ok: false; reason: string };

export function parseDuration(text: string): DurationParse {
  const input = text.trim().toLowerCase();
  if (input === '') return { ok: false, reason: `an empty string is not a duration (use e.g. ${DURATION_EXAMPLES})` };
  if (/^-/.test(input)) return { ok: false, reason: `'${text}' is negative; a duration must be zero or more` };
  if (input.startsWith('p')) return parseIso(text);
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(input); match !== null; match = PART.exec(input)) {
    const [whole, amount, unit] = match;
    const factor = unit === undefined ? undefined : UNIT_MS[unit];
    if (factor === undefined) {
      return { ok: false, reason: `'${text}' has an unknown unit '${unit ?? ''}' (use ms, s, m or h, e.g. ${DURATION_EXAMPLES})` };
    }
    total += Number(amount) * factor;
    consumed += whole.length;
  }
  if (consumed !== input.length) {
    return { ok: false, reason: `'${text}' is not a duration (use e.g. ${DURATION_EXAMPLES}, or ISO 8601 such as PT5M)` };
  }
  return { ok: true, ms: Math.round(total * 1000) / 1000 };
}

/** Formats milliseconds for people: `850ms`, `12.3s`, `2m05s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${sign}${Math.round(abs)}ms`;
  if (abs < 60_000) return `${sign}${(abs / 1_000).toFixed(abs < 10_000 ? 2 : 1)}s`;
  const minutes = Math.floor(abs / 60_000);
  const seconds = Math.round((abs - minutes * 60_000) / 1_000);
  return `${sign}${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/* ISO 8601 durations, as AWS FIS spells them (PT5M, PT30S, PT1H). */

/** `PT5M30S` from milliseconds (whole seconds, at least one). */
export function isoDuration(ms: number): string {
  let s = Math.max(1, Math.round(ms / 1_000));
  const h = Math.floor(s / 3_600);
  s -= h * 3_600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `PT${h > 0 ? `${h}H` : ''}${m > 0 ? `${m}M` : ''}${s > 0 ? `${s}S` : ''}`;
}

function parseIso(text: string): DurationParse {
  const input = text.trim().toUpperCase();
  const m = ISO.exec(input);
  // `P` and `PT` alone match the pattern but name no length.
  if (m === null || /^PT?$/.test(input) || input.endsWith('T')) {
    const why = /^P(?:\d+(?:\.\d+)?[YW]|[^T]*\d+(?:\.\d+)?M)/.test(input)
      ? ': years, months and weeks vary in length; use days (D) and a time part (T…H…M…S)'
      : '';
    return { ok: false, reason: `'${text}' is not an ISO 8601 duration${why} (use e.g. ${ISO_EXAMPLES})` };
  }
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((x) => Number(x ?? 0));
  const ms = (((d ?? 0) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60_000 + (s ?? 0) * 1_000;
  return { ok: true, ms: Math.round(ms * 1000) / 1000 };
}

/** Milliseconds of an ISO 8601 duration such as PT5M (FIS's parameters); undefined when it is not one. */
export function parseIsoDuration(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*p/i.test(text)) return undefined;
  const parsed = parseIso(text);
  return parsed.ok ? parsed.ms : undefined;
}
