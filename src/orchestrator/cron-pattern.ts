/**
 * A cron pattern read field by field before BullMQ reads it, so that a wrong value is named with its field and what
 * that field accepts; BullMQ's parser stays the judge of everything this lets through (`L`, `W`, `#`, steps).
 */

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names the field accepts besides numbers, in order from `min` (JAN = 1, SUN = 0). */
  names?: readonly string[];
  /** How the accepted values read in a message. */
  accepted: string;
  /** Letters cron-parser gives a meaning to in this field (last day, weekday). */
  special?: RegExp;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const SECOND: CronField = { name: 'second', min: 0, max: 59, accepted: 'a number 0-59' };
const FIVE: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59, accepted: 'a number 0-59' },
  { name: 'hour', min: 0, max: 23, accepted: 'a number 0-23' },
  { name: 'day of month', min: 1, max: 31, accepted: 'a number 1-31 or L', special: /^(L|LW|\d+W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS, accepted: 'a number 1-12 or JAN-DEC' },
  { name: 'day of week', min: 0, max: 7, names: DAYS, accepted: 'a number 0-7 or MON-SUN', special: /^(L|\d+L|\d+#\d+)$/ },
];

/** Why one value of a field (a range's end, a list item) is wrong, or undefined when it may be right. */
function valueProblem(field: CronField, value: string): string | undefined {
  // H is cron-parser's hashed value, valid in every field.
  if (value === '*' || value === '?' || /^H$/i.test(value) || field.special?.test(value.toUpperCase()) === true) return undefined;
  if (/^\d+$/.test(value)) return Number(value) >= field.min && Number(value) <= field.max ? undefined : `${field.name} "${value}" is not ${field.accepted}`;
  if (/^[A-Za-z]+$/.test(value) && field.names?.includes(value.toUpperCase()) === true) return undefined;
  return /^[A-Za-z0-9]+$/.test(value) ? `${field.name} "${value}" is not ${field.accepted}` : undefined;
}

/**
 * What is wrong with a cron pattern, in words naming the field and value (`day of week "sda" is not a number 0-7 or
 * MON-SUN`), or undefined when this reading finds nothing wrong.
 */
export function cronProblem(pattern: string): string | undefined {
  const parts = pattern.trim().split(/\s+/);
  const fields = parts.length === 6 ? [SECOND, ...FIVE] : parts.length === 5 ? FIVE : undefined;
  if (fields === undefined)
    return `it has ${parts.length} field${parts.length === 1 ? '' : 's'}; give five (minute hour day-of-month month day-of-week, e.g. "0 10 * * TUE"), or six with seconds first`;
  for (const [i, field] of fields.entries()) {
    for (const item of (parts[i] ?? '').split(',')) {
      const [range = '', step] = item.split('/');
      if (step !== undefined && !/^\d+$/.test(step)) return `${field.name} "${item}" has a step "${step}" that is not a whole number`;
      for (const end of range.split('-')) {
        const problem = valueProblem(field, end);
        if (problem !== undefined) return problem;
      }
    }
  }
  return undefined;
}
