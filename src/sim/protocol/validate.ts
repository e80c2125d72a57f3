import { XMLParser } from 'fast-xml-parser';
import { SimApiError } from './errors.js';
import type { SimRequest } from './reply.js';

/**
 * Input validation against the constraints of AWS's service models, before an operation runs, so each service file
 * holds only its operations. AWS checks a request against its model first: a missing required member or a value
 * outside its length, range, enum or pattern is the protocol's validation error, never a not-found nor a success.
 * The table (`constraints.ts`) is generated from botocore by `scripts/sim-constraints.mjs`.
 */

/** One top-level input member's constraints, as `constraints.ts` lists them. */
export interface MemberConstraint {
  /** The member's name in the model. */
  name: string;
  /** Its name on the wire: the query key (EC2's `queryName`), the JSON key or the XML element. */
  wire: string;
  /** In the body (form, JSON or XML document) or in the URL's query string. */
  in: 'body' | 'query';
  /** String, number, list, or other (only its presence is checked). */
  type: 's' | 'n' | 'l' | 'o';
  required?: boolean;
  /** A string's least length, a number's least value, a list's least items. */
  min?: number;
  max?: number;
  enum?: string[];
  /** The model's pattern (Java syntax; checked when JavaScript reads it the same way). */
  pattern?: string;
}

/** The constraints of one service's served operations. */
export interface ServiceConstraints {
  protocol: string;
  operations: Record<string, { members: MemberConstraint[]; root?: string }>;
}

/** The generated table: by SigV4 signing name. */
export type InputConstraints = Readonly<Record<string, ServiceConstraints>>;

/** A member's value as the request carries it: its text, its list's length, or present without either. */
type Found = { kind: 'absent' } | { kind: 'text'; text: string } | { kind: 'items'; count: number } | { kind: 'present' };

const ABSENT: Found = { kind: 'absent' };
const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, removeNSPrefix: true });
const patterns = new Map<string, RegExp | null>();

function regex(pattern: string): RegExp | null {
  let r = patterns.get(pattern);
  if (r === undefined) {
    try {
      r = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      r = null; // a Java-only construct: left to the operation
    }
    patterns.set(pattern, r);
  }
  return r;
}

/** The query protocols: `Name`, `Name.1` (EC2) or `Name.member.1` (awsQuery); an empty list is sent as `Name=`. */
function fromForm(req: SimRequest, m: MemberConstraint): Found {
  const form = new URLSearchParams(req.body);
  const value = form.get(m.wire);
  if (m.type === 'l') {
    const items = new Set<string>();
    for (const key of form.keys()) {
      const rest = key.startsWith(`${m.wire}.`) ? key.slice(m.wire.length + 1).replace(/^member\./, '') : undefined;
      if (rest !== undefined) items.add(rest.split('.')[0] ?? '');
    }
    return items.size > 0 || value !== null ? { kind: 'items', count: items.size } : ABSENT;
  }
  if (value !== null) return { kind: 'text', text: value };
  return [...form.keys()].some((k) => k.startsWith(`${m.wire}.`)) ? { kind: 'present' } : ABSENT;
}

function fromJsonValue(v: unknown): Found {
  if (v === undefined || v === null) return ABSENT;
  if (Array.isArray(v)) return { kind: 'items', count: v.length };
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return { kind: 'text', text: String(v) };
  return { kind: 'present' };
}

function fromXmlValue(v: unknown, list: boolean): Found {
  if (v === undefined || v === null) return ABSENT;
  if (typeof v === 'string') return list ? { kind: 'items', count: v.trim() === '' ? 0 : 1 } : { kind: 'text', text: v };
  if (typeof v === 'object' && !Array.isArray(v)) {
    // A wrapped list (`<AddTags><Tag/>…</AddTags>`): its items are the one child's occurrences.
    const children = Object.values(v);
    const first = children[0];
    return { kind: 'items', count: children.length === 0 ? 0 : Array.isArray(first) ? first.length : 1 };
  }
  return { kind: 'present' };
}

