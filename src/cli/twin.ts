import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { Architecture } from '../architecture/model.js';
import { readArchitecture } from '../architecture/read-account.js';
import { topologyOf } from '../architecture/to-topology.js';
import type { AuditEntry } from '../aws/audit.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { openArchitectureSource } from './architecture-source.js';
import { regionsOf } from './region-args.js';
import type { GlobalOptions } from './output.js';

/** Options of `gameday twin`. */
export interface TwinOptions {
  endpoint?: string;
  /** `--region`, repeatable: the Regions to read, the first the twin's home. */
  region?: string[];
  /** `--regions a,b`: more Regions to read. */
  regions?: string;
  profile?: string;
  roleArn?: string;
  /** Accounts the credentials may belong to (`--allowed-account`); any when empty. */
  allowedAccount?: string[];
  template?: string;
  topology?: string;
  output?: string;
  auditLog?: string;
}

/** The audit log's default: beside the output (or in the working folder when the twin goes to stdout). */
export function defaultAuditLog(output: string | undefined): string {
  return output === undefined ? 'twin-audit.jsonl' : `${output}.audit.jsonl`;
}

/**
 * `gameday twin`: reads an account (or a template or topology loaded in a simulated region started here) with
 * read-only calls and writes the topology of a simulated twin of it: a header naming the source and the time, what
 * could not be modelled as comments, the topology. The topology is validated with the simulated region's own
 * parser before it is written.
 */
export async function twinCommand(globals: GlobalOptions, options: TwinOptions): Promise<number> {
  const auditLog = options.auditLog ?? defaultAuditLog(options.output);
  const regions = regionsOf(options);
  const account =
    options.template === undefined && options.topology === undefined
      ? {
          accountIds: options.allowedAccount ?? [],
          ...pick(options, ['endpoint', 'profile', 'roleArn'] as const),
          ...(regions[0] === undefined ? {} : { region: regions[0] }),
        }
      : undefined;
  if (account === undefined && (options.endpoint ?? options.profile ?? options.roleArn ?? options.allowedAccount?.[0]) !== undefined)
    throw new GamedayError(
      ErrorCode.InvalidArgument,
      '--endpoint, --profile, --role-arn and --allowed-account name an account; leave them out with --template or --topology.',
      {
        exitCode: ExitCode.InvalidInput,
      },
    );
  const opened = await openArchitectureSource({ ...(account === undefined ? {} : { account }), ...pick(options, ['template', 'topology'] as const), auditLog });
  const calls: AuditEntry[] = [];
  const unsubscribe = opened.aws.onCall((e) => calls.push(e));
  let architecture: Architecture;
  try {
    architecture = await readArchitecture(opened.aws, { source: opened.source, regions });
  } finally {
    unsubscribe();
    await opened.close();
  }
  const { topology, notes } = topologyOf(architecture);
  const { parseTopology } = await import('../sim/topology.js');
  try {
    parseTopology(topology, 'twin');
  } catch (error) {
    throw new GamedayError(
      ErrorCode.Internal,
      `The twin of ${opened.source.name} does not load in the simulated region (${(error as Error).message.replace(/\.$/, '')}); nothing was written.`,
      {
        cause: error,
      },
    );
  }
  const text = twinYaml(architecture, topology, notes, new Date());
  if (options.output === undefined) process.stdout.write(text);
  else
    await writeFile(options.output, text).catch((error: unknown) => {
      throw new GamedayError(ErrorCode.OutputNotWritten, `The twin cannot be written to ${options.output}: ${(error as Error).message}.`, {
        exitCode: ExitCode.InvalidInput,
        cause: error,
      });
    });
  const mutating = calls.filter((c) => c.mutating).length;
  const summary = {
    source: opened.source,
    output: options.output ?? null,
    auditLog,
    calls: calls.length,
    mutatingCalls: mutating,
    notes: notes.length,
    validated: true,
  };
  process.stderr.write(
    globals.json
      ? `${JSON.stringify(summary)}\n`
      : `twin of ${opened.source.name}: ${calls.length} read calls (${mutating} mutating), ${notes.length} ${notes.length === 1 ? 'note' : 'notes'}; the topology loads in the simulated region${options.output === undefined ? '' : `; written to ${options.output}`}; audit log ${auditLog}\n`,
  );
  return ExitCode.Passed;
}

/** The twin's file: a header naming the source and the time, the notes as comments, the topology. */
export function twinYaml(a: Architecture, topology: Record<string, unknown>, notes: readonly string[], at: Date): string {
  const where = a.source.endpoint === undefined ? '' : ` at ${a.source.endpoint}`;
  const header = [
    `# Twin of ${a.source.kind} ${a.source.name}${where}, account ${a.accountId}, region ${a.region}: read by gameday twin at ${at.toISOString()}.`,
    '# Load it with: gameday sim --topology <this file>',
    notes.length === 0 ? '# Everything read is modelled.' : `# Not modelled, or modelled differently (${notes.length}):`,
    ...notes.map((n) => `#  - ${n.replace(/\s*\n\s*/g, ' ')}`),
  ];
  return `${header.join('\n')}\n${stringify(topology, { lineWidth: 0 })}`;
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): { [P in K]?: NonNullable<T[P]> } {
  const out: { [P in K]?: NonNullable<T[P]> } = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k] as NonNullable<T[K]>;
  return out;
}
