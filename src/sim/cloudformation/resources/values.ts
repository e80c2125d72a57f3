import type { CfnValue } from '../intrinsics.js';
import { TemplateError } from '../template-error.js';
import { isMap } from './context.js';

/* Property values as the resource families read them: numbers, booleans and tag lists, each refused with its path. */

/** A number property, or `fallback` when it is absent. */
export function number(v: CfnValue | undefined, path: string, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new TemplateError(path, `is ${v === undefined ? 'missing' : `'${String(v)}'`} where a number is required`);
  return n;
}

/** A boolean property (true/false or their strings), or `fallback` when it is absent. */
export function bool(v: CfnValue | undefined, path: string, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new TemplateError(path, `is '${String(v)}' where true or false is required`);
}

/** A `[{ Key, Value }]` tag list as a map. */
export function tags(v: CfnValue | undefined, path: string): Record<string, string> {
  if (v === undefined) return {};
  if (!Array.isArray(v)) throw new TemplateError(path, 'is a list of { Key, Value }');
  const out: Record<string, string> = {};
  v.forEach((t, i) => {
    if (!isMap(t) || typeof t.Key !== 'string' || (typeof t.Value !== 'string' && typeof t.Value !== 'number'))
      throw new TemplateError(`${path}[${i}]`, 'a tag is { Key, Value }');
    out[t.Key] = String(t.Value);
  });
  return out;
}
