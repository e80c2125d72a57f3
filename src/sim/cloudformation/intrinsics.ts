import { TemplateError } from './template-error.js';

/** A value of a template after evaluation: what CloudFormation would hand the resource provider. */
export type CfnValue = string | number | boolean | null | CfnValue[] | { [key: string]: CfnValue };

/** `Ref: AWS::NoValue`: the property is removed, as if it were never written. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** How the evaluator reaches the template's resources; the translator decides what each returns. */
export interface ResourceResolver {
  has(logicalId: string): boolean;
  /** What `Ref` returns for a resource of the template. */
  ref(logicalId: string, path: string): CfnValue;
  /** What `Fn::GetAtt` returns; throws a TemplateError naming `path` for an attribute it does not know. */
  getAtt(logicalId: string, attribute: string, path: string): CfnValue;
}

/** Everything an intrinsic function can see. */
export interface EvaluationScope {
  region: string;
  accountId: string;
  stackName: string;
  /** Parameter values after defaults and overrides (lists for the list types). */
  parameters: ReadonlyMap<string, CfnValue>;
  mappings: Readonly<Record<string, unknown>>;
  /** The value of a named condition of the template's Conditions. */
  condition(name: string, path: string): boolean;
  resources: ResourceResolver;
  /** What `Fn::GetAZs` returns for a region. */
  availabilityZones(region: string): string[];
  /**
   * Writes every literal `${` as `$${`, so that the `${sim:…}` references resources produce stay the only live ones
   * (the convention of experiment interpolation).
   */
  escapeLiterals?: boolean;
}

const PSEUDO = new Set([
  'AWS::Region',
  'AWS::AccountId',
  'AWS::StackName',
  'AWS::StackId',
  'AWS::Partition',
  'AWS::URLSuffix',
  'AWS::NoValue',
  'AWS::NotificationARNs',
]);

function isIntrinsic(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0] ?? '').startsWith('Fn::'));
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'a map' : `'${String(value)}'`;
}

/**
 * Evaluates a template value: intrinsic functions are applied, `AWS::NoValue` properties dropped. Anything that cannot
 * be evaluated is a TemplateError naming `path`.
 */
export function evaluate(value: unknown, path: string, scope: EvaluationScope): CfnValue | typeof NO_VALUE {
  if (typeof value === 'string') return scope.escapeLiterals === true ? value.replaceAll('${', '$${') : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return value ?? null;
  if (Array.isArray(value)) {
    const out: CfnValue[] = [];
    value.forEach((item, i) => {
      const v = evaluate(item, `${path}[${i}]`, scope);
      if (v !== NO_VALUE) out.push(v);
    });
    return out;
  }
  if (typeof value !== 'object') throw new TemplateError(path, `holds a ${typeof value}, which a template cannot`);
  if (isIntrinsic(value)) return applyFunction(value, path, scope);
  const out: Record<string, CfnValue> = {};
  for (const [k, v] of Object.entries(value)) {
    const e = evaluate(v, `${path}.${k}`, scope);
    if (e !== NO_VALUE) out[k] = e;
  }
  return out;
}

/** Evaluates a value that must be present (`AWS::NoValue` is not allowed there). */
export function evaluateValue(value: unknown, path: string, scope: EvaluationScope): CfnValue {
  const v = evaluate(value, path, scope);
  if (v === NO_VALUE) throw new TemplateError(path, 'is AWS::NoValue where a value is required');
  return v;
}

/** The truth of a condition expression: `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` or `{ Condition: name }`. */
export function evaluateCondition(value: unknown, path: string, scope: EvaluationScope): boolean {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && 'Condition' in value) {
    const name = (value as { Condition: unknown }).Condition;
    if (typeof name !== 'string') throw new TemplateError(path, 'Condition names a condition by a string');
    return scope.condition(name, path);
  }
  const v = evaluateValue(value, path, scope);
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new TemplateError(path, `is ${describe(v)} where a condition (Fn::Equals, Fn::And, Fn::Or, Fn::Not) is required`);
}

function args(fn: string, raw: unknown, count: number | [number, number], path: string): unknown[] {
  const [min, max] = typeof count === 'number' ? [count, count] : count;
  if (!Array.isArray(raw) || raw.length < min || raw.length > max) {
    const n = min === max ? `${min}` : `${min} to ${max}`;
    throw new TemplateError(path, `${fn} takes a list of ${n} arguments`);
  }
  return raw;
}

function text(fn: string, v: CfnValue, path: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateError(path, `${fn} needs a string here, not ${describe(v)}`);
}

