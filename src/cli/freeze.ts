import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { parseDuration } from '../experiment/duration.js';
import type { GlobalOptions } from './output.js';
import { withQueue, type QueueOptions } from './queue-connection.js';

export interface FreezeAddOptions extends QueueOptions {
  from: string;
  to: string;
  reason?: string;
}

/**
 * `gameday freeze add NAME --from ISO|now --to ISO|DURATION`: no experiment starts inside the window. `--to` may be a
 * duration after `--from` (`10h`, `PT10H`), so a freeze starting now needs no clock arithmetic.
 */
export async function freezeAddCommand(globals: GlobalOptions, name: string, options: FreezeAddOptions): Promise<number> {
  const from = options.from === 'now' ? Date.now() : instant(options.from, '--from');
  const to = /^\d{4}-/.test(options.to) ? instant(options.to, '--to') : from + length(options.to);
  const window = { name, from, to, ...(options.reason === undefined ? {} : { reason: options.reason }) };
  return withQueue(options, async ({ queue }) => {
    await queue.freezeWindows.add(window);
    process.stdout.write(
      globals.json ? `${JSON.stringify({ window })}\n` : `freeze window ${name}: no experiment starts from ${iso(window.from)} to ${iso(window.to)}\n`,
    );
    return 0;
  });
}

/** `gameday freeze list`: declared windows, soonest first, and whether each is in effect. */
export async function freezeListCommand(globals: GlobalOptions, options: QueueOptions): Promise<number> {
  return withQueue(options, async ({ queue }) => {
    const now = Date.now();
    const windows = await queue.freezeWindows.list(now);
    if (globals.json) {
      process.stdout.write(`${JSON.stringify({ windows })}\n`);
      return 0;
    }
    if (windows.length === 0) process.stdout.write('no freeze windows on this queue\n');
    for (const w of windows) {
      const state = w.from <= now && now < w.to ? 'IN EFFECT' : w.to <= now ? 'ended' : 'upcoming';
      process.stdout.write(`${w.name}  ${iso(w.from)} to ${iso(w.to)}  ${state}${w.reason === undefined ? '' : `  ${w.reason}`}\n`);
    }
    return 0;
  });
}

/** `gameday freeze remove NAME`. */
export async function freezeRemoveCommand(globals: GlobalOptions, name: string, options: QueueOptions): Promise<number> {
  return withQueue(options, async ({ queue }) => {
    if (!(await queue.freezeWindows.remove(name))) {
      throw new GamedayError(ErrorCode.InvalidArgument, `No freeze window '${name}' is declared on this queue; 'gameday freeze list' shows them.`, {
        exitCode: ExitCode.InvalidInput,
      });
    }
    process.stdout.write(globals.json ? `${JSON.stringify({ removed: name })}\n` : `freeze window ${name} removed\n`);
    return 0;
  });
}

/** An ISO 8601 instant with a date and a time; a time without a zone would depend on the machine, so one is required. */
function instant(text: string, flag: string): number {
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text) || Number.isNaN(ms)) {
    throw new GamedayError(
      ErrorCode.InvalidArgument,
      `${flag} needs an ISO 8601 instant with a time zone, such as 2026-12-24T00:00Z or 2026-12-24T08:00+01:00, not '${text}'.`,
      { exitCode: ExitCode.InvalidInput },
    );
  }
  return ms;
}

function length(text: string): number {
  const parsed = parseDuration(text);
  if (parsed.ok) return parsed.ms;
  throw new GamedayError(
    ErrorCode.InvalidArgument,
    `--to needs an ISO 8601 instant with a time zone (2026-12-24T00:00Z) or a duration after --from (10h, P14D): '${text}' is neither (${parsed.reason}).`,
    { exitCode: ExitCode.InvalidInput },
  );
}

const iso = (ms: number): string => new Date(ms).toISOString();