/** Reads each member where the service's protocol puts it. */
function reader(protocol: string, req: SimRequest, root: string | undefined): (m: MemberConstraint) => Found {
  // CloudWatch serves awsQuery beside its JSON protocol: a call without X-Amz-Target is a form.
  if (protocol === 'ec2' || protocol === 'query' || (protocol === 'json' && req.target === undefined)) return (m) => fromForm(req, m);
  const fromQuery = (m: MemberConstraint): Found => {
    const all = req.query.getAll(m.wire);
    if (all.length === 0) return ABSENT;
    return m.type === 'l' ? { kind: 'items', count: all.length } : { kind: 'text', text: all[0] ?? '' };
  };
  if (protocol === 'rest-xml') {
    let doc: Record<string, unknown> = {};
    if (root !== undefined && req.body.trim() !== '') {
      try {
        const parsed = xml.parse(req.body, true) as Record<string, unknown>;
        const r = parsed[root];
        if (typeof r === 'object' && r !== null) doc = r as Record<string, unknown>;
      } catch {
        // A body that is not XML is the operation's own error to answer.
      }
    }
    return (m) => (m.in === 'query' ? fromQuery(m) : fromXmlValue(doc[m.wire], m.type === 'l'));
  }
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = req.body === '' ? {} : JSON.parse(req.body);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // A body that is not JSON is the operation's own error to answer.
  }
  return (m) => (m.in === 'query' ? fromQuery(m) : fromJsonValue(body[m.wire]));
}

/** The constraint a value breaks, in the words AWS's validation uses, or undefined. */
function broken(m: MemberConstraint, found: Found): string | undefined {
  if (found.kind === 'absent') return m.required === true ? 'Member must not be null' : undefined;
  if (found.kind === 'items') {
    if (m.min !== undefined && found.count < m.min) return `Member must have length greater than or equal to ${m.min}`;
    if (m.max !== undefined && found.count > m.max) return `Member must have length less than or equal to ${m.max}`;
    return undefined;
  }
  if (found.kind !== 'text') return undefined;
  const text = found.text;
  if (m.type === 'n') {
    const n = Number(text);
    if (text.trim() === '' || Number.isNaN(n)) return 'Member must be a number';
    if (m.min !== undefined && n < m.min) return `Member must have value greater than or equal to ${m.min}`;
    if (m.max !== undefined && n > m.max) return `Member must have value less than or equal to ${m.max}`;
    return undefined;
  }
  if (m.type !== 's') return undefined;
  const length = [...text].length;
  if (m.min !== undefined && length < m.min) return `Member must have length greater than or equal to ${m.min}`;
  if (m.max !== undefined && length > m.max) return `Member must have length less than or equal to ${m.max}`;
  if (m.enum !== undefined && !m.enum.includes(text)) return `Member must satisfy enum value set: [${m.enum.join(', ')}]`;
  const p = m.pattern === undefined ? null : regex(m.pattern);
  if (p !== null && m.pattern !== undefined && !p.test(text)) return `Member must satisfy regular expression pattern: ${m.pattern}`;
  return undefined;
}

/**
 * The protocol's error for the first member that breaks its constraint. EC2 answers `MissingParameter` or
 * `InvalidParameterValue` (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html); the awsQuery
 * and JSON services `ValidationError` (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html);
 * Route 53 `InvalidInput` (https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateHostedZone.html#API_CreateHostedZone_Errors);
 * FIS `ValidationException` (https://docs.aws.amazon.com/fis/latest/APIReference/CommonErrors.html). All 400.
 */
function validationError(protocol: string, m: MemberConstraint, found: Found, why: string): SimApiError {
  const shown = found.kind === 'text' ? `'${found.text.replace(/[^\x20-\x7e]/g, '?')}'` : found.kind === 'absent' ? 'null' : 'the value';
  const member = m.name.charAt(0).toLowerCase() + m.name.slice(1);
  const message = `1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${why}`;
  if (protocol === 'ec2') {
    return found.kind === 'absent'
      ? new SimApiError('MissingParameter', `The request must contain the parameter ${m.wire}`)
      : new SimApiError('InvalidParameterValue', `Value (${shown}) for parameter ${m.wire} is invalid. ${why}.`);
  }
  if (protocol === 'rest-xml') return new SimApiError('InvalidInput', message);
  if (protocol === 'rest-json') return new SimApiError('ValidationException', message);
  return new SimApiError('ValidationError', message);
}

/**
 * Throws the protocol's validation error when a request to a served operation breaks a constraint of its top-level
 * input members in AWS's model; does nothing for an operation the table does not list.
 */
export function validateInput(table: InputConstraints, service: string, operation: string, req: SimRequest): void {
  const svc = table[service];
  const op = svc?.operations[operation];
  if (svc === undefined || op === undefined) return;
  const read = reader(svc.protocol, req, op.root);
  for (const m of op.members) {
    const found = read(m);
    const why = broken(m, found);
    if (why !== undefined) throw validationError(svc.protocol, m, found, why);
  }
}
