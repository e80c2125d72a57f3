import { access, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { type AuditObjectives, type AuditReport, SEVERITIES, type Severity } from '../audit/finding.js';
import { type AuditFormat, renderAudit } from '../audit/render/index.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import type { ArchitectureSourceOptions, AuditPieces } from './audit-pieces.js';
import type { GlobalOptions } from './output.js';
import { TWIN_FILE } from './prove.js';
import { regionsOf } from './region-args.js';
import { onInterrupt } from './run-output.js';

export interface AuditCommandOptions {
  account?: boolean;
  endpoint?: string;
  template?: string;
  topology?: string;
  /** `--region`, repeatable: the Regions to read, the first the twin's home. */
  region?: string[];
  /** `--regions a,b`: more Regions to read. */
  regions?: string;
  profile?: string;
  roleArn?: string;
  allowedAccount?: string[];
  /** Recovery time objective, ms (parsed by `--rto`). */
  rto: number;
  need?: string[];
  format: AuditFormat;
  output?: string;
  failOn?: Severity;
  writeExperiments?: string;
  prove?: boolean;
  speed?: number;
  results?: string;
  /** Every AWS call of the reading, one JSON line each. */
  auditLog?: string;
}

const invalid = (message: string): GamedayError => new GamedayError(ErrorCode.InvalidArgument, message, { exitCode: ExitCode.InvalidInput });

/** `gameday audit`: reads an architecture, judges it against the playbook, optionally proves each finding on its twin. */
export async function auditCommand(globals: GlobalOptions, options: AuditCommandOptions): Promise<number> {
  const { realAuditPieces } = await import('./audit-pieces.js');
  return runAudit(globals, options, realAuditPieces);
}

/** The command with its pieces given: every input is checked before anything is read, run or written. */
export async function runAudit(globals: GlobalOptions, options: AuditCommandOptions, pieces: AuditPieces): Promise<number> {
  const source = await sourceOf(options);
  const objectives: AuditObjectives = { rtoSeconds: options.rto / 1000, need: needOf(options.need ?? []) };
  const say = (line: string): void => {
    if (!globals.json) process.stderr.write(`${line}\n`);
  };
  const abort = new AbortController();
  const stopListening = onInterrupt(() => abort.abort());
  try {
    say('reading the architecture…');
    const opened = await pieces.openArchitectureSource(source);
    let report: AuditReport;
    let twin: string;
    try {
      const architecture = await pieces.readArchitecture(opened.aws, { source: opened.source, signal: abort.signal, regions: regionsOf(options) });
      const { topology, notes } = pieces.topologyOf(architecture);
      twin = typeof topology === 'string' ? topology : stringify(topology);
      for (const note of notes) say(`twin: ${noteText(note)}`);
      report = pieces.auditArchitecture(architecture, objectives, { twin: TWIN_FILE, ...(options.speed === undefined ? {} : { speed: options.speed }) });
    } finally {
      await opened.close();
    }
    if (options.writeExperiments !== undefined) await writeExperiments(options.writeExperiments, twin, report, say);
    if (options.prove === true) {
      const results = options.results ?? (await mkdtemp(join(tmpdir(), 'gameday-audit-')));
      say(`proving ${report.findings.filter((f) => f.experiment !== undefined).length} findings on the twin; journals in ${results}`);
      const { proveFindings } = await import('./prove.js');
      report = { ...report, proofs: await proveFindings(report.findings, { twin, results, speed: options.speed, progress: say, signal: abort.signal }) };
    }
    const text = renderAudit(report, options.format, { experimentsDir: options.writeExperiments });
    if (options.output === undefined) process.stdout.write(text);
    else {
      await writeOutput(options.output, text);
      say(`report: ${options.output}`);
    }
    return exitCodeOf(report, options.failOn);
  } finally {
    stopListening();
  }
}

/** A twin's note as one line: a sentence, or what about which resource the twin does not model. */
function noteText(note: unknown): string {
  if (typeof note === 'string') return note;
  const { resource, what } = (note ?? {}) as { resource?: unknown; what?: unknown };
  return typeof resource === 'string' && typeof what === 'string' ? `${resource}: ${what}` : JSON.stringify(note);
}

/** Exit code for CI: `FindingsAboveThreshold` when a finding is at or above `--fail-on`, 0 otherwise. */
export function exitCodeOf(report: AuditReport, failOn: Severity | undefined): number {
  if (failOn === undefined) return ExitCode.Passed;
  const threshold = SEVERITIES.indexOf(failOn);
  return report.findings.some((f) => SEVERITIES.indexOf(f.severity) <= threshold) ? ExitCode.FindingsAboveThreshold : ExitCode.Passed;
}

/** Exactly one source, with only the options that apply to it; a named file must exist. */
async function sourceOf(o: AuditCommandOptions): Promise<ArchitectureSourceOptions> {
  const named = [
    o.account === true ? '--account' : undefined,
    o.endpoint === undefined ? undefined : '--endpoint',
    o.template === undefined ? undefined : '--template',
    o.topology === undefined ? undefined : '--topology',
  ].filter((n) => n !== undefined);
  if (named.length === 0) throw invalid('Name what to audit: --account, --endpoint URL, --template FILE or --topology FILE.');
  if (named.length > 1) throw invalid(`${named.join(' and ')} name two sources: give one.`);
  const auditLog = o.auditLog === undefined ? {} : { auditLog: o.auditLog };
  const file = o.template ?? o.topology;
  if (file !== undefined) {
    const accountOnly = [
      ['--region', regionsOf(o)[0]],
      ['--profile', o.profile],
      ['--role-arn', o.roleArn],
      ['--allowed-account', (o.allowedAccount ?? []).length === 0 ? undefined : o.allowedAccount],
    ].find(([, v]) => v !== undefined);
    if (accountOnly !== undefined) throw invalid(`${accountOnly[0]} applies to --account or --endpoint, not to ${named[0]} ${file}.`);
    try {
      await access(file);
    } catch {
      throw new GamedayError(ErrorCode.FileNotFound, `Cannot read ${named[0]} ${file}: no such file.`, { exitCode: ExitCode.InvalidInput });
    }
    return { ...(o.template === undefined ? { topology: file } : { template: file }), ...auditLog };
  }
  return {
    ...auditLog,
    account: {
      ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
      ...(regionsOf(o)[0] === undefined ? {} : { region: regionsOf(o)[0] }),
      ...(o.profile === undefined ? {} : { profile: o.profile }),
      ...(o.roleArn === undefined ? {} : { roleArn: o.roleArn }),
      accountIds: o.allowedAccount ?? [],
    },
  };
}

/** `--need web-asg=3 --need api-asg=2` → `{ 'web-asg': 3, 'api-asg': 2 }`. */
export function needOf(values: readonly string[]): Record<string, number> {
  const need: Record<string, number> = {};
  for (const v of values) {
    const m = /^([^=\s]+)=(\d+)$/.exec(v);
    if (m === null || m[1] === undefined || m[2] === undefined)
      throw invalid(`--need takes GROUP=N, an Auto Scaling group and the in-service instances it must keep (web-asg=3), got '${v}'.`);
    need[m[1]] = Number(m[2]);
  }
  return need;
}

/** The twin topology and every finding's experiment, side by side, so each runs as written: `gameday run DIR/<file>`. */
async function writeExperiments(dir: string, twin: string, report: AuditReport, say: (line: string) => void): Promise<void> {
  const files: [string, string][] = [
    [TWIN_FILE, twin],
    ...report.findings.flatMap((f): [string, string][] => (f.experiment === undefined ? [] : [[f.experiment.file, f.experiment.yaml]])),
  ];
  try {
    await mkdir(dir, { recursive: true });
    for (const [name, text] of files) await writeFile(join(dir, name), text);
  } catch (error) {
    throw new GamedayError(ErrorCode.OutputNotWritten, `Cannot write the experiments into ${dir}: ${(error as Error).message}.`, { exitCode: ExitCode.Error });
  }
  say(`wrote ${TWIN_FILE} and ${files.length - 1} experiments into ${dir}`);
}

async function writeOutput(path: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  } catch (error) {
    throw new GamedayError(ErrorCode.OutputNotWritten, `Cannot write the report to ${path}: ${(error as Error).message}.`, { exitCode: ExitCode.Error });
  }
}
