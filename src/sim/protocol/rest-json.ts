import { type SimApiError, unknownOperation } from './errors.js';
import { jsonInput, jsonReply } from './json.js';
import type { SimRequest, SimRoute, SimService, WireReply } from './reply.js';

/* restJson1 (FIS): the operation in method and path, JSON bodies, the error code in `x-amzn-errortype`. */

/** A restJson1 success body. */
export const restJsonReply = (body: unknown, status = 200): WireReply => jsonReply('application/json', body, status);

/** A restJson1 error: the code in `x-amzn-ErrorType`, the message in the body. */
export function restJsonError(e: SimApiError, status = e.status): WireReply {
  return { ...restJsonReply({ message: e.message }, status), headers: { 'x-amzn-errortype': e.code } };
}

/** A restJson1 service: `route` names the operation from method and path; operations take the parsed input. */
export function restJsonService<World>(spec: {
  /** The operation, or undefined when the service has none at that path (logged as method and path). */
  route: (method: string, path: string[]) => string | undefined;
  operations: (world: World, route: SimRoute, input: Record<string, unknown>, req: SimRequest) => WireReply;
  error: (e: SimApiError) => WireReply;
  /** The error code of a body that is not JSON. */
  malformed: string;
}): SimService<World> {
  return {
    route: (req) => {
      const path = req.path
        .split('/')
        .filter((s) => s !== '')
        .map((s) => decodeURIComponent(s));
      return { operation: spec.route(req.method, path) ?? `${req.method} ${req.path}`, path };
    },
    handle: (world, req, route) => {
      if (route.operation === `${req.method} ${req.path}`) throw unknownOperation(req);
      return spec.operations(world, route, jsonInput(req.body, spec.malformed), req);
    },
    error: spec.error,
  };
}
