import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { z } from 'zod';
import { awsCall } from '../../src/aws/call.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { SafetyError } from '../../src/errors/safety-error.js';
import type { Experiment } from '../../src/experiment/schema.js';
import { NO_AWS_CALL } from '../../src/registry/capabilities.js';
import { Registry } from '../../src/registry/registry.js';
import type { ActionDefinition, ActivityContext, CallRecord, Resource } from '../../src/registry/types.js';
import { PlanFence } from '../../src/safety/fence.js';
import { buildPlan } from '../../src/safety/plan.js';
import { safetyPolicy } from '../../src/experiment/safety-policy.js';

/** A mutating SDK command, as the SDK spells one: its class name is the operation. */
class TerminateInstancesCommand {
  constructor(readonly input: { InstanceIds: string[] }) {}
}

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

const inventoryArb = fc.uniqueArray(
  fc.record({
    n: fc.integer({ min: 0, max: 10_000 }),
    zone: fc.constantFrom(...ZONES),
    team: fc.constantFrom('web', 'api', 'batch'),
    optIn: fc.boolean(),
  }),
  { selector: (r) => r.n, minLength: 0, maxLength: 30 },
);

function resources(items: { n: number; zone: string; team: string; optIn: boolean }[]): Resource[] {
  return items.map((i) => ({
    type: 'aws:ec2:instance',
    id: `i-${i.n.toString(16).padStart(17, '0')}`,
    tags: { team: i.team, ...(i.optIn ? { 'gameday:allowed': 'true' } : {}) },
    attributes: { Placement: { AvailabilityZone: i.zone } },
  }));
}

function ctx(calls: CallRecord[], fence?: PlanFence): ActivityContext {
  return {
    runId: 'property',
    signal: AbortSignal.timeout(10_000),
    clock: systemClock,
    logger: silentLogger,
    aws: new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'A', secretAccessKey: 'b' } }),
    speed: 1,
    recordCall: (c) => calls.push(c),
    fence,
  };
}

/** An experiment of one `test.terminate` fault with these targets and safety policy (no AWS identity: a test action). */
function experiment(
  spec: { team: string; selection: Experiment['faults'][number]['targets'] extends infer T ? (T extends { selection: infer S } ? S : never) : never },
  safety: unknown,
): Experiment {
  return {
    apiVersion: 'gameday/v1',
    kind: 'Experiment',
    metadata: { name: 'property', tags: [] },
    environment: { type: 'sim', allowedAccountIds: [], speed: 1 },
    steadyState: { samples: 1, timeout: 1_000 },
    probes: [],
    faults: [{ name: 'kill', action: 'test.terminate', args: {}, startAfter: 0, targets: { tags: { team: spec.team }, selection: spec.selection } }],
    recovery: { stableFor: 1, timeout: 2, observeAtLeast: 0 },
    objectives: {},
    stopConditions: [],
    rollbacks: [],
    safety: safetyPolicy.parse(safety),
  } as Experiment;
}

describe('the plan fence', () => {
  it('refuses a mutating call naming a resource outside the plan, or naming none, before sending it', async () => {
    const fence = new PlanFence(resources([{ n: 1, zone: 'us-east-1a', team: 'web', optIn: true }]));
    assert.doesNotThrow(() => fence.check('ec2', 'TerminateInstances', { InstanceIds: ['i-00000000000000001'] }));
    assert.throws(
      () => fence.check('ec2', 'TerminateInstances', { InstanceIds: ['i-00000000000000001', 'i-00000000000000002'] }),
      (e: SafetyError) => e instanceof SafetyError && /i-00000000000000002, which is not in the plan/.test(e.message),
    );
    assert.throws(() => fence.check('ec2', 'CreateTags', { Resources: ['x'] }), /names no resource gameday can check against the plan/);
  });

  it('property: whatever the inventory, targets and opt-in, every mutating call that is sent names only planned resources, and caps hold', async () => {
    await fc.assert(
      fc.asyncProperty(
        inventoryArb,
        fc.constantFrom('web', 'api', 'batch'),
        fc.oneof(
          fc.constant({ mode: 'ALL' as const }),
          fc.integer({ min: 1, max: 40 }).map((count) => ({ mode: 'COUNT' as const, count })),
          fc.integer({ min: 1, max: 100 }).map((percent) => ({ mode: 'PERCENT' as const, percent })),
        ),
        fc.boolean(),
        fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 5 }),
        async (items, team, selection, optIn, maxTargets, strays) => {
          const inventory = resources(items);
          const sent: string[][] = [];
          const action: ActionDefinition<Record<string, never>> = {
            id: 'test.terminate',
            summary: 'terminates (test double)',
            mutating: true,
            permissions: { read: [], write: ['ec2:TerminateInstances'] },
            capabilities: NO_AWS_CALL,
            args: z.strictObject({}),
            targetType: 'aws:ec2:instance',
            inventory: () => Promise.resolve(inventory),
            run: () => Promise.resolve({ output: {} }),
          };
          const registry = new Registry().registerAction(action);
          const safety = { ...(optIn ? { requireTags: { 'gameday:allowed': 'true' } } : {}), ...(maxTargets === undefined ? {} : { maxTargets }), maxZones: 3 };
          const plan = await buildPlan(experiment({ team, selection }, safety), registry, ctx([]), 42);
          const planned = plan.faults[0]?.resources ?? [];
          // Selection never escapes the targets or the opt-in.
          for (const r of planned) {
            assert.equal(r.tags.team, team);
            if (optIn) assert.equal(r.tags['gameday:allowed'], 'true');
          }
          // A cap is refused exactly when the plan exceeds it.
          assert.equal(plan.refusal?.guard === 'max-targets', maxTargets !== undefined && planned.length > maxTargets);
          // The action tries to touch its targets plus strays; only planned ids ever reach `send`.
          const fence = new PlanFence(planned);
          const calls: CallRecord[] = [];
          const attempt = [...planned.map((r) => r.id), ...strays.map((n) => `i-${n.toString(16).padStart(17, '0')}`)];
          for (const id of attempt) {
            await awsCall(ctx(calls, fence), 'ec2', new TerminateInstancesCommand({ InstanceIds: [id] }), (c) => {
              sent.push(c.input.InstanceIds);
              return Promise.resolve({ $metadata: {} });
            }).catch((error: unknown) => assert.ok(error instanceof SafetyError, String(error)));
          }
          const plannedIds = new Set(planned.map((r) => r.id));
          assert.ok(sent.flat().every((id) => plannedIds.has(id)));
          assert.deepEqual(new Set(sent.flat()), plannedIds);
          // Every refusal is journaled as a call that was not sent.
          assert.equal(calls.filter((c) => !c.ok).length, attempt.filter((id) => !plannedIds.has(id)).length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
