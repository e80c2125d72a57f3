import { z } from 'zod';
import { DURATION_EXAMPLES, parseDuration } from './duration.js';
import { parseSelection } from './selection.js';

const DURATION_PATTERN =
  '^\\s*((\\d+(\\.\\d+)?\\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\\s*)+|P(?=\\d|T\\d)(\\d+(\\.\\d+)?D)?(T(\\d+(\\.\\d+)?H)?(\\d+(\\.\\d+)?M)?(\\d+(\\.\\d+)?S)?)?\\s*)$';

/** A duration field: text with a unit (or ISO 8601, as FIS writes it) in the file, milliseconds after parsing. */
export const duration = () =>
  z
    .string({ error: (iss) => `expected a duration such as ${DURATION_EXAMPLES}, got ${describe(iss.input)}` })
    .transform((text, ctx) => {
      const parsed = parseDuration(text);
      if (parsed.ok) return parsed.ms;
      ctx.addIssue({ code: 'custom', message: parsed.reason, input: text });
      return z.NEVER;
    })
    .meta({
      description: `A duration with its unit, e.g. ${DURATION_EXAMPLES}, or ISO 8601 as FIS writes it (PT5M).`,
      examples: ['30s', '5m', 'PT5M'],
      pattern: DURATION_PATTERN,
    });

/** A fraction: `5%` or `0.05`. Parsed to a number in [0, 1]. */
export const fraction = () =>
  z
    .union([z.number(), z.string()], { error: (iss) => `expected a percentage such as 5% or 0.05, got ${describe(iss.input)}` })
    .transform((value, ctx) => {
      const n = typeof value === 'number' ? value : /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.test(value) ? Number.parseFloat(value) / 100 : NaN;
      if (Number.isFinite(n) && n >= 0 && n <= 1) return n;
      ctx.addIssue({ code: 'custom', message: `'${String(value)}' is not a percentage between 0% and 100%`, input: value });
      return z.NEVER;
    })
    .meta({ description: 'A percentage, written 5% or 0.05.', examples: ['5%', '0.01'] });

/** A selection mode: ALL, COUNT(n) or PERCENT(n). */
export const selection = () =>
  z
    .string({ error: (iss) => `expected a selection mode (ALL, COUNT(n) or PERCENT(n)), got ${describe(iss.input)}` })
    .transform((text, ctx) => {
      const parsed = parseSelection(text);
      if (parsed.ok) return parsed.value;
      ctx.addIssue({ code: 'custom', message: parsed.reason, input: text });
      return z.NEVER;
    })
    .meta({ description: 'Which of the matching resources to act on: ALL, COUNT(n) or PERCENT(n).', examples: ['ALL', 'COUNT(1)', 'PERCENT(33)'] });

/** Names of probes, faults and rollbacks: referenced elsewhere, so kept simple. */
export const stepName = () =>
  z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, { error: 'a name must start with a letter and hold only letters, digits, - and _ (at most 63)' });

/** Describes a value's type the way a YAML author thinks of it. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `'${value}'`;
  return `${typeof value} ${String(value)}`;
}

/** An AWS Region's name, such as `us-east-1`. */
export const awsRegion = (): z.ZodString => z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "expected an AWS Region such as 'us-east-1'" });
