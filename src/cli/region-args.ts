import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';

/** The Regions `--region` (repeatable) and `--regions a,b` name, in order, each once; refused when one is not a Region's name. */
export function regionsOf(o: { region?: readonly string[] | undefined; regions?: string | undefined }): string[] {
  const names = [...(o.region ?? []), ...(o.regions ?? '').split(',').map((r) => r.trim())].filter((r) => r !== '');
  const bad = names.find((r) => !/^[a-z]{2}(-[a-z]+)+-\d$/.test(r));
  if (bad !== undefined)
    throw new GamedayError(ErrorCode.InvalidArgument, `--region/--regions names '${bad}', which is not an AWS Region such as 'us-east-1'.`, {
      exitCode: ExitCode.InvalidInput,
    });
  return [...new Set(names)];
}
