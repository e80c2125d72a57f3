import { randomUUID } from 'node:crypto';
import { SimApiError } from './errors.js';
import type { WireReply } from './reply.js';

/** A JSON body reply, shared by awsJson1_0 (`aws-json.ts`) and restJson1 (`rest-json.ts`). */
export function jsonReply(contentType: string, body: unknown, status = 200): WireReply {
  return { status, body: JSON.stringify(body), contentType, requestId: randomUUID() };
}

/** The request body of a JSON protocol; `{}` when empty, the service's `code` when it is not JSON. */
export function jsonInput(body: string, code: string): Record<string, unknown> {
  if (body === '') return {};
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new SimApiError(code, 'The request body is not valid JSON.');
  }
}
