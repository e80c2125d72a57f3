import { z } from 'zod';
import { SimApiError } from './protocol/errors.js';

/** Errors the region can be told to answer with, as AWS does when it throttles, fails or refuses. */
const ERRORS = {
  Throttling: { status: 400, message: 'Rate exceeded', sender: true },
  RequestLimitExceeded: { status: 503, message: 'Request limit exceeded.', sender: true },
  InternalError: { status: 500, message: 'An internal error has occurred.', sender: false },
  ServiceUnavailable: { status: 503, message: 'Service is unavailable.', sender: false },
  AccessDenied: { status: 403, message: 'User is not authorized to perform this operation.', sender: true },
  UnauthorizedOperation: { status: 403, message: 'You are not authorized to perform this operation.', sender: true },
} as const;

export const apiFaultSchema = z.strictObject({
  /** Service as the request log names it: ec2, autoscaling, elasticloadbalancing, rds, route53, sts, iam. */
  service: z.string().min(1),
  /** Operation, for example TerminateInstances; `*` for any. */
  action: z.string().min(1).default('*'),
  /** An AWS error to answer with, or `timeout`: hold the request without answering for `delayMs`, then drop it. */
  error: z.enum([...(Object.keys(ERRORS) as (keyof typeof ERRORS)[]), 'timeout']),
  /** How many matching requests get it; then requests are served again. */
  count: z.number().int().min(1).default(1),
  delayMs: z.number().int().min(0).max(600_000).default(30_000),
});
export type ApiFault = z.output<typeof apiFaultSchema>;

/** What to do with one request: serve it, answer an error, or hold it and drop it. */
export type FaultOutcome = { kind: 'serve' } | { kind: 'error'; error: SimApiError } | { kind: 'timeout'; delayMs: number };

/** API faults armed through `POST /_sim/faults`: each answers its next `count` matching requests. */
export class ApiFaults {
  readonly #armed: ApiFault[] = [];

  arm(fault: ApiFault): void {
    this.#armed.push({ ...fault });
  }

  clear(): void {
    this.#armed.length = 0;
  }

  list(): ApiFault[] {
    return this.#armed.map((f) => ({ ...f }));
  }

  /** Consumes the first armed fault matching the request, if any. */
  take(service: string, action: string): FaultOutcome {
    const i = this.#armed.findIndex((f) => f.service === service && (f.action === '*' || f.action === action));
    const fault = this.#armed[i];
    if (fault === undefined) return { kind: 'serve' };
    fault.count--;
    if (fault.count <= 0) this.#armed.splice(i, 1);
    if (fault.error === 'timeout') return { kind: 'timeout', delayMs: fault.delayMs };
    const e = ERRORS[fault.error];
    return { kind: 'error', error: new SimApiError(fault.error, e.message, e.status, e.sender) };
  }
}
