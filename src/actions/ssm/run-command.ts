/**
 * What every fault sent as an SSM Run Command shares (AWS FIS's aws:ssm:send-command): sending the document to the
 * targets, waiting until each invocation has landed, cancelling it as the undo, and finding a lost run's command by its
 * comment. Invocation statuses: https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html.
 */
import { z } from 'zod';
import type { GetCommandInvocationCommandOutput, ListCommandsCommandOutput, SendCommandCommandOutput } from '@aws-sdk/client-ssm';
import { awsSend } from '../../aws/call.js';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError, AwsCallError } from '../../errors/action-error.js';
import { duration } from '../../experiment/fields.js';
import type { ActionContext, ActionResult, ActivityContext, PriorState, Reconciliation, Resource } from '../../registry/types.js';

/** Invocation statuses that end it. */
export const ENDED = new Set(['Success', 'Failed', 'Cancelled', 'TimedOut', 'Undeliverable', 'Terminated', 'DeliveryTimedOut', 'ExecutionTimedOut']);
/** Statuses of an invocation whose document runs, or already ran to its end: the fault landed there. */
const LANDED = new Set(['InProgress', 'Success']);

/** How long to wait for the invocations, shared by every Run Command fault. */
export const waitTimeout = () =>
  duration().default(300_000).meta({ description: 'How long to wait for every invocation to start, and in the undo to end (wall time).' });

/** `True`/`False`, as the AWSFIS documents spell booleans. */
export const ssmBool = (b: boolean): string => (b ? 'True' : 'False');

/** What a Run Command fault sends: the document, its version and parameters (each a list of strings, as SSM takes them). */
export interface CommandSpec {
  documentName: string;
  documentVersion?: string | undefined;
  parameters: Record<string, string[]>;
}

/** The comment of a run's command (at most 100 characters, as SSM allows): how its successor finds it. */
export function commentOf(actionId: string, runId: string): string {
  return `gameday ${actionId} ${runId}`.slice(0, 100);
}

/**
 * The command's invocation on each of `ids` (GetInvocation, which moto 5.2.1 serves where it lacks
 * ListInvocations); one SSM has not created yet (InvocationDoesNotExist, just after SendCommand) is left out.
 */
async function invocations(ctx: ActivityContext, commandId: string, ids: readonly string[]): Promise<Invocation[]> {
  const { GetCommandInvocationCommand } = await sdk.ssm();
  const out: Invocation[] = [];
  for (const id of ids) {
    try {
      const i: GetCommandInvocationCommandOutput = await awsSend(ctx, 'ssm', new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }));
      out.push({ InstanceId: i.InstanceId ?? id, Status: i.Status, StatusDetails: i.StatusDetails });
    } catch (error) {
      if (!(error instanceof AwsCallError && error.awsName === 'InvocationDoesNotExist')) throw error;
    }
  }
  return out;
}

/** What gameday reads of one invocation. */
export interface Invocation {
  InstanceId: string;
  Status?: string | undefined;
  StatusDetails?: string | undefined;
}

/**
 * Polls the command's invocations on `ids`, with backoff on the run's clock, until `done` holds for each or `timeoutMs`
 * passes (then throws naming those still open).
 */
async function pollUntil(
  ctx: ActivityContext,
  commandId: string,
  ids: readonly string[],
  done: (i: Invocation) => boolean,
  timeoutMs: number,
  what: string,
): Promise<Invocation[]> {
  const deadline = ctx.clock.now() + timeoutMs;
  let delay = 100;
  for (;;) {
    const list = await invocations(ctx, commandId, ids);
    const seen = new Set(list.map((i) => i.InstanceId));
    if (ids.every((id) => seen.has(id)) && list.every(done)) return list;
    if (ctx.clock.now() + delay > deadline) {
      const open = [
        ...ids.filter((id) => !seen.has(id)).map((id) => `${id} has no invocation`),
        ...list.filter((i) => !done(i)).map((i) => `${i.InstanceId ?? '?'} is ${i.Status ?? 'unknown'}`),
      ];
      throw new ActionFailedError(`SSM command ${commandId} did not ${what} within ${Math.round(timeoutMs / 1000)}s: ${open.join(', ')}.`, {
        retryable: true,
      });
    }
    await ctx.clock.sleep(delay, ctx.signal);
    delay = Math.min(2_000, delay * 1.5);
  }
}

