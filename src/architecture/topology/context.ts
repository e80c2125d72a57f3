import type { Architecture } from '../model.js';

/** What every part of the mapping shares. */
export interface MapContext {
  a: Architecture;
  notes: string[];
  /** Topology names: one namer per kind of resource. */
  names: Record<'launchTemplate' | 'loadBalancer' | 'targetGroup' | 'group' | 'instance' | 'healthCheck' | 'nat' | 'db', Namer>;
  /** Full names of the topology's zones. */
  zones: string[];
  /** A zone as the topology writes it: the suffix of a zone of the region (`a`), else the full name. */
  zone(name: string): string;
  /** ARN → topology name of what the mapping has declared so far. */
  loadBalancerByArn: Map<string, string>;
  targetGroupByArn: Map<string, string>;
  /** Launch template id → topology name. */
  launchTemplateById: Map<string, string>;
}

/** AWS tags the twin carries: AWS's own (`aws:` prefix) are set by AWS itself, and the simulated region sets them too. */
export function userTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => !k.startsWith('aws:')));
}

/** Seconds as a topology duration. */
export function seconds(s: number): string {
  return `${s}s`;
}

/**
 * Turns AWS names into names a topology accepts (`pattern`, at most `max` characters), keeps each mapping, makes
 * names unique within their kind, and notes every name it had to change, so a reader of the twin can find the
 * resource in the account.
 */
export class Namer {
  readonly #byOriginal = new Map<string, string>();
  readonly #taken = new Set<string>();

  constructor(
    private readonly kind: string,
    private readonly notes: string[],
    private readonly rule: { pattern: RegExp; max: number; lower: boolean },
  ) {}

  /** The topology name of `original` (the same each time it is asked). */
  name(original: string): string {
    const known = this.#byOriginal.get(original);
    if (known !== undefined) return known;
    let base = (this.rule.lower ? original.toLowerCase() : original)
      .replace(/[^A-Za-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-|-$/g, '');
    if (!/^[A-Za-z]/.test(base)) base = `x-${base}`.replace(/-$/, '');
    base = base.slice(0, this.rule.max).replace(/-$/, '');
    let name = base;
    for (let i = 2; this.#taken.has(name) || !this.rule.pattern.test(name); i++) name = `${base.slice(0, this.rule.max - String(i).length - 1)}-${i}`;
    this.#taken.add(name);
    this.#byOriginal.set(original, name);
    if (name !== original) this.notes.push(`The ${this.kind} '${original}' is named '${name}' in the twin (topology names are letters, digits and -).`);
    return name;
  }

  /** Original → topology name, for every name given. */
  mapping(): Record<string, string> {
    return Object.fromEntries(this.#byOriginal);
  }
}
