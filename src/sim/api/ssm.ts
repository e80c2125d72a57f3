import { awsJsonError, awsJsonOperation } from '../protocol/aws-json.js';
import { SimApiError } from '../protocol/errors.js';
import { jsonInput, jsonReply } from '../protocol/json.js';
import type { SimService, WireReply } from '../protocol/reply.js';
import type { SimWorld } from '../region.js';
import { commandStatus, invocationEnded, type SsmCommand, type SsmInvocation } from '../world/ssm.js';

/* SSM over awsJson1_1 (botocore's ssm model: target prefix AmazonSSM, signing name ssm). */

const AWS_JSON_1_1 = 'application/x-amz-json-1.1';
const SSM_TARGET = 'AmazonSSM';
/** Timestamps of the JSON protocols are epoch seconds. */
const epoch = (d: Date | undefined): number | undefined => (d === undefined ? undefined : d.getTime() / 1000);

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function parametersOf(v: unknown): Record<string, string[]> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new SimApiError('InvalidParameters', 'Parameters must map names to lists of strings.');
  return Object.fromEntries(Object.entries(v).map(([k, values]) => [k, strings(values)]));
}

function targetsOf(v: unknown): { Key: string; Values: string[] }[] {
  return (Array.isArray(v) ? v : []).map((t: { Key?: unknown; Values?: unknown }) => ({ Key: String(t.Key ?? ''), Values: strings(t.Values) }));
}

function commandWire(c: SsmCommand): Record<string, unknown> {
  const status = commandStatus(c);
  const ended = c.invocations.filter(invocationEnded);
  return {
    CommandId: c.id,
    DocumentName: c.documentName,
    DocumentVersion: '$DEFAULT',
    Comment: c.comment,
    ExpiresAfter: epoch(new Date(c.requestedAt.getTime() + (c.timeoutSeconds + 3600) * 1000)),
    Parameters: c.parameters,
    InstanceIds: c.instanceIds,
    Targets: c.targets,
    RequestedDateTime: epoch(c.requestedAt),
    Status: status,
    StatusDetails: status,
    MaxConcurrency: '50',
    MaxErrors: '0',
    TargetCount: c.invocations.length,
    CompletedCount: ended.length,
    ErrorCount: ended.filter((i) => i.details === 'Failed').length,
    DeliveryTimedOutCount: ended.filter((i) => i.details === 'Undeliverable').length,
    TimeoutSeconds: c.timeoutSeconds,
  };
}

function invocationWire(c: SsmCommand, i: SsmInvocation, details: boolean): Record<string, unknown> {
  return {
    CommandId: c.id,
    InstanceId: i.instanceId,
    InstanceName: '',
    Comment: c.comment,
    DocumentName: c.documentName,
    DocumentVersion: '$DEFAULT',
    RequestedDateTime: epoch(c.requestedAt),
    Status: i.status,
    StatusDetails: i.details,
    StandardOutputUrl: '',
    StandardErrorUrl: '',
    CommandPlugins: details
      ? [
          {
            Name: c.plugin,
            Status: i.status,
            StatusDetails: i.details,
            ResponseCode: i.responseCode,
            ResponseStartDateTime: epoch(i.startedAt),
            ResponseFinishDateTime: epoch(i.endedAt),
            Output: i.output + i.error,
          },
        ]
      : [],
  };
}

/** The command `CommandId` names; InvalidCommandId when there is none. */
function commandOf(world: SimWorld, id: unknown): SsmCommand {
  const command = typeof id === 'string' ? world.ssm.commands.get(id) : undefined;
  if (command === undefined) throw new SimApiError('InvalidCommandId', `There is no command '${String(id)}'.`);
  return command;
}

/** The commands a List* call reads: the one it names, or all of them, newest first. */
function commandsFor(world: SimWorld, input: Record<string, unknown>): SsmCommand[] {
  if (input.CommandId !== undefined) return [commandOf(world, input.CommandId)];
  return [...world.ssm.commands.values()].reverse();
}

