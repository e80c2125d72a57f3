import type { Verdict } from '../journal.js';

/** Why the run stopped early. A hook (or the reason of the caller's abort signal) can throw one to set the verdict. */
export class RunStop extends Error {
  constructor(
    readonly verdict: Verdict,
    readonly reason: string,
  ) {
    super(reason);
  }
}
