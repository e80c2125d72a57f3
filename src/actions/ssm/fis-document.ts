/**
 * The shape of an action that runs one of AWS FIS's own SSM documents (AWSFIS-Run-*,
 * https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html) on the selected instances, as FIS's
 * aws:ssm:send-command does. The document ends its effect by itself after `DurationSeconds`, the fault's `duration`
 * in AWS time; the undo cancels the command, which runs the document's rollback script at once.
 */
import type { z } from 'zod';
import { ActionFailedError } from '../../errors/action-error.js';
import { no, yes, type Capability } from '../../registry/capabilities.js';
import type { ActionDefinition, ExpectedEffect } from '../../registry/types.js';
import { instanceTargets } from '../ec2/instances.js';
import { cancelResult, commandIntent, RUN_COMMAND_PERMISSIONS, reconcileCommand, sendAndLand } from './run-command.js';

/** The ARN of an AWS-owned document (no account: https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html). */
export const fisDocumentArn = (region: string, document: string): string => `arn:aws:ssm:${region}::document/${document}`;

/** How an action's arguments become a document and its parameters, and back (for `gameday fis import`). */
export interface FisDocumentMapping<A> {
  /** The documents this action may send (several when its arguments choose, as sources do). */
  documents: readonly string[];
  /** The document and its parameters (without DurationSeconds, which comes from the fault's duration). */
  toDocument(a: A): { document: string; parameters: Record<string, string> };
  /** The action's arguments, as an experiment file spells them, from a document's parameters. */
  fromParameters(document: string, parameters: Record<string, string>): Record<string, unknown>;
}

export interface FisDocumentActionSpec<A extends { timeout: number }> extends FisDocumentMapping<A> {
  id: string;
  summary: string;
  args: z.ZodType<A>;
  /** What the simulated region does with the document. */
  sim: Capability;
  /** What the document does to the requests that cross it (see `ActionDefinition.effect`). */
  effect(a: A): ExpectedEffect;
}

/**
 * `DurationSeconds` of a duration in AWS ms: whole seconds, rounded up so the effect lasts at least as long (after
 * rounding to whole ms, as a wall duration times the sim's speed may carry a float's error: 59 s / 7 × 7).
 */
export const durationSeconds = (ms: number): string => String(Math.max(1, Math.ceil(Math.round(ms) / 1_000)));

/** An action definition running an AWSFIS document; with its mapping, which `gameday fis export/import` use. */
export function fisDocumentAction<A extends { timeout: number }>(
  spec: FisDocumentActionSpec<A>,
): ActionDefinition<A> & { fis: FisDocumentMapping<A>; effect(a: A): ExpectedEffect } {
  return {
    id: spec.id,
    summary: spec.summary,
    mutating: true,
    permissions: RUN_COMMAND_PERMISSIONS,
    capabilities: {
      services: ['ssm', 'ec2'],
      support: {
        sim: spec.sim,
        moto: no('moto runs no workloads: SendCommand is recorded, nothing on the instance changes.'),
        'localstack-free': no('LocalStack free runs no workloads for EC2 (mock VM manager): there is nothing for the document to act on.'),
        'localstack-paid': no('Not verified: the mock VM manager runs nothing, and no test covers the Docker VM manager.'),
        aws: yes('The instances must be SSM managed nodes on an OS the AWSFIS documents support (Amazon Linux 2/2023, Ubuntu, RHEL 8/9, CentOS 9).'),
      },
    },
    requiresDuration: `${spec.documents.join(' and ')} take DurationSeconds, after which the effect ends on the instance by itself.`,
    args: spec.args,
    effect: spec.effect,
    ...instanceTargets,
    async run(a, ctx) {
      if (ctx.duration === undefined) throw new ActionFailedError(`${spec.id} needs the fault's duration, which it sends as DurationSeconds.`);
      const { document, parameters } = spec.toDocument(a);
      const params = { ...parameters, DurationSeconds: durationSeconds(ctx.duration) };
      const result = await sendAndLand(
        ctx,
        spec.id,
        { documentName: document, parameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])) },
        a.timeout,
      );
      return { ...result, output: { ...result.output, parameters: params } };
    },
    undo: () => 'automatic — cancels the SSM command, whose rollback script removes the fault; it also ends by itself after its duration',
    intent: async (_a, _targets, ctx) => commandIntent(spec.id, ctx),
    async reconcile(a, prior, targets, ctx) {
      const found = await Promise.all(spec.documents.map((d) => reconcileCommand(d, prior, targets, ctx, a.timeout)));
      const sent = found.filter((r) => r.landed === true);
      if (sent.length === 0) return found[0] ?? { landed: false, found: [], done: [], lasting: [] };
      return { landed: true, found: sent.flatMap((r) => r.found), done: sent.flatMap((r) => r.done), lasting: [] };
    },
    rollback: (a, result, ctx) => cancelResult(result, ctx, a.timeout),
    fis: { documents: spec.documents, toDocument: spec.toDocument, fromParameters: spec.fromParameters },
  };
}
