/**
 * An error the simulated region answers with, in the service's own shape, so SDK clients raise the exception
 * users meet against AWS (for example `InvalidInstanceID.NotFound` from EC2, `ValidationError` from Auto Scaling).
 */
export class SimApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly sender = true,
  ) {
    super(message);
  }
}

/**
 * What a restful service answers a request it has no operation for: `UnknownOperationException`, 404
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html lists the code; the status is
 * the one REST front ends give an unknown path: an assumption, no AWS page states it for Route 53 or FIS).
 */
export function unknownOperation(req: { method: string; path: string }): SimApiError {
  return new SimApiError('UnknownOperationException', `No operation is served at ${req.method} ${req.path}.`, 404);
}
