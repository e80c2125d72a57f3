/**
 * `aws.ec2.terminate-instances` — terminates the selected instances (EC2 TerminateInstances). Not undoable: the
 * system under test (an Auto Scaling group) is expected to replace them. Lands when every instance has left `running`.
 */
import type { TerminateInstancesCommandOutput } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { sdk } from '../../aws/sdk.js';
import { MOTO_TEST, partial, yes } from '../../registry/capabilities.js';
import type { ActionDefinition } from '../../registry/types.js';
import {
  instanceIntent,
  instanceStates,
  instanceTargets,
  priorStates,
  sendEc2,
  stateSummary,
  terminationsFound,
  terminationUndo,
  verifyStates,
} from './instances.js';

const args = z.strictObject({});

export const terminateInstancesAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.ec2.terminate-instances',
  summary: 'Terminates the selected EC2 instances; the fault lands when they have left running.',
  mutating: true,
  permissions: { read: ['ec2:DescribeInstances'], write: ['ec2:TerminateInstances'] },
  capabilities: {
    services: ['ec2'],
    support: {
      sim: yes('running → shutting-down → terminated with AWS timings; the group replaces the instance after its health check.'),
      moto: partial(
        `Terminated at once (the answer still says shutting-down); an Auto Scaling group relaunches inside the same call (${MOTO_TEST}: "aws.ec2.terminate-instances").`,
      ),
      'localstack-free': partial('Community EC2 falls through to moto: terminated at once. Without Auto Scaling (not in community) nothing replaces it.'),
      'localstack-paid': partial(
        'Same mock semantics; an Auto Scaling group (mock VM manager only) probably relaunches synchronously as in moto (unverified).',
      ),
      aws: yes(),
    },
  },
  args,
  ...instanceTargets,
  undo: (_a, resources) => terminationUndo(resources),
  intent: (_a, targets, ctx) => instanceIntent(targets, ctx),
  /** Nothing can be undone: says which instances the lost run terminated (lasting) and which it did not reach. */
  async reconcile(_a, prior, targets, ctx) {
    const now = await instanceStates(
      ctx,
      targets.map((t) => t.id),
    );
    return { ...terminationsFound(targets, priorStates(prior), now), done: [] };
  },
  async run(_a, ctx) {
    const ids = ctx.targets.map((t) => t.id);
    const { TerminateInstancesCommand } = await sdk.ec2();
    await sendEc2(ctx, new TerminateInstancesCommand({ InstanceIds: ids }), (out: TerminateInstancesCommandOutput) => stateSummary(out.TerminatingInstances));
    const states = await verifyStates(ctx, ids, ['shutting-down', 'terminated'], `Terminating ${ids.join(', ')}`);
    return { output: { instanceIds: ids, states } };
  },
};
