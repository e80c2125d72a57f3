import type { SimApiError } from './errors.js';
import { jsonInput, jsonReply } from './json.js';
import type { SimService, WireReply } from './reply.js';

/* awsJson1_0 (CloudWatch): the operation in `X-Amz-Target`, the input and output JSON, errors as `__type`. */

const AWS_JSON_1_0 = 'application/x-amz-json-1.0';

/** An awsJson1_0 success body. */
export const awsJsonReply = (body: unknown, status = 200): WireReply => jsonReply(AWS_JSON_1_0, body, status);

/** An awsJson1_0 error: `__type` for JSON clients, and the awsQuery-compatible code header the SDK reads. */
export function awsJsonError(e: SimApiError): WireReply {
  return {
    ...awsJsonReply({ __type: e.code, message: e.message }, e.status),
    headers: { 'x-amzn-query-error': `${e.code};${e.sender ? 'Sender' : 'Receiver'}` },
  };
}

/** The operation an awsJson1_0 request names: its `X-Amz-Target` after the service prefix. */
export function awsJsonOperation(target: string | undefined, prefix: string): string {
  return (target ?? '').replace(`${prefix}.`, '') || 'Unknown';
}

/** An awsJson1_0 service from its target prefix and operations, which take the parsed input. */
export function awsJsonService<World>(
  targetPrefix: string,
  operations: (world: World, operation: string, input: Record<string, unknown>) => WireReply,
): SimService<World> {
  return {
    route: (req) => ({ operation: awsJsonOperation(req.target, targetPrefix), path: [] }),
    handle: (world, req, route) => operations(world, route.operation, jsonInput(req.body, 'SerializationException')),
    error: awsJsonError,
  };
}
