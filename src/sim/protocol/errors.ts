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
