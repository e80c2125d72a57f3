import type { SimApiError } from './errors.js';
import type { QueryParams } from './query.js';

/** What the region writes back for one API call, whatever the service's wire protocol. */
export interface WireReply {
  status: number;
  contentType: string;
  body: string;
  requestId: string;
  /** Extra response headers, e.g. a 201's `location` or a JSON error's `x-amzn-errortype`. */
  headers?: Record<string, string>;
}

/** One API call as the region received it; each protocol reads the part that names the operation. */
export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  /** The form-encoded body of the query protocols (empty for the others). */
  params: QueryParams;
  /** `X-Amz-Target` of the JSON protocols. */
  target: string | undefined;
  /** The access key id the request was signed with. */
  caller: string | undefined;
}

/** The operation a request names and the parameters its path carries, read once per request. */
export interface SimRoute {
  operation: string;
  /** Decoded path segments after the API version (restXml, restJson1); empty for the other protocols. */
  path: string[];
}

/**
 * A simulated service as the server sees it: its protocol reads the route and writes replies and errors; the
 * service's own file only performs operations.
 */
export interface SimService<World> {
  /** Which operation a request names, for the request log and armed faults even when the call then fails. */
  route(req: SimRequest): SimRoute;
  handle(world: World, req: SimRequest, route: SimRoute): WireReply;
  /** The error reply; `req` lets a service that speaks two protocols answer in the request's own. */
  error(e: SimApiError, req?: SimRequest): WireReply;
}
