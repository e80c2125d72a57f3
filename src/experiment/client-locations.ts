import type { RefProblem } from './interpolate.js';
import { didYouMean } from './suggest.js';

/** `from: tokyo`: a probe placed at a client location by name. */
const LOCATION_NAME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;

/**
 * Expands a probe's `from: <name>` into the client location of that name in the simulated region's topology:
 * `{ name, address: ${sim:client.<name>.address}, subnet: ${sim:client.<name>.subnet} }` (subnet when the location
 * has one), for interpolation to fill. `sim` holds the region's outputs (undefined when they are not known yet); a
 * bare name outside the simulated region, or one the region does not declare, is a problem.
 */
export function expandClientLocations(
  document: unknown,
  environmentType: string,
  sim: Readonly<Record<string, string>> | undefined,
): { value: unknown; problems: RefProblem[] } {
  const problems: RefProblem[] = [];
  if (document === null || typeof document !== 'object' || !Array.isArray((document as { probes?: unknown }).probes)) return { value: document, problems };
  const doc = document as { probes: unknown[] };
  const probes = doc.probes.map((probe, i) => {
    const args = (probe as { args?: unknown } | null)?.args;
    if (args === null || typeof args !== 'object' || Array.isArray(args)) return probe;
    const from = (args as { from?: unknown }).from;
    if (typeof from !== 'string' || !LOCATION_NAME.test(from)) return probe;
    const path = ['probes', i, 'args', 'from'];
    if (environmentType !== 'sim') {
      problems.push({
        path,
        message: `'${from}' names a client location of a simulated region, but environment.type is ${environmentType}; give from.address and/or from.subnet`,
      });
      return probe;
    }
    const declared = Object.keys(sim ?? {}).flatMap((k) => /^client\.(.+)\.address$/.exec(k)?.[1] ?? []);
    if (sim !== undefined && !declared.includes(from)) {
      const known = declared.length === 0 ? 'its topology declares none (add them under clients:)' : `it has ${declared.join(', ')}`;
      problems.push({ path, message: `the simulated region has no client location '${from}'${didYouMean(from, declared)}; ${known}` });
      return probe;
    }
    const placed: Record<string, string> = { name: from, address: `\${sim:client.${from}.address}` };
    if (sim?.[`client.${from}.subnet`] !== undefined) placed.subnet = `\${sim:client.${from}.subnet}`;
    return { ...(probe as object), args: { ...args, from: placed } };
  });
  return { value: { ...doc, probes }, problems };
}

/** How the journal names where a probe watched from (`from.name`, else its subnet and address); undefined when unplaced. */
export function probeLocation(args: unknown): string | undefined {
  const from = (args as { from?: unknown } | null | undefined)?.from;
  if (typeof from === 'string') return from;
  if (from === null || typeof from !== 'object') return undefined;
  const { name, subnet, address } = from as { name?: unknown; subnet?: unknown; address?: unknown };
  if (typeof name === 'string') return name;
  const parts = [subnet, address].filter((x): x is string => typeof x === 'string');
  return parts.length === 0 ? undefined : parts.join(' via ');
}
