import type { CfnValue } from '../intrinsics.js';

/** A resource of the template, as declared. */
export interface Resource {
  id: string;
  type: string;
  raw: Record<string, unknown>;
  path: string;
}

/** The stack's zones, and the zones a list of subnet references spans. */
export interface Zones {
  list: string[];
  of(value: CfnValue | undefined, path: string): string[] | undefined;
}

/**
 * What a resource family needs of the template's evaluation: a resource's evaluated properties, the name the region
 * knows a resource by, which resource a value refers to, and a place to note what the sim does not honour.
 */
export interface TranslationContext {
  props(r: Resource): Record<string, CfnValue>;
  name(id: string): string;
  ownerOf(value: CfnValue | undefined): Resource | undefined;
  note(sentence: string): void;
}

/** Whether a template value is a map (not a list, not null). */
export function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
