import { redact } from '../core/redact.js';

/** One AWS API call as the audit trail keeps it: what, when, with which (redacted) parameters, and the outcome. */
export interface AuditEntry {
  /** Wall-clock epoch ms at which the call started. */
  epochMs: number;
  durationMs: number;
  service: string;
  /** The Region the call was signed for (a global service's calls: the Region its client signs for). */
  region: string;
  operation: string;
  mutating: boolean;
  ok: boolean;
  requestId?: string | undefined;
  /** Attempts the SDK made (more than 1 after retries). */
  attempts?: number | undefined;
  error?: { name: string; message: string } | undefined;
  /** The parameters, with secret-looking fields redacted. */
  request: unknown;
}

/** Whether an operation changes anything: everything but Describe*, Get* and List*. */
export function isMutating(operation: string): boolean {
  return !/^(Describe|Get|List)/.test(operation);
}

type Handler = (args: { input: unknown }) => Promise<{ output: { $metadata?: { requestId?: string; attempts?: number } } }>;
interface MiddlewareStack {
  add(middleware: (next: Handler, context: { commandName?: string }) => Handler, options: { step: 'initialize'; name: string }): void;
}

/**
 * Adds the audit middleware to an SDK client: every command sent through it, probes' reads and actions' changes
 * alike, is reported once (retries included in `attempts`) to `emit`.
 */
export function auditClient(client: { middlewareStack: unknown }, service: string, region: string, emit: (entry: AuditEntry) => void): void {
  (client.middlewareStack as MiddlewareStack).add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const epochMs = Date.now();
      const started = performance.now();
      const base = { epochMs, service, region, operation, mutating: isMutating(operation), request: redact(args.input) };
      try {
        const result = await next(args);
        emit({
          ...base,
          durationMs: performance.now() - started,
          ok: true,
          requestId: result.output.$metadata?.requestId,
          attempts: result.output.$metadata?.attempts,
        });
        return result;
      } catch (error) {
        const e = error as { name?: unknown; message?: unknown; $metadata?: { requestId?: string; attempts?: number } };
        emit({
          ...base,
          durationMs: performance.now() - started,
          ok: false,
          requestId: e.$metadata?.requestId,
          attempts: e.$metadata?.attempts,
          error: { name: typeof e.name === 'string' ? e.name : 'Error', message: typeof e.message === 'string' ? e.message : String(error) },
        });
        throw error;
      }
    },
    { step: 'initialize', name: 'gamedayAudit' },
  );
}
