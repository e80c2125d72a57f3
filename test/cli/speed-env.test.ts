import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gameday } from '../support/cli.js';

describe('GAMEDAY_SPEED', () => {
  for (const [args, value] of [
    [['run', 'experiments/terminate-one-instance.yaml'], 'fast'],
    [['sim', '--port', '0'], '0'],
  ] as const) {
    it(`that is not a positive number is refused by gameday ${args[0]} in one sentence, before a region starts (${value})`, async () => {
      const result = await gameday(args, { env: { GAMEDAY_SPEED: value }, timeoutMs: 30_000 });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`GAMEDAY_SPEED must be a positive number, got '${value}'\\.`));
      assert.doesNotMatch(result.stderr + result.stdout, /starting the simulated region|ready in/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});
