import { INJECTION_POINTS, type InjectionPoint, type MutationStep } from '../engine/runner.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';

/**
 * A test facility: `GAMEDAY_CRASH_AT=<action>:<point>` makes a worker kill its own process (SIGKILL, as a lost
 * machine would) at that moment of the first fault of that action it injects, so a test can show that another
 * worker leaves nothing changed whatever the moment (`test/orchestrator/crash-points.test.ts`). `point` is one of
 * `InjectionPoint`. Inert unless set: without it the worker passes no hook to its runs.
 */
export function crashAtFrom(env: NodeJS.ProcessEnv): ((point: InjectionPoint, step: MutationStep) => void) | undefined {
  const value = env.GAMEDAY_CRASH_AT;
  if (value === undefined || value === '') return undefined;
  const at = value.lastIndexOf(':');
  const action = value.slice(0, at);
  const point = value.slice(at + 1) as InjectionPoint;
  if (at <= 0 || !INJECTION_POINTS.includes(point)) {
    throw new GamedayError(
      ErrorCode.InvalidArgument,
      `GAMEDAY_CRASH_AT is '${value}'; expected <action>:<point>, the point one of ${INJECTION_POINTS.join(', ')} (a test facility).`,
      { exitCode: ExitCode.InvalidInput },
    );
  }
  return (reached, step) => {
    if (reached === point && step.action === action) process.kill(process.pid, 'SIGKILL');
  };
}
