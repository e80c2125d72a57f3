import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outcomeOf } from '../../src/cli/prove.js';
import type { Journal } from '../../src/engine/journal.js';

/** The parts of a journal `outcomeOf` reads: the verdict, the first injection and the stop conditions. */
function journal(status: Journal['verdict']['status'], injected: boolean, tripped: boolean): Journal {
  const at = { value: 1_000, lower: 990, upper: 1_010 };
  return {
    verdict: { status, reason: status },
    measurement: { injectedAt: injected ? at : null },
    stopConditions: [{ name: 'too-few-healthy-hosts', alarm: 'healthy-hosts', condition: 'alarm in ALARM', trippedAt: tripped ? 5_000 : null }],
  } as unknown as Journal;
}

describe('what a proof run says about its finding', () => {
  it('confirms on a stop condition tripped after the injection: the steady state was declared broken', () => {
    assert.equal(outcomeOf(journal('aborted', true, true)), 'confirmed');
  });

  it('says nothing of an abort without a tripped stop condition (operator, kill switch) or before any injection', () => {
    assert.equal(outcomeOf(journal('aborted', true, false)), 'error');
    assert.equal(outcomeOf(journal('aborted', false, true)), 'error');
  });

  it('keeps the other verdicts as they were: failed confirms, passed refutes, errored says nothing', () => {
    assert.equal(outcomeOf(journal('failed-objective', true, false)), 'confirmed');
    assert.equal(outcomeOf(journal('not-recovered', true, false)), 'confirmed');
    assert.equal(outcomeOf(journal('passed', true, false)), 'refuted');
    assert.equal(outcomeOf(journal('errored', true, false)), 'error');
  });
});
