import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEntry } from '../aws/audit.js';

/** An append-only audit log: one JSON line per AWS call, with the run it belongs to. Never truncated or rewritten. */
export interface AuditLog {
  write(runId: string, entry: AuditEntry): void;
  close(): Promise<void>;
}

export async function openAuditLog(path: string): Promise<AuditLog> {
  await mkdir(dirname(path), { recursive: true });
  const stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure ??= error;
  });
  return {
    write(runId, entry) {
      if (failure === undefined) stream.write(`${JSON.stringify({ time: new Date(entry.epochMs).toISOString(), runId, ...entry })}\n`);
    },
    close: () =>
      new Promise((resolve, reject) => {
        stream.end(() => (failure === undefined ? resolve() : reject(new Error(`The audit log ${path} could not be written: ${failure.message}.`))));
      }),
  };
}
