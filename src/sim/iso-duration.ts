/**
 * ISO 8601 durations as AWS FIS takes them in action parameters (`PT5M`, `PT30S`, `PT1H30M`, `P1D`): days and a time
 * part only, since years, months and weeks have no fixed length. The sim reads them itself rather than through
 * gameday's duration parser, so the two sides of the contract do not share one reading of it.
 */
const ISO_DURATION = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds of an ISO 8601 duration, or undefined when the text is not one (`P` and `PT` alone name no length). */
export function isoDurationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const input = text.trim().toUpperCase();
  const m = ISO_DURATION.exec(input);
  if (m === null || input === 'P' || input.endsWith('T')) return undefined;
  const [days, hours, minutes, seconds] = [m[1], m[2], m[3], m[4]].map((part) => Number(part ?? 0));
  return Math.round(((((days ?? 0) * 24 + (hours ?? 0)) * 60 + (minutes ?? 0)) * 60 + (seconds ?? 0)) * 1_000);
}