/** Results `MaxResults` at a time from an index token. */
function page<T>(items: T[], input: Record<string, unknown>): { items: T[]; next: string | undefined } {
  const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new SimApiError('InvalidNextToken', 'The specified token is not valid.');
  const max = typeof input.MaxResults === 'number' ? input.MaxResults : 50;
  return { items: items.slice(start, start + max), next: start + max < items.length ? String(start + max) : undefined };
}

function operations(world: SimWorld, operation: string, input: Record<string, unknown>): unknown {
  switch (operation) {
    case 'SendCommand': {
      const command = world.ssm.send({
        documentName: String(input.DocumentName ?? ''),
        instanceIds: strings(input.InstanceIds),
        targets: targetsOf(input.Targets),
        parameters: parametersOf(input.Parameters),
        comment: typeof input.Comment === 'string' ? input.Comment : '',
        timeoutSeconds: typeof input.TimeoutSeconds === 'number' ? input.TimeoutSeconds : 3600,
      });
      return { Command: commandWire(command) };
    }
    case 'CancelCommand': {
      if (typeof input.CommandId !== 'string') throw new SimApiError('InvalidCommandId', 'CancelCommand needs a CommandId.');
      world.ssm.cancel(input.CommandId, strings(input.InstanceIds));
      return {};
    }
    case 'ListCommands': {
      const instanceId = input.InstanceId;
      const commands = commandsFor(world, input).filter((c) => instanceId === undefined || c.invocations.some((i) => i.instanceId === instanceId));
      const { items, next } = page(commands, input);
      return { Commands: items.map(commandWire), NextToken: next };
    }
    case 'ListCommandInvocations': {
      const all = commandsFor(world, input).flatMap((c) => c.invocations.map((i) => ({ c, i })));
      const { items, next } = page(
        all.filter(({ i }) => input.InstanceId === undefined || i.instanceId === input.InstanceId),
        input,
      );
      return { CommandInvocations: items.map(({ c, i }) => invocationWire(c, i, input.Details === true)), NextToken: next };
    }
    case 'GetCommandInvocation': {
      const command = commandOf(world, input.CommandId);
      const i = command.invocations.find((x) => x.instanceId === input.InstanceId);
      if (i === undefined)
        throw new SimApiError('InvocationDoesNotExist', `Command '${command.id}' has no invocation on instance '${String(input.InstanceId)}'.`);
      return {
        CommandId: command.id,
        InstanceId: i.instanceId,
        Comment: command.comment,
        DocumentName: command.documentName,
        DocumentVersion: '$DEFAULT',
        PluginName: command.plugin,
        ResponseCode: i.responseCode,
        ExecutionStartDateTime: i.startedAt?.toISOString() ?? '',
        ExecutionElapsedTime: i.startedAt === undefined ? '' : elapsed(i.startedAt, i.endedAt ?? new Date()),
        ExecutionEndDateTime: i.endedAt?.toISOString() ?? '',
        Status: i.status,
        StatusDetails: i.details,
        StandardOutputContent: i.output,
        StandardOutputUrl: '',
        StandardErrorContent: i.error,
        StandardErrorUrl: '',
      };
    }
    default:
      throw new SimApiError('UnknownOperationException', `The simulated SSM does not serve ${operation}.`);
  }
}

/** ExecutionElapsedTime's ISO 8601 duration (`PT0.5S`). */
function elapsed(from: Date, to: Date): string {
  return `PT${Math.max(0, (to.getTime() - from.getTime()) / 1000)}S`;
}

/** SSM: Run Command (SendCommand, CancelCommand, ListCommands, ListCommandInvocations, GetCommandInvocation). */
export const ssmService: SimService<SimWorld> = {
  route: (req) => ({ operation: awsJsonOperation(req.target, SSM_TARGET), path: [] }),
  handle: (world, req, route): WireReply => jsonReply(AWS_JSON_1_1, operations(world, route.operation, jsonInput(req.body, 'SerializationException'))),
  error: (e) => ({ ...awsJsonError(e), contentType: AWS_JSON_1_1 }),
};
