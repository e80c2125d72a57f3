import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runOnSim, waitForEvent } from '../support/sim.js';

const SPEED = 20;
/** Route 53's TTL for alias records to an ALB, in AWS seconds. */
const ALIAS_TTL_S = 60;

describe('failing the primary site’s Route 53 health check', () => {
  it('times the DNS flip and the client’s switch to the secondary against the region’s recorded flip, and restores the check', async () => {
    await runOnSim('route53-failover.yaml', { topology: 'two-sites.yaml', speed: SPEED }, async ({ journal, endpoint, outputs, events }) => {
      assert.equal(journal.verdict.status, 'passed', journal.verdict.reason);
      const secondary = outputs['alb.secondary.address'] ?? '';
      const primary = outputs['alb.primary.address'] ?? '';

      const truth = await events();
      const flip = truth.find((e) => e.kind === 'dns-answer' && e.resource.startsWith('app.example.com') && e.to === secondary);
      assert.ok(flip !== undefined, 'the region recorded the flip to the secondary');
      const trueFlip = flip.epochMs - journal.startedAtEpochMs;
      const measured = journal.measurement.probes.dns?.valueChanges.find((c) => c.to === secondary);
      assert.ok(measured !== undefined, 'the dns probe saw the flip');
      assert.ok(
        measured.at.lower <= trueFlip && trueFlip <= measured.at.upper,
        `true flip at ${trueFlip}ms, measured [${measured.at.lower}, ${measured.at.upper}]`,
      );
      // Within one probe interval: the bracket is narrower than the dns probe's steady-state interval (5 s AWS).
      assert.ok(measured.at.upper - measured.at.lower <= 5_000 / SPEED, `bracket ${measured.at.upper - measured.at.lower}ms`);

      // The HTTP client resolving through DNS keeps the old answer for at most the alias TTL, then is served by the
      // secondary: its switch lies between the flip and the flip plus the TTL (and one sampling interval).
      const moved = journal.measurement.probes.app?.endpointChanges.find((c) => c.from === primary && c.to === secondary);
      assert.ok(moved !== undefined, 'the app probe was served by the secondary');
      assert.ok(moved.at.upper >= trueFlip, `switched at [${moved.at.lower}, ${moved.at.upper}], before the flip at ${trueFlip}`);
      assert.ok(
        moved.at.lower <= trueFlip + (ALIAS_TTL_S * 1_000) / SPEED + 5_000 / SPEED,
        `switched at [${moved.at.lower}, ${moved.at.upper}], later than the TTL allows after ${trueFlip}`,
      );
      const switchover = journal.objectives.find((o) => o.objective === 'switchover');
      assert.equal(switchover?.status, 'pass', switchover?.detail);
      assert.ok(
        Math.abs((switchover?.measured ?? NaN) / SPEED - (moved.at.value - (journal.measurement.injectedAt?.value ?? NaN))) < 1,
        'the objective measures the switch in AWS time',
      );

      // The fault read the previous configuration first, and the rollback restored it.
      const [fault, rollback] = journal.activities;
      assert.deepEqual(
        fault?.calls.map((c) => c.operation),
        ['GetHealthCheck', 'UpdateHealthCheck'],
      );
      assert.deepEqual(fault?.output?.previous, { inverted: false, disabled: false });
      assert.equal(rollback?.kind, 'auto-rollback');
      assert.deepEqual(rollback?.output?.restored, { inverted: false, disabled: false });
      // Restored, the check is healthy again at its next evaluation and DNS answers the primary.
      await waitForEvent(
        endpoint,
        'DNS to answer the primary again',
        (e) => e.kind === 'dns-answer' && e.resource.startsWith('app.example.com') && e.to === primary && e.epochMs > flip.epochMs,
        (2 * 30_000) / SPEED + 5_000,
      );
    });
  });
});
