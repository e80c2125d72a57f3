import { awsJsonError, awsJsonOperation, awsJsonReply } from './aws-json.js';
import { SimApiError } from './errors.js';
import { jsonInput } from './json.js';
import type { QueryParams } from './query.js';
import { queryError, queryResponse } from './aws-query.js';
import type { SimRequest, SimService, WireReply } from './reply.js';
import type { XmlValue } from './xml.js';

/*
 * A service that speaks awsJson1_0 and, for older clients, awsQuery (CloudWatch: `awsQueryCompatible` in its model).
 * A request with `X-Amz-Target` is JSON; any other is an awsQuery form. Operations take one input shape and give one
 * output shape whatever the protocol: nested records and arrays, numbers, booleans, strings and Dates.
 */

/** An output value of a protocol-neutral operation. */
export type WireValue = string | number | boolean | Date | undefined | WireValue[] | { [k: string]: WireValue };

/** What a protocol-neutral operation answers: its output members, or null for an operation without output. */
export type WireResult = Record<string, WireValue> | null;

/**
 * The nested input of an awsQuery form: `A.member.2.B=x` becomes `{ A: [, { B: 'x' }] }` with the list compacted, so
 * an operation reads the same shape it reads from JSON. Values stay strings; read them with {@link inputNumber} etc.
 */
export function queryInput(params: QueryParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of params.entries()) {
    if (key === 'Action' || key === 'Version') continue;
    const parts = key.split('.');
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i++) {
      let part: string | number = parts[i] ?? '';
      if (part === 'member' && Array.isArray(node)) continue;
      if (Array.isArray(node)) part = Number(part) - 1;
      const last = i === parts.length - 1;
      const nextIsList = parts[i + 1] === 'member';
      const holder = node as Record<string | number, unknown>;
      if (last) holder[part] = value;
      else {
        holder[part] ??= nextIsList ? [] : {};
        node = holder[part] as Record<string, unknown> | unknown[];
      }
    }
  }
  return compact(root) as Record<string, unknown>;
}

function compact(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(compact);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compact(x)]));
  return v;
}

/** A numeric input member (a JSON number, or the string of an awsQuery form); the service's error when it is not one. */
export function inputNumber(v: unknown, member: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw new SimApiError('InvalidParameterValue', `The parameter ${member} must be a number.`);
  return n;
}

/** A timestamp input member: epoch seconds in JSON, ISO 8601 (or epoch seconds) in awsQuery. */
export function inputTime(v: unknown, member: string): Date | undefined {
  if (v === undefined || v === null) return undefined;
  const d = typeof v === 'number' ? new Date(v * 1_000) : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? new Date(Number(v) * 1_000) : new Date(String(v));
  if (Number.isNaN(d.getTime())) throw new SimApiError('InvalidParameterValue', `The parameter ${member} must be a timestamp.`);
  return d;
}

/** A boolean input member (`true`/`false` in awsQuery). */
export function inputBool(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  return v === true || v === 'true';
}

/** A list input member; absent is empty. */
export function inputList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A string input member. */
export function inputString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function toJson(v: WireValue): unknown {
  if (v instanceof Date) return v.getTime() / 1_000;
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}

function toXml(v: WireValue): XmlValue {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(toXml);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toXml(x)]));
  return v;
}

const isJson = (req: SimRequest | undefined): boolean => req?.target !== undefined;

/** A service that answers awsJson1_0 (with `targetPrefix`) and awsQuery (in `namespace`) with the same operations. */
export function awsQueryCompatibleService<World>(
  targetPrefix: string,
  namespace: string,
  operations: (world: World, operation: string, input: Record<string, unknown>) => WireResult,
): SimService<World> {
  return {
    route: (req) => ({ operation: isJson(req) ? awsJsonOperation(req.target, targetPrefix) : req.params.action || 'Unknown', path: [] }),
    handle: (world, req, route): WireReply => {
      if (isJson(req)) return awsJsonReply(toJson(operations(world, route.operation, jsonInput(req.body, 'SerializationException')) ?? {}));
      const result = operations(world, route.operation, queryInput(req.params));
      return queryResponse(namespace, route.operation, result === null ? null : (toXml(result) as Record<string, XmlValue>));
    },
    // An operation the service does not have: awsQuery's InvalidAction, the JSON protocol's UnknownOperationException.
    error: (e, req) =>
      isJson(req)
        ? awsJsonError(e.code === 'InvalidAction' ? new SimApiError('UnknownOperationException', e.message, e.status, e.sender) : e)
        : queryError(namespace, e),
  };
}