function list(fn: string, v: CfnValue, path: string): CfnValue[] {
  if (!Array.isArray(v)) throw new TemplateError(path, `${fn} needs a list here, not ${describe(v)}`);
  return v;
}

function ref(name: unknown, path: string, scope: EvaluationScope): CfnValue | typeof NO_VALUE {
  if (typeof name !== 'string') throw new TemplateError(path, 'Ref names a parameter or resource by a string');
  if (PSEUDO.has(name)) return pseudo(name, scope);
  const param = scope.parameters.get(name);
  if (param !== undefined) return scope.escapeLiterals === true && typeof param === 'string' ? param.replaceAll('${', '$${') : param;
  if (scope.resources.has(name)) return scope.resources.ref(name, path);
  if (name.startsWith('AWS::')) throw new TemplateError(path, `Ref names the pseudo parameter ${name}, which does not exist`);
  throw new TemplateError(path, `Ref names '${name}', which is neither a parameter nor a resource of the template`);
}

function pseudo(name: string, scope: EvaluationScope): CfnValue | typeof NO_VALUE {
  switch (name) {
    case 'AWS::Region':
      return scope.region;
    case 'AWS::AccountId':
      return scope.accountId;
    case 'AWS::StackName':
      return scope.stackName;
    case 'AWS::StackId':
      return `arn:aws:cloudformation:${scope.region}:${scope.accountId}:stack/${scope.stackName}/00000000-0000-0000-0000-000000000000`;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::NotificationARNs':
      return [];
    default:
      return NO_VALUE;
  }
}

function getAtt(raw: unknown, path: string, scope: EvaluationScope): CfnValue {
  const parts =
    typeof raw === 'string'
      ? [raw.slice(0, raw.indexOf('.') < 0 ? undefined : raw.indexOf('.')), raw.includes('.') ? raw.slice(raw.indexOf('.') + 1) : undefined]
      : raw;
  if (!Array.isArray(parts) || parts.length !== 2) throw new TemplateError(path, 'Fn::GetAtt takes [resource, attribute]');
  const [logicalId, attribute] = parts as unknown[];
  const attr = typeof attribute === 'string' ? attribute : evaluateValue(attribute, path, scope);
  if (typeof logicalId !== 'string' || typeof attr !== 'string') throw new TemplateError(path, 'Fn::GetAtt takes [resource, attribute] as strings');
  if (!scope.resources.has(logicalId)) throw new TemplateError(path, `Fn::GetAtt names '${logicalId}', which is not a resource of the template`);
  return scope.resources.getAtt(logicalId, attr, path);
}

function sub(raw: unknown, path: string, scope: EvaluationScope): string {
  let template: unknown = raw;
  let vars: Record<string, unknown> = {};
  if (Array.isArray(raw)) {
    const [t, v] = args('Fn::Sub', raw, 2, path);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TemplateError(path, 'Fn::Sub takes a string and a map of variables');
    template = t;
    vars = v as Record<string, unknown>;
  }
  if (typeof template !== 'string') throw new TemplateError(path, 'Fn::Sub substitutes into a string');
  const escapeLiteral = (s: string): string => (scope.escapeLiterals === true ? s.replaceAll('${', '$${') : s);
  let out = '';
  let last = 0;
  for (const m of template.matchAll(/\$\{([^}]*)\}/g)) {
    out += escapeLiteral(template.slice(last, m.index));
    last = m.index + m[0].length;
    const name = (m[1] ?? '').trim();
    if (name.startsWith('!')) {
      out += `${scope.escapeLiterals === true ? '$$' : '$'}{${name.slice(1)}}`;
      continue;
    }
    let v: CfnValue | typeof NO_VALUE;
    if (name in vars) v = evaluate(vars[name], `${path}.${name}`, scope);
    else if (name.includes('.') && !scope.parameters.has(name)) v = getAtt(name, path, scope);
    else v = ref(name, path, scope);
    if (v === NO_VALUE) throw new TemplateError(path, `Fn::Sub cannot substitute AWS::NoValue for \${${name}}`);
    out += text('Fn::Sub', v, path);
  }
  return out + escapeLiteral(template.slice(last));
}