/** What sending a document and following it to its end or its cancel reads and changes. */
export const RUN_COMMAND_PERMISSIONS = {
  read: ['ec2:DescribeInstances', 'ssm:GetCommandInvocation', 'ssm:ListCommands'],
  write: ['ssm:SendCommand', 'ssm:CancelCommand'],
};

/** Sends the document to the fault's targets, its comment naming the run; returns the command's id. */
async function send(ctx: ActionContext, actionId: string, spec: CommandSpec): Promise<string> {
  const ids = ctx.targets.map((t) => t.id);
  const { SendCommandCommand } = await sdk.ssm();
  const sent: SendCommandCommandOutput = await awsSend(
    ctx,
    'ssm',
    new SendCommandCommand({
      DocumentName: spec.documentName,
      ...(spec.documentVersion === undefined ? {} : { DocumentVersion: spec.documentVersion }),
      InstanceIds: ids,
      Parameters: spec.parameters,
      Comment: commentOf(actionId, ctx.runId),
    }),
    (out: SendCommandCommandOutput) => ({ commandId: out.Command?.CommandId }),
  );
  const commandId = sent.Command?.CommandId;
  if (commandId === undefined) throw new ActionFailedError(`SSM answered SendCommand of ${spec.documentName} without a command id.`);
  return commandId;
}

/**
 * Sends a document whose work is one act (a kill) to the fault's targets and waits until every invocation has ended;
 * returns them, whatever their status: the caller judges them.
 */
export async function sendAndEnd(
  ctx: ActionContext,
  actionId: string,
  spec: CommandSpec,
  timeoutMs: number,
): Promise<{ commandId: string; ended: Invocation[] }> {
  const commandId = await send(ctx, actionId, spec);
  return {
    commandId,
    ended: await endedInvocations(
      ctx,
      commandId,
      ctx.targets.map((t) => t.id),
      timeoutMs,
    ),
  };
}

/** The command's invocations on `ids`, once each has ended (or an error naming those still open after `timeoutMs`). */
export function endedInvocations(ctx: ActivityContext, commandId: string, ids: readonly string[], timeoutMs: number): Promise<Invocation[]> {
  return pollUntil(ctx, commandId, ids, (i) => ENDED.has(i.Status ?? ''), timeoutMs, 'end');
}

/**
 * Sends the document to the fault's targets and waits until every invocation runs (InProgress) or already ended with
 * Success. An invocation that failed fails the fault with its StatusDetails, once the others are cancelled.
 */
export async function sendAndLand(ctx: ActionContext, actionId: string, spec: CommandSpec, timeoutMs: number): Promise<ActionResult> {
  const ids = ctx.targets.map((t) => t.id);
  const commandId = await send(ctx, actionId, spec);
  const output = { commandId, documentName: spec.documentName, instanceIds: ids };
  const settled = await pollUntil(ctx, commandId, ids, (i) => LANDED.has(i.Status ?? '') || ENDED.has(i.Status ?? ''), timeoutMs, 'start');
  const failed = settled.filter((i) => !LANDED.has(i.Status ?? ''));
  if (failed.length > 0) {
    // A fault that half landed is undone here: a failed action gets no rollback.
    const running = settled.filter((i) => i.Status === 'InProgress').map((i) => i.InstanceId ?? '');
    if (running.length > 0) await cancel(ctx, commandId, running, timeoutMs);
    throw new ActionFailedError(
      `${spec.documentName} did not start on ${failed.map((i) => `${i.InstanceId ?? '?'} (${i.StatusDetails ?? i.Status ?? 'unknown'})`).join(', ')} (SSM command ${commandId})${running.length > 0 ? `; cancelled it on ${running.join(', ')}` : ''}.`,
    );
  }
  return { output };
}

