import { randomUUID } from 'node:crypto';
import type { SimApiError } from './errors.js';
import type { QueryParams } from './query.js';
import type { SimService, WireReply } from './reply.js';
import { buildXml, xmlTree, type XmlValue } from './xml.js';

/** An EC2 query success body: `<XResponse xmlns=…><requestId>…</requestId>…</XResponse>`, lists as `<item>`. */
export function ec2Response(action: string, result: Record<string, XmlValue>): WireReply {
  const requestId = randomUUID();
  const body = buildXml({
    [`${action}Response`]: { '@_xmlns': 'http://ec2.amazonaws.com/doc/2016-11-15/', requestId, ...(xmlTree(result, 'item') as object) },
  });
  return { status: 200, contentType: 'text/xml', body: `<?xml version="1.0" encoding="UTF-8"?>${body}`, requestId };
}

/** An EC2 query error: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`. */
export function ec2Error(error: SimApiError): WireReply {
  const requestId = randomUUID();
  const body = buildXml({ Response: { Errors: { Error: { Code: error.code, Message: error.message } }, RequestID: requestId } });
  return { status: error.status, contentType: 'text/xml', body: `<?xml version="1.0" encoding="UTF-8"?>${body}`, requestId };
}

/** What an EC2 query operation answers: the content of its `<XResponse>`. */
export type Ec2Result = Record<string, XmlValue>;

/** An EC2 query service from its operations: the action is the form's `Action`. */
export function ec2QueryService<World>(operations: (world: World, params: QueryParams, caller: string | undefined) => Ec2Result): SimService<World> {
  return {
    route: (req) => ({ operation: req.params.action, path: [] }),
    handle: (world, req, route) => ec2Response(route.operation, operations(world, req.params, req.caller)),
    error: ec2Error,
  };
}