function cidr(raw: unknown, path: string, scope: EvaluationScope): string[] {
  const [block, count, bits] = args('Fn::Cidr', raw, 3, path).map((a) => evaluateValue(a, path, scope));
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(typeof block === 'string' ? block : '');
  const n = Number(count);
  const b = Number(bits);
  if (m === null) throw new TemplateError(path, `Fn::Cidr needs an IPv4 CIDR block, not ${describe(block)}`);
  const prefix = Number(m[5]);
  if (!Number.isInteger(n) || n < 1 || n > 256 || !Number.isInteger(b) || b < 1 || 32 - b < prefix) {
    throw new TemplateError(path, `Fn::Cidr cannot cut ${n} blocks of ${b} host bits from ${String(block)}`);
  }
  const base = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** b;
  if (n * size > 2 ** (32 - prefix)) throw new TemplateError(path, `Fn::Cidr cannot cut ${n} blocks of /${32 - b} from ${String(block)}`);
  const start = base - (base % 2 ** (32 - prefix));
  return Array.from({ length: n }, (_, i) => {
    const ip = start + i * size;
    return `${[24, 16, 8, 0].map((s) => Math.floor(ip / 2 ** s) % 256).join('.')}/${32 - b}`;
  });
}

function applyFunction(value: Record<string, unknown>, path: string, scope: EvaluationScope): CfnValue | typeof NO_VALUE {
  const [fn, raw] = Object.entries(value)[0] as [string, unknown];
  switch (fn) {
    case 'Ref':
      return ref(raw, path, scope);
    case 'Fn::GetAtt':
      return getAtt(raw, path, scope);
    case 'Fn::Sub':
      return sub(raw, path, scope);
    case 'Fn::Join': {
      const [delim, items] = args(fn, raw, 2, path);
      if (typeof delim !== 'string') throw new TemplateError(path, 'Fn::Join takes a delimiter string first');
      return list(fn, evaluateValue(items, path, scope), path)
        .map((v) => text(fn, v, path))
        .join(delim);
    }
    case 'Fn::Select': {
      const [index, items] = args(fn, raw, 2, path);
      const i = Number(evaluateValue(index, path, scope));
      const all = list(fn, evaluateValue(items, path, scope), path);
      if (!Number.isInteger(i) || i < 0 || i >= all.length)
        throw new TemplateError(path, `Fn::Select asks for item ${String(index)} of a list of ${all.length}`);
      return all[i] as CfnValue;
    }
    case 'Fn::Split': {
      const [delim, source] = args(fn, raw, 2, path);
      if (typeof delim !== 'string') throw new TemplateError(path, 'Fn::Split takes a delimiter string first');
      return text(fn, evaluateValue(source, path, scope), path).split(delim);
    }
    case 'Fn::GetAZs': {
      const region = raw === '' || raw === null ? scope.region : text(fn, evaluateValue(raw, path, scope), path);
      return scope.availabilityZones(region === '' ? scope.region : region);
    }
    case 'Fn::FindInMap': {
      const [map, top, second] = args(fn, raw, 3, path).map((a) => text(fn, evaluateValue(a, path, scope), path));
      const found = (scope.mappings[map as string] as Record<string, Record<string, unknown>> | undefined)?.[top as string]?.[second as string];
      if (found === undefined) throw new TemplateError(path, `Fn::FindInMap finds no Mappings.${map}.${top}.${second}`);
      return evaluateValue(found, `Mappings.${map}.${top}.${second}`, scope);
    }
    case 'Fn::Base64':
      return Buffer.from(text(fn, evaluateValue(raw, path, scope), path)).toString('base64');
    case 'Fn::Cidr':
      return cidr(raw, path, scope);
    case 'Fn::If': {
      const [name, whenTrue, whenFalse] = args(fn, raw, 3, path);
      if (typeof name !== 'string') throw new TemplateError(path, 'Fn::If names a condition by a string first');
      return evaluate(scope.condition(name, path) ? whenTrue : whenFalse, path, scope);
    }
    case 'Fn::Equals': {
      const [a, b] = args(fn, raw, 2, path).map((x) => evaluateValue(x, path, scope));
      const norm = (x: CfnValue): string => (typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : JSON.stringify(x));
      return norm(a as CfnValue) === norm(b as CfnValue);
    }
    case 'Fn::And':
      return args(fn, raw, [2, 10], path).every((c) => evaluateCondition(c, path, scope));
    case 'Fn::Or':
      return args(fn, raw, [2, 10], path).some((c) => evaluateCondition(c, path, scope));
    case 'Fn::Not':
      return !evaluateCondition(args(fn, raw, 1, path)[0], path, scope);
    case 'Fn::ImportValue':
      throw new TemplateError(path, 'Fn::ImportValue imports an export of another stack, which the simulated region does not have');
    default:
      throw new TemplateError(path, `uses ${fn}, an intrinsic function the simulated region cannot evaluate`);
  }
}
