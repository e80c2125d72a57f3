import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
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
  /** Resolves to the program's exit status once it has ended; the screen stays readable. */
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
  await tmux('new-session', '-d', '-s', 'gd', '-x', String(options.columns), '-y', String(options.rows), '-c', options.cwd, '--', ...argv);
  return {
    screen: () => tmux('capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', 'gd'),
    keys: async (...keys) => void (await tmux('send-keys', '-t', 'gd', ...keys)),
    exited: (timeoutMs = 60_000) =>
      waitFor(
        'the program in the terminal to exit',
        async () => {
          // tmux marks the pane dead a moment before it has collected the exit status.
          const [dead, status] = (await tmux('display-message', '-p', '-t', 'gd', '#{pane_dead} #{pane_dead_status}')).trim().split(' ');
          return dead === '1' && status !== undefined && /^\d+$/.test(status) ? Number(status) : undefined;
        },
        { timeoutMs, intervalMs: 100 },
      ),
    close: async () => {
      await tmux('kill-server').catch(() => undefined);
    },
  };
}
