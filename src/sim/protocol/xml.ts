import { XMLBuilder } from 'fast-xml-parser';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });

/** A list whose elements have their own name (RDS writes `<DBInstances><DBInstance>…`, not `<member>`). */
export class XmlList {
  constructor(
    readonly item: string,
    readonly values: XmlValue[],
  ) {}
}

/** A response value: `undefined` fields are left out; lists follow the protocol's convention (see {@link xmlTree}). */
export type XmlValue = string | number | boolean | null | undefined | XmlList | XmlValue[] | { [k: string]: XmlValue };

/**
 * The builder's tree of a value. Arrays become elements named `listItem` (`item` in EC2 query, `member` in awsQuery),
 * or, without one, repeat their parent element (restXml).
 */
export function xmlTree(value: XmlValue, listItem?: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (value instanceof XmlList) return value.values.length === 0 ? '' : { [value.item]: value.values.map((v) => xmlTree(v, listItem)) };
  if (Array.isArray(value)) {
    if (listItem === undefined) return value.map((v) => xmlTree(v));
    return value.length === 0 ? '' : { [listItem]: value.map((v) => xmlTree(v, listItem)) };
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const s = xmlTree(v, listItem);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return value;
}

/** Characters XML 1.0 cannot carry even escaped: an echoed request value holding one would make the reply unreadable. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to drop
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

/** XML text of a builder tree. */
export function buildXml(tree: Record<string, unknown>): string {
  return (builder.build(tree) as string).replace(NOT_XML, '\ufffd');
}

/** The `Tag` list of a resource's tags, as RDS and Route 53 write it (`<Tag><Key/><Value/></Tag>`). */
export function tagList(tags: Readonly<Record<string, string>>): XmlList {
  return new XmlList(
    'Tag',
    Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  );
}
