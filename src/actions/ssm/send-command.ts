/**
 * `aws.ssm.send-command` — runs a document of the user's own on the selected instances with SSM Run Command, as FIS's
 * aws:ssm:send-command does. The same guards as every instance fault apply (opt-in tags, selection, allowed Regions).
 * Lands when every invocation runs or has succeeded. Undo: with `cancelOnUndo`, cancels the command where it still
 * runs; otherwise none — what the document changed is its own to undo.
 */
import { z } from 'zod';
import { no, partial, yes } from '../../registry/capabilities.js';
import type { ActionDefinition } from '../../registry/types.js';
import { instanceTargets } from '../ec2/instances.js';
import { cancelResult, commandIntent, RUN_COMMAND_PERMISSIONS, reconcileCommand, sendAndLand, waitTimeout } from './run-command.js';

const args = z.strictObject({
  /** The document's name (one owned by the account or by AWS), or its ARN (one shared by another account). */
  documentName: z.string().regex(/^(arn:aws[a-z-]*:ssm:[a-z0-9-]*:\d{0,12}:document\/)?[A-Za-z0-9_.-]{3,128}$/, {
    error: 'a document name of 3 to 128 letters, digits, _ . or -, or a document ARN',
  }),
  /** A version number, `$DEFAULT` or `$LATEST` (DocumentVersion); left out, SSM runs the default version. */
  documentVersion: z
    .string()
    .regex(/^([$]LATEST|[$]DEFAULT|[0-9]+)$/, { error: 'a version number, $DEFAULT or $LATEST' })
    .optional(),
  /** The document's parameters; a single value stands for a list of one, as SSM takes them. */
  parameters: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
  /** Whether the undo cancels the command where it still runs. */
  cancelOnUndo: z.boolean().default(false),
  timeout: waitTimeout(),
});
type Args = z.output<typeof args>;

/** The document name SendCommand and ListCommands use. */
const nameOf = (a: Args): string => a.documentName;

export const sendCommandAction: ActionDefinition<Args> = {
  id: 'aws.ssm.send-command',
  summary: 'Runs your own SSM document on the selected EC2 instances with Run Command; with cancelOnUndo, the undo cancels it.',
  mutating: true,
  permissions: RUN_COMMAND_PERMISSIONS,
  capabilities: {
    services: ['ssm', 'ec2'],
    support: {
      sim: yes(
        'Runs the documents the simulated region knows (the AWSFIS ones); one it does not know is refused as InvalidDocument, as AWS refuses an unknown document.',
      ),
      moto: partial(
        `moto records the command and reports each invocation Success at once; nothing runs (test/conformance/moto-ssm.test.ts: "Run Command faults against moto_server").`,
      ),
      'localstack-free': no('LocalStack free runs no workloads for EC2 (mock VM manager): there is nothing for a document to act on.'),
      'localstack-paid': no('Not verified: the mock VM manager runs nothing, and no test covers the Docker VM manager.'),
      aws: yes('The instances must be SSM managed nodes; the policy grants SendCommand on the documents the experiments name.'),
    },
  },
  args,
  ...instanceTargets,
  run: (a, ctx) =>
    sendAndLand(
      ctx,
      sendCommandAction.id,
      {
        documentName: nameOf(a),
        documentVersion: a.documentVersion,
        parameters: Object.fromEntries(Object.entries(a.parameters).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
      },
      a.timeout,
    ),
  undo: (a) =>
    a.cancelOnUndo ? 'automatic — cancels the SSM command where it still runs' : 'none — the document changes what it changes; set cancelOnUndo to cancel it',
  intent: async (_a, _targets, ctx) => commandIntent(sendCommandAction.id, ctx),
  async reconcile(a, prior, targets, ctx) {
    if (!a.cancelOnUndo) {
      return {
        landed: 'unknown',
        found: [`${nameOf(a)} is not cancelled on undo (cancelOnUndo is false), so the lost run's command was left as it was`],
        done: [],
        lasting: [],
      };
    }
    return reconcileCommand(nameOf(a), prior, targets, ctx, a.timeout);
  },
  rollback: async (a, result, ctx) => (a.cancelOnUndo ? cancelResult(result, ctx, a.timeout) : { output: { cancelled: [], reason: 'cancelOnUndo is false' } }),
};