/** Cancels the command on `ids` where it still runs, then waits until every invocation there has ended; safe to run again. */
export async function cancel(
  ctx: ActivityContext,
  commandId: string,
  ids: readonly string[],
  timeoutMs: number,
): Promise<{ cancelled: string[]; ended: Record<string, string> }> {
  if (ids.length === 0) return { cancelled: [], ended: {} };
  const now = await invocations(ctx, commandId, ids);
  const open = now.filter((i) => !ENDED.has(i.Status ?? '')).map((i) => i.InstanceId ?? '');
  if (open.length > 0) {
    const { CancelCommandCommand } = await sdk.ssm();
    // Naming the instances keeps the call inside the run's plan (the fence reads InstanceIds).
    await awsSend(ctx, 'ssm', new CancelCommandCommand({ CommandId: commandId, InstanceIds: open }));
  }
  const ended = await endedInvocations(ctx, commandId, ids, timeoutMs);
  return { cancelled: open, ended: Object.fromEntries(ended.map((i) => [i.InstanceId ?? '', i.Status ?? 'unknown'])) };
}

/** The undo of a Run Command fault: cancels its command where it still runs. */
export async function cancelResult(result: ActionResult, ctx: ActivityContext, timeoutMs: number): Promise<ActionResult> {
  const commandId = result.output.commandId as string | undefined;
  const ids = (result.output.instanceIds as string[] | undefined) ?? [];
  if (commandId === undefined) return { output: { cancelled: [] } };
  return { output: { commandId, ...(await cancel(ctx, commandId, ids, timeoutMs)) } };
}

/** The intent of a Run Command fault: the comment its command will carry, how a successor finds whether it was sent. */
export function commandIntent(actionId: string, ctx: ActivityContext): PriorState {
  return { comment: commentOf(actionId, ctx.runId) };
}

/** The commands of `documentName` a lost run sent to `targets`, found by the comment its intent recorded. */
export async function lostCommands(documentName: string, prior: PriorState, targets: readonly Resource[], ctx: ActivityContext): Promise<Set<string>> {
  const { ListCommandsCommand } = await sdk.ssm();
  const comment = String(prior.comment ?? '');
  const commands = new Set<string>();
  for (const t of targets) {
    const out: ListCommandsCommandOutput = await awsSend(ctx, 'ssm', new ListCommandsCommand({ InstanceId: t.id }));
    for (const c of out.Commands ?? []) if (c.Comment === comment && c.DocumentName === documentName && c.CommandId !== undefined) commands.add(c.CommandId);
  }
  return commands;
}

/**
 * Finds the lost run's command by its comment on each target and cancels it where it still runs. Safe whether the
 * command was sent or not, and safe to run again.
 */
export async function reconcileCommand(
  documentName: string,
  prior: PriorState,
  targets: readonly Resource[],
  ctx: ActivityContext,
  timeoutMs: number,
): Promise<Reconciliation> {
  const commands = await lostCommands(documentName, prior, targets, ctx);
  const ids = targets.map((t) => t.id);
  if (commands.size === 0) {
    return { landed: false, found: [`no SSM command of the lost run reached ${ids.join(', ')}: ${documentName} was not sent`], done: [], lasting: [] };
  }
  const found: string[] = [];
  const done: string[] = [];
  for (const commandId of commands) {
    const { cancelled, ended } = await cancel(ctx, commandId, ids, timeoutMs);
    found.push(...cancelled.map((id) => `SSM command ${commandId} (${documentName}) of the lost run was running on ${id}`));
    for (const [id, status] of Object.entries(ended))
      if (!cancelled.includes(id)) found.push(`SSM command ${commandId} (${documentName}) of the lost run had ended ${status} on ${id}`);
    done.push(...cancelled.map((id) => `cancelled SSM command ${commandId} on ${id}`));
  }
  return { landed: true, found, done, lasting: [] };
}

/** Comma-separated list entries as the AWSFIS documents take them: no spaces, no commas inside one. */
export const sourceList = () =>
  z
    .array(
      z
        .string()
        .min(1)
        .regex(/^[^\s,]+$/, { error: 'a source is one IPv4 address, CIDR block, domain name, AZ name or id, ALL, DYNAMODB or S3, without spaces or commas' }),
    )
    .min(1, { error: 'list at least one source, or leave sources out to affect all traffic' });
