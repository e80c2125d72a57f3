import { parse, type Tags } from 'yaml';

/** Short-form intrinsics (`!Ref X`) and the long-form key each stands for. */
const SHORT_FORMS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
  FindInMap: 'Fn::FindInMap',
  GetAtt: 'Fn::GetAtt',
  GetAZs: 'Fn::GetAZs',
  ImportValue: 'Fn::ImportValue',
  Join: 'Fn::Join',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  Sub: 'Fn::Sub',
  Transform: 'Fn::Transform',
  And: 'Fn::And',
  Equals: 'Fn::Equals',
  If: 'Fn::If',
  Not: 'Fn::Not',
  Or: 'Fn::Or',
  Length: 'Fn::Length',
  ToJsonString: 'Fn::ToJsonString',
};

/**
 * YAML tags of CloudFormation's short form, each read as its long form: `!Ref X` is `{ Ref: X }`, `!GetAtt A.B` is
 * `{ 'Fn::GetAtt': [A, B] }`. Unknown functions still parse (as their long form) so evaluation can name them.
 */
export const CLOUDFORMATION_TAGS: Tags = Object.entries(SHORT_FORMS).flatMap(([short, long]) => [
  {
    tag: `!${short}`,
    resolve: (text: string): unknown => {
      if (short !== 'GetAtt') return { [long]: text };
      const dot = text.indexOf('.');
      return { [long]: dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)] };
    },
  },
  { tag: `!${short}`, collection: 'seq' as const, resolve: (seq: { toJSON(): unknown }): unknown => ({ [long]: seq.toJSON() }) },
  { tag: `!${short}`, collection: 'map' as const, resolve: (map: { toJSON(): unknown }): unknown => ({ [long]: map.toJSON() }) },
]);

/** Parses a YAML document that may use CloudFormation's short-form intrinsics (plain topologies parse the same). */
export function parseTemplateYaml(text: string): unknown {
  return parse(text, { customTags: CLOUDFORMATION_TAGS, uniqueKeys: true });
}

/** Whether a parsed document is a CloudFormation template rather than a sim topology. */
export function isCloudFormationTemplate(doc: unknown): doc is Record<string, unknown> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return false;
  const d = doc as Record<string, unknown>;
  if ('AWSTemplateFormatVersion' in d) return true;
  const resources = d.Resources;
  if (resources === null || typeof resources !== 'object' || Array.isArray(resources)) return false;
  return Object.values(resources).some(
    (r) => r !== null && typeof r === 'object' && typeof (r as { Type?: unknown }).Type === 'string' && (r as { Type: string }).Type.startsWith('AWS::'),
  );
}
