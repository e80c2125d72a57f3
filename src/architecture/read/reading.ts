import { ACCESS_DENIED_NAMES } from '../../aws/access-denied.js';
import type { AwsClients } from '../../aws/clients.js';
import { ErrorCode, ExitCode, GamedayError } from '../../errors/gameday-error.js';
import type { Architecture } from '../model.js';

/** What every part of the reader shares: the clients, the caller's stop signal, and the architecture being filled. */
export interface ReadContext {
  aws: AwsClients;
  /** Passed to every call, so an interrupted twin stops at once. */
  options: { abortSignal?: AbortSignal };
  arch: Architecture;
  /** `aws`, `aws-cn`, `aws-us-gov`: from the caller's ARN, for the ARNs the reader builds (instances have none in the API). */
  partition: string;
}

/**
 * Error names (and messages) of a target that refuses a whole operation rather than failing it: not implemented or
 * unsupported (moto, LocalStack, a simulated region that does not serve it yet) or not allowed (IAM). Such a refusal
 * leaves that part of the architecture unread, said in `unmodelled`, and the rest of the read goes on.
 */
const REFUSAL_NAMES = new Set([
  'InvalidAction',
  'UnknownOperationException',
  'UnknownService',
  'NotImplemented',
  'NotImplementedException',
  'UnsupportedOperation',
  'UnsupportedOperationException',
  'InternalFailure',
  ...ACCESS_DENIED_NAMES,
]);
const REFUSAL_MESSAGE = /not (yet )?implemented|not supported|unsupported|is not valid for this web service|could not find operation|does not serve/i;

/** Why a target refused the whole call, in a few words, or undefined when the error is a real failure. */
export function refusalOf(error: unknown): string | undefined {
  const e = error as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  // moto answers an operation it does not implement with an HTML 500 page, which is no AWS error at all: AWS and
  // every emulator that serves an operation answer with its protocol's error shape.
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500 && /Deserialization error/i.test(message))
    return 'not served by this target (a 500 answer that is not an AWS error)';
  if (name === 'InternalFailure' && !REFUSAL_MESSAGE.test(message)) return undefined;
  if (REFUSAL_NAMES.has(name) || REFUSAL_MESSAGE.test(message) || e.$metadata?.httpStatusCode === 501) {
    const why = /denied|unauthori[sz]ed|authorization/i.test(`${name} ${message}`) ? 'access denied' : 'not served by this target';
    return `${why} (${name || 'error'})`;
  }
  return undefined;
}

/**
 * Reads one part of the architecture with `call` (its AWS operation names, for the sentence). A refused operation
 * goes to `unmodelled` under `resource` and gives `undefined`; any other failure stops the read with one sentence.
 */
export async function readPart<T>(ctx: ReadContext, call: string, resource: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if ((error as { name?: unknown }).name === 'AbortError') throw error;
    const refusal = refusalOf(error);
    if (refusal === undefined) {
      const message = error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
      throw new GamedayError(ErrorCode.AwsCallFailed, `Reading the architecture failed at ${call} (${resource}): ${message}.`, {
        exitCode: ExitCode.Error,
        cause: error,
      });
    }
    ctx.arch.unmodelled.push({ resource, what: `${call} was refused, ${refusal}, so what it returns is not in the twin.` });
    return undefined;
  }
}

/** Every page of an SDK v3 paginator, flattened by `items`. */
export async function allPages<P, T>(pages: AsyncIterable<P>, items: (page: P) => readonly T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(items(page) ?? []));
  return out;
}

/** AWS's `[{ Key, Value }]` tag lists as a record. */
export function tagsOf(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

/** A date as ISO 8601 text, as the model keeps times. */
export function isoOf(date: Date | string | undefined): string | undefined {
  if (date === undefined) return undefined;
  return typeof date === 'string' ? date : date.toISOString();
}
