import { awsSend } from '../../aws/call.js';
import type { ActivityContext, Resource } from '../../registry/types.js';

/** How one RDS Describe operation lists a kind of resource: its request for one id or for one page, and a page's items. */
export interface RdsListing<O extends { Marker?: string | undefined }, T> {
  byId(id: string): { input: unknown };
  page(marker: string | undefined): { input: unknown };
  items(output: O): T[] | undefined;
  toResource(item: T): Resource;
}

/**
 * The resources a target spec's ids can name: one plain id is described directly; several ids, ARNs or none list
 * every page (Marker-paginated, each page journaled), and target resolution filters afterwards. The SDK's paginators
 * would send past the journal and the fence, so the pages go through `awsSend`.
 */
export async function listRds<O extends { Marker?: string | undefined; $metadata?: { requestId?: string | undefined } }, T>(
  ctx: ActivityContext,
  spec: { ids?: string[] | undefined },
  listing: RdsListing<O, T>,
): Promise<Resource[]> {
  const ids = (spec.ids ?? []).filter((id) => !id.startsWith('arn:'));
  const [only] = ids;
  if (only !== undefined && spec.ids?.length === 1) {
    const out = await awsSend<{ input: unknown }, O>(ctx, 'rds', listing.byId(only));
    return (listing.items(out) ?? []).map((item) => listing.toResource(item));
  }
  const all: Resource[] = [];
  let marker: string | undefined;
  do {
    const out = await awsSend<{ input: unknown }, O>(ctx, 'rds', listing.page(marker));
    all.push(...(listing.items(out) ?? []).map((item) => listing.toResource(item)));
    marker = out.Marker;
  } while (marker !== undefined && marker !== '');
  return all;
}

/** A described RDS resource as a target: its tags as a map, the whole description as attributes. */
export function rdsResource(
  type: string,
  id: string | undefined,
  arn: string | undefined,
  tagList: { Key?: string | undefined; Value?: string | undefined }[] | undefined,
  item: object,
): Resource {
  const tags: Record<string, string> = {};
  for (const t of tagList ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return { type, id: id ?? '', ...(arn === undefined ? {} : { arn }), tags, attributes: item as Record<string, unknown> };
}
