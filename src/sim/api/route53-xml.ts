import { SimApiError } from '../protocol/errors.js';
import type { WireReply } from '../protocol/reply.js';
import { restXmlResponse, XmlBodyReader, type XmlNode } from '../protocol/rest-xml.js';
import type { XmlValue } from '../protocol/xml.js';

/* Route 53's reading of restXml: its namespace, its InvalidInput for a value that does not fit, its list elements. */

/** The XML namespace of Route 53's 2013-04-01 API. */
export const ROUTE53_NS = 'https://route53.amazonaws.com/doc/2013-04-01/';

/** Route 53's error for a request value it cannot take. */
export function invalid(message: string): SimApiError {
  return new SimApiError('InvalidInput', message, 400);
}

/** Reads Route 53 request bodies; these elements are lists even when one is given. */
const route53Xml = new XmlBodyReader(['Change', 'ResourceRecord', 'Region', 'ChildHealthCheck', 'ResettableElementName'], invalid);

/** The body's root element, which must be `root`. */
export const parseBody = (body: string, root: string): XmlNode => route53Xml.document(body, root);
/** A field's text, if present. */
export const text = (n: XmlNode | undefined, key: string): string | undefined => route53Xml.text(n, key);
/** A field's integer in [min, max], if present. */
export const int = (n: XmlNode | undefined, key: string, min: number, max: number): number | undefined => route53Xml.int(n, key, min, max);
/** A field's boolean, if present. */
export const bool = (n: XmlNode | undefined, key: string): boolean | undefined => route53Xml.bool(n, key);
/** The `inner` elements of a field `outer`. */
export const list = (n: XmlNode | undefined, outer: string, inner: string): unknown[] => route53Xml.list(n, outer, inner);

/** A Route 53 success reply. */
export function reply(operation: string, content: Record<string, XmlValue>, status = 200, headers?: Record<string, string>): WireReply {
  return restXmlResponse(ROUTE53_NS, operation, content, status, headers);
}
