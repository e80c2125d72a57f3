import { randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { type SimApiError, unknownOperation } from './errors.js';
import type { SimRequest, SimRoute, SimService, WireReply } from './reply.js';
import { buildXml, xmlTree, type XmlValue } from './xml.js';

/** A restXml success: `<OperationResponse xmlns=…>…</OperationResponse>`, lists as repeated elements. */
export function restXmlResponse(
  namespace: string,
  operation: string,
  content: Record<string, XmlValue>,
  status = 200,
  headers?: Record<string, string>,
): WireReply {
  const body = buildXml({ [`${operation}Response`]: { '@_xmlns': namespace, ...(xmlTree(content) as object) } });
  return {
    status,
    contentType: 'application/xml',
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
    requestId: randomUUID(),
    ...(headers === undefined ? {} : { headers }),
  };
}

/** A restXml error: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function restXmlError(namespace: string, error: SimApiError): WireReply {
  const requestId = randomUUID();
  const body = buildXml({
    ErrorResponse: {
      '@_xmlns': namespace,
      Error: { Type: error.sender ? 'Sender' : 'Receiver', Code: error.code, Message: error.message },
      RequestId: requestId,
    },
  });
  return { status: error.status, contentType: 'application/xml', body: `<?xml version="1.0"?>\n${body}`, requestId };
}

/** The decoded segments of a restXml path after its API version prefix (`/2013-04-01/hostedzone/Z1` → `hostedzone`, `Z1`). */
export function restPathParts(path: string, versionPrefix: string): string[] {
  return (path.startsWith(versionPrefix) ? path.slice(versionPrefix.length) : path)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
}

/** An element of a parsed request body. */
export type XmlNode = Record<string, unknown>;

/** The element `v` when it is one (not text, not a repeated list). */
export function xmlNode(v: unknown): XmlNode | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as XmlNode) : undefined;
}

/**
 * Reads restXml request bodies: the document, and typed fields of its elements. A value that does not fit is the
 * service's own error (`invalid`), as the service would answer it.
 */
export class XmlBodyReader {
  readonly #parser: XMLParser;
  readonly #invalid: (message: string) => SimApiError;

  /** `listElements` are always lists, even with one element (XML cannot tell one from a list of one). */
  constructor(listElements: readonly string[], invalid: (message: string) => SimApiError) {
    const lists = new Set(listElements);
    this.#parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, removeNSPrefix: true, isArray: (tag) => lists.has(tag) });
    this.#invalid = invalid;
  }

  /** The body's root element, which must be `root`. */
  document(body: string, root: string): XmlNode {
    let doc: unknown;
    try {
      doc = this.#parser.parse(body, true);
    } catch (error) {
      throw this.#invalid(`The XML document is malformed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const r = xmlNode(xmlNode(doc)?.[root]);
    if (r === undefined) throw this.#invalid(`Expected a ${root} document.`);
    return r;
  }

  text(n: XmlNode | undefined, key: string): string | undefined {
    const v = n?.[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw this.#invalid(`${key} must be a value.`);
  }

  int(n: XmlNode | undefined, key: string, min: number, max: number): number | undefined {
    const v = this.text(n, key);
    if (v === undefined) return undefined;
    const i = Number(v);
    if (!Number.isInteger(i) || i < min || i > max) throw this.#invalid(`Invalid ${key}: ${v}; it must be an integer from ${min} to ${max}.`);
    return i;
  }

  bool(n: XmlNode | undefined, key: string): boolean | undefined {
    const v = this.text(n, key);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw this.#invalid(`Invalid ${key}: ${v}.`);
    return v === 'true';
  }

  /** The `inner` elements of `outer` (`<Changes><Change/>…</Changes>`). */
  list(n: XmlNode | undefined, outer: string, inner: string): unknown[] {
    const v = xmlNode(n?.[outer])?.[inner];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  }
}

/** A restXml service: `route` names the operation from method and the path's segments after `versionPrefix`. */
export function restXmlService<World>(spec: {
  namespace: string;
  versionPrefix: string;
  /** The operation, or undefined when the service has none at that path (logged as method and path). */
  route: (method: string, path: string[]) => string | undefined;
  operations: (world: World, route: SimRoute, req: SimRequest) => WireReply;
}): SimService<World> {
  return {
    route: (req) => {
      const path = restPathParts(req.path, spec.versionPrefix);
      return { operation: spec.route(req.method, path) ?? `${req.method} ${req.path}`, path };
    },
    handle: (world, req, route) => {
      if (route.operation === `${req.method} ${req.path}`) throw unknownOperation(req);
      return spec.operations(world, route, req);
    },
    error: (e) => restXmlError(spec.namespace, e),
  };
}
