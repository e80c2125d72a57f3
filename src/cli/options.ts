import { type Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../errors/gameday-error.js';
import { parseDuration } from '../experiment/duration.js';

/** What `run` and `submit` share: the file, where the journal goes, the run's options, and the queue's. */
export function runOptions(command: Command): Command {
  return withQueueOptions(
    command
      .argument('<file>', 'experiment file (YAML or JSON)')
      .option('--results <dir>', 'directory for the journal', 'gameday-results')
      .option('--journal <file>', 'write the journal to this file instead')
      .addOption(
        new Option('--seed <n>', "seed of target selection and of the simulated region's timing draws (replays a run)").argParser((v) =>
          parseIntArg(v, '--seed'),
        ),
      )
      .addOption(new Option('--view <kind>', 'live view').choices(['auto', 'tty', 'plain', 'none']).default('auto'))
      .addOption(new Option('--speed <n>', 'sim: run the simulated region n times faster than AWS').argParser((v) => parsePositive(v, '--speed')))
      .option('--topology <file>', 'sim: topology of the simulated region (default: the reference architecture)')
      .option('--detach', 'queue: enqueue the run, print its id and return (implies --queue)', false)
      .option('--wait-for-locks', 'queue: wait until resources locked by another run are free, instead of refusing', false)
      .option('--yes', 'aws: run the plan without asking for confirmation', false)
      .option('--profile <name>', 'aws: named profile of the credentials (default: environment.profile, then $AWS_PROFILE)')
      .option('--audit-log <file>', 'append every AWS call to this file (default: <results>/audit.log)')
      .option('--report <dir>', "also write each run's HTML, Markdown and JUnit reports into this directory")
      .addOption(
        new Option('--trials <n>', 'run the experiment n times, waiting for the steady state between trials, and report recovery statistics').argParser((v) =>
          parsePositiveInt(v, '--trials'),
        ),
      )
      .option('--via-fis', 'run the faults through AWS FIS, from a template gameday writes of them (created for the run, deleted after)', false)
      .option('--fis-role-arn <arn>', 'the FIS service role of that template (default: environment.fisRoleArn)')
      .addOption(
        new Option(
          '--rollback-timeout <duration>',
          'in this process: wall-clock deadline of each rollback step, its retries included; past it the verdict is rollback-failed',
        )
          .argParser((v) => parseDurationArg(v, '--rollback-timeout'))
          .default(300_000, '5m'),
      ),
  );
}

/** `--redis` and `--prefix`, shared by every command that talks to the queue. */
export function withQueueOptions(command: Command): Command {
  return command
    .option('--redis <url>', 'Redis of the queue: redis://, redis+sentinel:// or redis+cluster:// (default: $REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--prefix <name>', 'key prefix of the queue in Redis (default: $GAMEDAY_PREFIX, else gameday; {gameday} on a Redis Cluster)');
}

/** Option parsers: a bad value is one sentence and exit 2, before the command starts. */
export function parsePositiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CommanderError(ExitCode.InvalidInput, 'gameday.invalidArgument', `error: ${flag} needs a whole number of at least 1, got '${value}'`);
  return n;
}

export function parseDurationArg(value: string, flag: string): number {
  const parsed = parseDuration(value);
  if (!parsed.ok)
    throw new CommanderError(ExitCode.InvalidInput, 'gameday.invalidArgument', `error: ${flag} needs a duration such as 30s, got '${value}': ${parsed.reason}`);
  return parsed.ms;
}

export function parsePositive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1_000)
    throw new CommanderError(ExitCode.InvalidInput, 'gameday.invalidArgument', `error: ${flag} needs a number above 0 and at most 1000, got '${value}'`);
  return n;
}

export function parseUrlArg(value: string, flag: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new CommanderError(ExitCode.InvalidInput, 'gameday.invalidArgument', `error: ${flag} needs an http:// or https:// URL, got '${value}'`);
  return value;
}

export function parseIntArg(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CommanderError(ExitCode.InvalidInput, 'gameday.invalidArgument', `error: ${flag} needs a whole number, got '${value}'`);
  return n;
}
