import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEntry } from '../aws/audit.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';

/** An append-only audit log: one JSON line per AWS call, with the run it belongs to. Never truncated or rewritten. */
export interface AuditLog {
  write(runId: string, entry: AuditEntry): void;
  close(): Promise<void>;
}

/** Opens the log at `path` (creating its folder); refused in one sentence when the folder cannot be made. */
export async function openAuditLog(path: string): Promise<AuditLog> {
  await mkdir(dirname(path), { recursive: true }).catch((error: unknown) => {
    throw new GamedayError(ErrorCode.OutputNotWritten, `The audit log ${path} cannot be opened: ${reasonOf(error)}.`, {
      exitCode: ExitCode.InvalidInput,
      cause: error,
    });
  });
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
        stream.end(() =>
          failure === undefined
            ? resolve()
            : reject(new GamedayError(ErrorCode.OutputNotWritten, `The audit log ${path} could not be written: ${reasonOf(failure)}.`, { cause: failure })),
        );
      }),
  };
}

/** A file system error as the operator reads it: "permission denied", not "EACCES: permission denied, open '…'". */
function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  // mkdir -p says EEXIST when a file stands where a folder of the path should be.
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a part of its path is a file, not a folder';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'ENOSPC') return 'no space left on the device';
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
}
