import { randomUUID } from 'node:crypto';
import { XMLBuilder } from 'fast-xml-parser';
import { SimApiError } from './errors.js';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });

export interface XmlReply {
  status: number;
  contentType: string;
  body: string;
  requestId: string;
}

/** A list whose elements have their own name (RDS writes `<DBInstances><DBInstance>…`, not `<member>`). */
export class XmlList {
  constructor(
    readonly item: string,
    readonly values: XmlValue[],
  ) {}
}

/** Turns `undefined` fields away and lists into repeated elements named `item` (EC2) or `member` (awsQuery). */
export type XmlValue = string | number | boolean | null | undefined | XmlList | XmlValue[] | { [k: string]: XmlValue };

function shape(value: XmlValue, listItem: string): unknown {
  if (value === null || value === undefined) return undefined;
  if (value instanceof XmlList) return value.values.length === 0 ? '' : { [value.item]: value.values.map((v) => shape(v, listItem)) };
  if (Array.isArray(value)) return value.length === 0 ? '' : { [listItem]: value.map((v) => shape(v, listItem)) };
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const s = shape(v, listItem);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  return value;
}

/** An EC2 query success body: `<XResponse xmlns=…><requestId>…</requestId>…</XResponse>`. */
export function ec2Response(action: string, result: Record<string, XmlValue>): XmlReply {
  const requestId = randomUUID();
  const body = builder.build({
    [`${action}Response`]: { '@_xmlns': 'http://ec2.amazonaws.com/doc/2016-11-15/', requestId, ...(shape(result, 'item') as object) },
  }) as string;
  return { status: 200, contentType: 'text/xml', body: `<?xml version="1.0" encoding="UTF-8"?>${body}`, requestId };
}

/** An EC2 query error: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`. */
export function ec2Error(error: SimApiError): XmlReply {
  const requestId = randomUUID();
  const body = builder.build({ Response: { Errors: { Error: { Code: error.code, Message: error.message } }, RequestID: requestId } }) as string;
  return { status: error.status, contentType: 'text/xml', body: `<?xml version="1.0" encoding="UTF-8"?>${body}`, requestId };
}

/** An awsQuery success body: `<XResponse xmlns=…><XResult>…</XResult><ResponseMetadata>…`. */
export function queryResponse(namespace: string, action: string, result: Record<string, XmlValue> | null): XmlReply {
  const requestId = randomUUID();
  const content: Record<string, unknown> = { '@_xmlns': namespace };
  if (result !== null) content[`${action}Result`] = shape(result, 'member');
  content.ResponseMetadata = { RequestId: requestId };
  const body = builder.build({ [`${action}Response`]: content }) as string;
  return { status: 200, contentType: 'text/xml', body, requestId };
}

/** An awsQuery error: `<ErrorResponse><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function queryError(namespace: string, error: SimApiError): XmlReply {
  const requestId = randomUUID();
  const body = builder.build({
    ErrorResponse: {
      '@_xmlns': namespace,
      Error: { Type: error.sender ? 'Sender' : 'Receiver', Code: error.code, Message: error.message },
      RequestId: requestId,
    },
  }) as string;
  return { status: error.status, contentType: 'text/xml', body, requestId };
}
