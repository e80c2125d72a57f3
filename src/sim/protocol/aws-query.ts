import { randomUUID } from 'node:crypto';
import type { SimApiError } from './errors.js';
import type { QueryParams } from './query.js';
import type { SimService, WireReply } from './reply.js';
import { buildXml, xmlTree, type XmlValue } from './xml.js';

/** An awsQuery success body: `<XResponse xmlns=…><XResult>…</XResult><ResponseMetadata>…`, lists as `<member>`. */
export function queryResponse(namespace: string, action: string, result: Record<string, XmlValue> | null): WireReply {
  const requestId = randomUUID();
  const content: Record<string, unknown> = { '@_xmlns': namespace };
  if (result !== null) content[`${action}Result`] = xmlTree(result, 'member');
  content.ResponseMetadata = { RequestId: requestId };
  return { status: 200, contentType: 'text/xml', body: buildXml({ [`${action}Response`]: content }), requestId };
}

/** An awsQuery error: `<ErrorResponse><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function queryError(namespace: string, error: SimApiError): WireReply {
  const requestId = randomUUID();
  const body = buildXml({
    ErrorResponse: {
      '@_xmlns': namespace,
      Error: { Type: error.sender ? 'Sender' : 'Receiver', Code: error.code, Message: error.message },
      RequestId: requestId,
    },
  });
  return { status: error.status, contentType: 'text/xml', body, requestId };
}

/** What an awsQuery operation answers: the content of its `<XResult>`, or null for an operation without one. */
export type QueryResult = Record<string, XmlValue> | null;

/** An awsQuery service from its namespace and operations: the action is the form's `Action`. */
export function awsQueryService<World>(
  namespace: string,
  operations: (world: World, params: QueryParams, caller: string | undefined) => QueryResult,
): SimService<World> {
  return {
    route: (req) => ({ operation: req.params.action, path: [] }),
    handle: (world, req, route) => queryResponse(namespace, route.operation, operations(world, req.params, req.caller)),
    error: (e) => queryError(namespace, e),
  };
}
