import type { CfnValue } from './intrinsics.js';
import { isMap } from './resources/context.js';
import { TemplateError } from './template-error.js';

/** The template's parameters: each override or Default, checked against its declaration as CloudFormation does. */
export function parameterValues(doc: Record<string, unknown>, overrides: Record<string, string>, note: (sentence: string) => void): Map<string, CfnValue> {
  const declared = isMap(doc.Parameters) ? doc.Parameters : {};
  for (const key of Object.keys(overrides)) {
    if (!(key in declared)) throw new TemplateError(`Parameters.${key}`, `the template has no parameter ${key} to override`);
  }
  const out = new Map<string, CfnValue>();
  for (const [key, spec] of Object.entries(declared)) {
    const path = `Parameters.${key}`;
    if (!isMap(spec) || typeof spec.Type !== 'string') throw new TemplateError(`${path}.Type`, 'every parameter needs a Type');
    const given = overrides[key] ?? (spec.Default === undefined ? undefined : Array.isArray(spec.Default) ? spec.Default.join(',') : String(spec.Default));
    if (given === undefined) throw new TemplateError(path, `has no Default; give a value with --parameter ${key}=VALUE`);
    const type = spec.Type;
    const isList = type === 'CommaDelimitedList' || type.startsWith('List<');
    const values = isList ? given.split(',').map((v) => v.trim()) : [given];
    for (const v of values) checkParameter(path, spec, v, type);
    out.set(key, isList ? values : given);
    if (type.startsWith('AWS::SSM::Parameter::Value<'))
      note(`${path} is an SSM parameter type: AWS resolves '${given}' from Parameter Store; the simulated region uses the name as written.`);
  }
  return out;
}

function checkParameter(path: string, spec: Record<string, unknown>, value: string, type: string): void {
  const shown = `'${value}'`;
  if (type === 'Number' || type === 'List<Number>') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new TemplateError(path, `${shown} is not a number`);
    if (typeof spec.MinValue === 'number' && n < spec.MinValue) throw new TemplateError(path, `${shown} is below its MinValue ${spec.MinValue}`);
    if (typeof spec.MaxValue === 'number' && n > spec.MaxValue) throw new TemplateError(path, `${shown} is above its MaxValue ${spec.MaxValue}`);
  }
  if (Array.isArray(spec.AllowedValues) && !spec.AllowedValues.map(String).includes(value)) {
    throw new TemplateError(path, `${shown} is not one of its AllowedValues (${spec.AllowedValues.map(String).join(', ')})`);
  }
  if (typeof spec.AllowedPattern === 'string' && !new RegExp(`^(?:${spec.AllowedPattern})$`).test(value))
    throw new TemplateError(path, `${shown} does not match its AllowedPattern ${spec.AllowedPattern}`);
  if (typeof spec.MinLength === 'number' && value.length < spec.MinLength)
    throw new TemplateError(path, `${shown} is shorter than its MinLength ${spec.MinLength}`);
  if (typeof spec.MaxLength === 'number' && value.length > spec.MaxLength)
    throw new TemplateError(path, `${shown} is longer than its MaxLength ${spec.MaxLength}`);
}
