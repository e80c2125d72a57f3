import { formatDuration } from '../experiment/duration.js';
import { Schedules, type GameDayExperiment } from '../orchestrator/schedules.js';
import type { GlobalOptions } from './output.js';
import { withQueue, type QueueOptions } from './queue-connection.js';
import { experimentForQueue } from './run-queued.js';

export interface ScheduleAddOptions extends QueueOptions {
  cron: string;
  tz?: string;
  /** Milliseconds; the game day starts after a random delay below this. */
  jitter: number;
  parallel: boolean;
  topology?: string;
  speed?: number;
}

/** `gameday schedule add NAME FILE…`: validates every experiment, then registers the game day's job scheduler. */
export async function scheduleAddCommand(globals: GlobalOptions, name: string, files: string[], options: ScheduleAddOptions): Promise<number> {
  const experiments: GameDayExperiment[] = [];
  for (const file of files) {
    const { loaded: _, ...experiment } = await experimentForQueue(file, options);
    experiments.push(experiment);
  }
  return withSchedules(options, async (schedules) => {
    await schedules.add({
      schedule: name,
      cron: options.cron,
      ...(options.tz === undefined ? {} : { tz: options.tz }),
      jitterMs: options.jitter,
      parallel: options.parallel,
      experiments,
    });
    const added = (await schedules.list()).find((s) => s.name === name);
    const next = added?.next == null ? 'never' : new Date(added.next).toISOString();
    process.stdout.write(
      globals.json
        ? `${JSON.stringify({ schedule: added })}\n`
        : `schedule ${name}: ${experiments.length} experiment(s) ${options.parallel ? 'in parallel' : 'in sequence'}, next game day ${next}\n`,
    );
    return 0;
  });
}

/** `gameday schedule list`: name, cron, time zone, next game day and experiments of every schedule. */
export async function scheduleListCommand(globals: GlobalOptions, options: QueueOptions): Promise<number> {
  return withSchedules(options, async (schedules) => {
    const list = await schedules.list();
    if (globals.json) {
      process.stdout.write(`${JSON.stringify({ schedules: list })}\n`);
      return 0;
    }
    if (list.length === 0) process.stdout.write('no schedules on this queue\n');
    for (const s of list) {
      const next = s.paused ? 'never (paused)' : s.next === null ? 'never' : new Date(s.next).toISOString();
      const jitter = s.jitterMs === 0 ? '' : ` (+ up to ${formatDuration(s.jitterMs)})`;
      process.stdout.write(`${s.name}  "${s.cron}" ${s.tz}  next ${next}${jitter}  ${s.parallel ? 'parallel' : 'sequence'}: ${s.experiments.join(', ')}\n`);
    }
    return 0;
  });
}

/** `gameday schedule remove NAME`. */
export async function scheduleRemoveCommand(globals: GlobalOptions, name: string, options: QueueOptions): Promise<number> {
  return withSchedules(options, async (schedules) => {
    await schedules.remove(name);
    process.stdout.write(globals.json ? `${JSON.stringify({ removed: name })}\n` : `schedule ${name} removed\n`);
    return 0;
  });
}

function withSchedules(options: QueueOptions, use: (schedules: Schedules) => Promise<number>): Promise<number> {
  return withQueue(options, async ({ redis, keys }) => {
    const schedules = new Schedules(redis, keys);
    try {
      return await use(schedules);
    } finally {
      await schedules.close();
    }
  });
}
