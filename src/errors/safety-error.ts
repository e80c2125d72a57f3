import { ErrorCode, GamedayError } from './gameday-error.js';

/**
 * A safety guard refused: the account or region is not allowed, a cap would be exceeded, or a call would touch a
 * resource outside the plan. Nothing was changed by the refused step. The run ends with verdict `refused`.
 */
export class SafetyError extends GamedayError {
  readonly guard: string;

  constructor(guard: string, message: string) {
    super(ErrorCode.Refused, message);
    this.guard = guard;
  }
}
