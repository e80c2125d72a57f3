import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitCodeFor } from '../../src/engine/journal.js';
import { RunStop } from '../../src/engine/run/run-stop.js';
import { ErrorCode, ExitCode, GamedayError } from '../../src/errors/gameday-error.js';
import { VERDICTS } from '../../src/engine/journal.js';
import { ResourceLockedError } from '../../src/orchestrator/resource-locks.js';

describe('errors that stop a run', () => {
  it('a RunStop is a GamedayError with the exit code of its verdict', () => {
    for (const verdict of VERDICTS) {
      const stop = new RunStop(verdict, 'why');
      assert.ok(stop instanceof GamedayError, verdict);
      assert.equal(stop.exitCode, exitCodeFor(verdict), verdict);
      assert.equal(stop.message, 'why');
    }
    assert.equal(new RunStop('aborted', 'x').code, ErrorCode.Aborted);
    assert.equal(new RunStop('refused', 'x').code, ErrorCode.Refused);
    assert.equal(new RunStop('not-steady', 'x').code, ErrorCode.RunStopped);
  });

  it('a locked resource is refused with its own code, naming the resource and its holder', () => {
    const error = new ResourceLockedError('i-1', 'gd-run');
    assert.ok(error instanceof GamedayError);
    assert.equal(error.code, ErrorCode.ResourceLocked);
    assert.equal(error.exitCode, ExitCode.Refused);
    assert.equal(error.message, 'i-1 is locked by run gd-run');
    assert.equal(error.name, 'ResourceLockedError');
  });
});
