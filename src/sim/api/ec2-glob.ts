import type { XmlValue } from '../protocol/xml.js';

/** EC2's filter values accept `*` and `?` wildcards. */
export function glob(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
  );
  return re.test(value);
}

/** Whether a value matches one of a filter's values. */
export function matchesAny(values: readonly string[], value: string | undefined): boolean {
  return value !== undefined && values.some((pattern) => glob(pattern, value));
}

/** EC2's `tagSet` of a resource. */
export function tagSet(tags: Record<string, string>): XmlValue {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

/** A `tag:<key>` or `tag-key` filter on a resource's tags; undefined when the filter is not a tag filter. */
export function tagFilter(tags: Record<string, string>, name: string, values: readonly string[]): boolean | undefined {
  if (name === 'tag-key') return Object.keys(tags).some((k) => matchesAny(values, k));
  if (name.startsWith('tag:')) return matchesAny(values, tags[name.slice(4)]);
  return undefined;
}
