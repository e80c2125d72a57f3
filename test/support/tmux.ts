import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './sim.js';

const run = promisify(execFile);

/** Why the terminal tests are skipped, or `false`: they need `tmux` on PATH. */
export const SKIP_WITHOUT_TMUX: string | false = spawnSync('tmux', ['-V']).error === undefined ? false : 'tmux is not installed (apt-get install tmux)';

/** A program running in a real pseudo-terminal of a given size, on a tmux server of its own. */
export interface Terminal {
  /** Everything the terminal shows, scrollback included, wrapped lines joined. */
  screen(): Promise<string>;
  /** Types keys as tmux names them (`C-c`). */
  keys(...keys: string[]): Promise<void>;
  /** Resolves to the program's exit status once it has ended; the screen stays readable (remain-on-exit). */
  exited(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** Starts `argv` in a `columns`×`rows` tmux pane in `cwd`, with no user configuration. */
export async function openTerminal(argv: readonly string[], options: { columns: number; rows: number; cwd: string; dir: string }): Promise<Terminal> {
  const socket = `gameday-test-${randomBytes(4).toString('hex')}`;
  // Loaded before the session starts, so the pane and its last screen outlive the program.
  const config = join(options.dir, `${socket}.conf`);
  await writeFile(config, 'set -g remain-on-exit on\nset -g history-limit 5000\n');
  const tmux = async (...args: string[]): Promise<string> => (await run('tmux', ['-L', socket, '-f', config, ...args])).stdout;
  // A tmux server started from a test runner may never reap its pane's program (its exit status stays empty): a shell
  // records the status in a file instead. The shell waits out a Ctrl-C that the program handles itself.
  const statusFile = join(options.dir, `${socket}.status`);
  await tmux(
    'new-session',
    '-d',
    '-s',
    'gd',
    '-x',
    String(options.columns),
    '-y',
    String(options.rows),
    '-c',
    options.cwd,
    '--',
    'bash',
    '--norc',
    '--noprofile',
    '-c',
    `"$@"; echo $? > '${statusFile}'`,
    'bash',
    ...argv,
  );
  const screen = (): Promise<string> => tmux('capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', 'gd');
  return {
    screen,
    keys: async (...keys) => void (await tmux('send-keys', '-t', 'gd', ...keys)),
    exited: (timeoutMs = 60_000) =>
      waitFor(
        'the program in the terminal to exit',
        async () => {
          const status = await readFile(statusFile, 'utf8').catch(() => '');
          return /^\d+\n$/.test(status) ? Number(status) : undefined;
        },
        { timeoutMs, intervalMs: 100 },
      ).catch(async (error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}; the terminal shows:\n${await screen()}`);
      }),
    close: async () => {
      await tmux('kill-server').catch(() => undefined);
    },
  };
}
