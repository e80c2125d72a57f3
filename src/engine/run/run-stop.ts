import { ErrorCode, GamedayError } from '../../errors/gameday-error.js';
import { exitCodeFor, type Verdict } from '../journal.js';

/**
 * Why the run stopped early. A hook (or the reason of the caller's abort signal) can throw one to set the verdict; its
 * exit code is that verdict's, so one that escapes a run still ends the process the way its journal would.
 */
export class RunStop extends GamedayError {
  constructor(
    readonly verdict: Verdict,
    readonly reason: string,
  ) {
    super(verdict === 'aborted' ? ErrorCode.Aborted : verdict === 'refused' ? ErrorCode.Refused : ErrorCode.RunStopped, reason, {
      exitCode: exitCodeFor(verdict),
    });
  }
}
