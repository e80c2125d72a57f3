import { type Clock, systemClock } from '../core/clock.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import type { SimRegion } from '../sim/server.js';

/** How long a region may take to boot, in AWS time (instances pending, first health checks). */
const BOOT_BUDGET_AWS_MS = 600_000;

/**
 * The simulated region's speed from `GAMEDAY_SPEED`, for when no `--speed` is given: it outranks environment.speed,
 * so a CI job or a test can run every sim experiment fast without editing its files.
 */
export function speedFromEnvironment(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.GAMEDAY_SPEED;
  if (text === undefined || text === '') return undefined;
  const speed = Number(text);
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new GamedayError(ErrorCode.InvalidArgument, `GAMEDAY_SPEED must be a positive number, got '${text}'.`, { exitCode: ExitCode.InvalidInput });
  }
  return speed;
}

/** How a CloudFormation template given as the topology becomes a stack (`--parameter`, `--stack-name`). */
export interface StackArgs {
  parameters?: string[];
  stackName?: string;
  /** Seed of the region's timing draws; default random. */
  seed?: number;
}

function stackOptions(file: string | undefined, args: StackArgs): { parameters: Record<string, string>; stackName?: string } {
  const parameters: Record<string, string> = {};
  for (const pair of args.parameters ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new GamedayError(ErrorCode.InvalidArgument, `--parameter takes KEY=VALUE, not '${pair}'.`, { exitCode: ExitCode.InvalidInput });
    parameters[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (file === undefined && (Object.keys(parameters).length > 0 || args.stackName !== undefined)) {
    throw new GamedayError(ErrorCode.InvalidArgument, '--parameter and --stack-name apply to a CloudFormation template given with --topology.', {
      exitCode: ExitCode.InvalidInput,
    });
  }
  return { parameters, ...(args.stackName === undefined ? {} : { stackName: args.stackName }) };
}

async function topologyOf(file: string | undefined, args: StackArgs = {}) {
  const { loadTopology } = await import('../sim/topology.js');
  const options = stackOptions(file, args);
  try {
    return await loadTopology(file, options);
  } catch (error) {
    throw new GamedayError(ErrorCode.InvalidArgument, `Cannot use topology ${file ?? '(reference)'}: ${topologyProblem(error, file)}.`, {
      exitCode: ExitCode.InvalidInput,
      cause: error,
    });
  }
}

/**
 * What is wrong with a topology, as the tail of one sentence: a file system error by its meaning, a YAML syntax
 * error without the code frame that follows its first line, and without the file name the sentence already holds.
 */
function topologyProblem(error: unknown, file: string | undefined): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  const message = error instanceof Error ? error.message : String(error);
  const first = (message.split('\n')[0] ?? '').replace(/[:.]\s*$/, '');
  return file !== undefined && first.startsWith(`${file}: `) ? first.slice(file.length + 2) : first;
}

/** `${sim:…}` placeholders for validating an experiment without starting a region. */
export async function placeholderSimOutputs(topologyFile: string | undefined): Promise<Record<string, string>> {
  const { placeholderOutputs } = await import('../sim/topology.js');
  return placeholderOutputs(await topologyOf(topologyFile));
}

/** Starts a simulated region in this process and waits until its groups are in service and its targets healthy. */
export async function startSimRegion(topologyFile: string | undefined, speed: number, port = 0, stack: StackArgs = {}): Promise<SimRegion> {
  const topology = await topologyOf(topologyFile, stack);
  const { SimRegion } = await import('../sim/server.js');
  // The sim speaks plain errors (it imports nothing of gameday's); at this boundary one becomes a sentence with a code.
  const region = await SimRegion.start({ topology, speed, port, ...(stack.seed === undefined ? {} : { seed: stack.seed }) }).catch((error: unknown) => {
    throw new GamedayError(ErrorCode.Internal, `The simulated region did not start: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  });
  try {
    await region.globe.ready(Math.max(10_000, BOOT_BUDGET_AWS_MS / speed));
  } catch (error) {
    await region.stop();
    throw new GamedayError(ErrorCode.Internal, `The simulated region did not boot: ${error instanceof Error ? error.message : String(error)}`);
  }
  return region;
}

/** Outputs of a region that runs elsewhere (`gameday sim`), read from its control endpoint. */
export async function remoteSimOutputs(endpoint: string): Promise<Record<string, string>> {
  return (await remoteSim(endpoint)).outputs;
}

/**
 * Outputs and speed of a region that runs elsewhere (`gameday sim`): a run must follow the speed it really runs at.
 * A region still booting answers `/_sim/outputs` with 503: it is asked again until it is ready, for as long as a
 * region started here may take to boot at that region's speed.
 */
export async function remoteSim(endpoint: string, clock: Clock = systemClock): Promise<{ outputs: Record<string, string>; speed: number }> {
  const started = clock.now();
  for (;;) {
    const res = await fetch(new URL('/_sim/outputs', endpoint)).catch((error: unknown) => {
      throw noRegionAt(endpoint, error instanceof Error ? error.message : String(error));
    });
    const body = (await res.json().catch(() => ({}))) as { outputs?: Record<string, string>; speed?: unknown; message?: unknown };
    // A region that does not say its speed is one from before it did: its speed is unknown, taken as the default 1.
    const speed = typeof body.speed === 'number' && body.speed > 0 ? body.speed : 1;
    if (res.status === 503) {
      const budget = Math.max(10_000, BOOT_BUDGET_AWS_MS / speed);
      if (clock.now() - started >= budget) {
        throw new GamedayError(
          ErrorCode.SimNotReady,
          `The simulated region at ${endpoint} was not ready after ${Math.round(budget / 1000)} s (${typeof body.message === 'string' ? body.message.replace(/\.$/, '') : 'HTTP 503'}).`,
        );
      }
      await clock.sleep(250);
      continue;
    }
    if (!res.ok || body.outputs === undefined) throw noRegionAt(endpoint, `HTTP ${res.status}`);
    return { outputs: body.outputs, speed };
  }
}

function noRegionAt(endpoint: string, why: string): GamedayError {
  return new GamedayError(
    ErrorCode.InvalidArgument,
    `No simulated region answers at ${endpoint} (${why}); start one with 'gameday sim' or drop environment.endpoint.`,
    { exitCode: ExitCode.InvalidInput },
  );
}
