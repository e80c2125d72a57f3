/**
 * `process.exec` — runs a local program (argv, no shell), for example a script that kills a process or flips a
 * firewall rule on a host the operator controls. It has no automatic undo: pair it with an explicit rollback.
 */
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { ActionFailedError } from '../../errors/action-error.js';
import { duration } from '../../experiment/fields.js';
import { NO_AWS_CALL } from '../../registry/capabilities.js';
import type { ActionDefinition } from '../../registry/types.js';

const args = z.strictObject({
  command: z.array(z.string().min(1)).min(1, { error: 'command needs at least the program to run' }),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  timeout: duration().default(60_000),
  expectExitCode: z.number().int().default(0),
});

type Args = z.output<typeof args>;

const MAX_OUTPUT = 16 * 1024;

export const processExecAction: ActionDefinition<Args> = {
  id: 'process.exec',
  summary: 'Runs a local program (no shell) and checks its exit code.',
  mutating: true,
  permissions: { read: [], write: [] },
  capabilities: NO_AWS_CALL,
  args,
  run(a, ctx) {
    const [file, ...rest] = a.command as [string, ...string[]];
    const startedAt = performance.now();
    return new Promise((resolve, reject) => {
      execFile(
        file,
        rest,
        { cwd: a.cwd, env: { ...process.env, ...a.env }, timeout: a.timeout, signal: ctx.signal, maxBuffer: 4 * MAX_OUTPUT },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
          const ok = code === a.expectExitCode;
          ctx.recordCall({
            service: 'process',
            operation: file,
            mutating: true,
            request: { argv: a.command },
            startedAt,
            endedAt: performance.now(),
            ok,
            response: { exitCode: code },
            error: ok ? undefined : { name: 'ExitCode', message: error?.message ?? `exit code ${String(code)}` },
          });
          if (!ok) {
            const why = code === null ? (error?.message ?? 'it did not exit') : `it exited with ${code}`;
            reject(new ActionFailedError(`'${a.command.join(' ')}' failed: ${why}, expected exit code ${a.expectExitCode}.`));
            return;
          }
          resolve({ output: { exitCode: code, stdout: stdout.slice(0, MAX_OUTPUT), stderr: stderr.slice(0, MAX_OUTPUT) } });
        },
      );
    });
  },
};
