import { performance } from 'node:perf_hooks';
import { redact } from '../core/redact.js';
import { isMutating } from './audit.js';
import { AwsCallError, type AwsCallWhere } from '../errors/action-error.js';
import type { CallRecord } from '../core/call-record.js';
import type { AwsClients } from './clients.js';

/** What a call needs of an activity's context (an action's or probe's context is one): the AWS layer knows no registry. */
export interface AwsCallContext {
  signal: AbortSignal;
  aws: AwsClients;
  recordCall(call: CallRecord): void;
  /** Refuses a mutating call outside the run's plan by throwing. */
  fence?: { check(service: string, operation: string, input: unknown): void } | undefined;
}

/**
 * Sends one AWS SDK command, records it for the journal (operation, redacted input, request id, outcome) and turns
 * a refusal into an `AwsCallError` that keeps the SDK's `name` and `$fault`. `where` (endpoint, Region) lets a call
 * that never reached AWS say where it tried.
 */
export async function awsCall<C extends { input: unknown }, O extends { $metadata?: { requestId?: string | undefined } }>(
  ctx: Pick<AwsCallContext, 'recordCall' | 'signal' | 'fence'>,
  service: string,
  command: C,
  send: (command: C, options: { abortSignal: AbortSignal }) => Promise<O>,
  summarize?: (output: O) => Record<string, unknown>,
  where: AwsCallWhere = {},
): Promise<O> {
  const operation = command.constructor.name.replace(/Command$/, '');
  const mutating = isMutating(operation);
  const request = redact(command.input) as Record<string, unknown>;
  // Outside the plan, nothing is sent: the refusal is journaled like any refused call.
  if (mutating) {
    try {
      ctx.fence?.check(service, operation, command.input);
    } catch (error) {
      const now = performance.now();
      ctx.recordCall({
        service,
        operation,
        request,
        startedAt: now,
        endedAt: now,
        mutating,
        ok: false,
        requestId: undefined,
        error: { name: 'RefusedByGameday', message: (error as Error).message, fault: 'client' },
      });
      throw error;
    }
  }
  const startedAt = performance.now();
  const record = (ok: boolean, requestId: string | undefined, extra: Pick<CallRecord, 'response' | 'error'>): void =>
    ctx.recordCall({ service, operation, request, startedAt, endedAt: performance.now(), mutating, ok, requestId, ...extra });
  try {
    const output = await send(command, { abortSignal: ctx.signal });
    record(true, output.$metadata?.requestId, { response: summarize === undefined ? undefined : (redact(summarize(output)) as Record<string, unknown>) });
    return output;
  } catch (error) {
    const wrapped = new AwsCallError(`${service}:${operation}`, error, where);
    record(false, wrapped.requestId, {
      error: { name: wrapped.awsName, message: error instanceof Error ? error.message : String(error), fault: wrapped.fault },
    });
    throw wrapped;
  }
}

/** The services `awsSend` reaches, by the client factory's method names. */
export type AwsService = 'ec2' | 'autoScaling' | 'elbv2' | 'rds' | 'route53' | 'fis' | 'ssm' | 'sts' | 'cloudWatch';

const SIGNING_NAME: Record<AwsService, string> = {
  ec2: 'ec2',
  autoScaling: 'autoscaling',
  elbv2: 'elasticloadbalancing',
  rds: 'rds',
  route53: 'route53',
  fis: 'fis',
  ssm: 'ssm',
  sts: 'sts',
  cloudWatch: 'monitoring',
};

/** Sends a command through the context's client for `service`, recorded for the journal (see `awsCall`). */
export async function awsSend<C extends { input: unknown }, O extends { $metadata?: { requestId?: string | undefined } }>(
  ctx: AwsCallContext,
  service: AwsService,
  command: C,
  summarize?: (output: O) => Record<string, unknown>,
): Promise<O> {
  const client = (await ctx.aws[service]()) as unknown as { send(c: C, o: { abortSignal: AbortSignal }): Promise<O>; config: { region(): Promise<string> } };
  // Every call says the Region it was signed for (a global service's: the one its client signs for).
  const region = await client.config.region();
  const recorded = { ...ctx, recordCall: (call: CallRecord) => ctx.recordCall({ ...call, region }) };
  return awsCall(recorded, SIGNING_NAME[service], command, (c, o) => client.send(c, o), summarize, { endpoint: ctx.aws.target.endpoint, region });
}
