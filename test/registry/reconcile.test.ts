import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import { NO_AWS_CALL } from '../../src/registry/capabilities.js';
import { Registry } from '../../src/registry/registry.js';
import type { ActionDefinition } from '../../src/registry/types.js';

/** A mutating action that writes to AWS and has a rollback: what a lost worker's successor must be able to reconcile. */
const undoable = (extra: Partial<ActionDefinition<Record<string, never>>>): ActionDefinition<Record<string, never>> => ({
  id: 'test.undoable',
  summary: 'Changes something in AWS; its rollback changes it back.',
  mutating: true,
  permissions: { read: ['ec2:DescribeInstances'], write: ['ec2:StopInstances'] },
  capabilities: NO_AWS_CALL,
  args: z.strictObject({}),
  run: async () => ({ output: {} }),
  rollback: async () => ({ output: {} }),
  ...extra,
});

const reconcile = async (): Promise<{ landed: boolean; found: string[]; done: string[]; lasting: string[] }> => ({
  landed: false,
  found: [],
  done: [],
  lasting: [],
});

describe('the registry and lost faults', () => {
  it('refuses a mutating AWS action with a rollback but no intent and reconcile, saying what it lacks', () => {
    assert.throws(
      () => new Registry().registerAction(undoable({})),
      /'test\.undoable' mutates AWS and has a rollback, so it must declare intent and reconcile/,
    );
  });

  it('refuses an intent without a reconcile', () => {
    assert.throws(() => new Registry().registerAction(undoable({ intent: async () => ({}) })), /must declare both intent and reconcile, or neither/);
  });

  it('accepts intent with reconcile, or an exemption that says why', () => {
    new Registry().registerAction(undoable({ intent: async () => ({}), reconcile }));
    new Registry().registerAction(undoable({ reconcileExempt: 'it checkpoints its undo before its mutating call' }));
  });

  it("builds gameday's own registry: each of its undoable AWS actions reconciles or says why not", () => {
    assert.doesNotThrow(() => defaultRegistry());
  });
});
