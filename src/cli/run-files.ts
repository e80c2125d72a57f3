import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import type { RunFiles } from '../orchestrator/run-job.js';

/** The most a queued run carries: the job lives in Redis, and every worker that looks at it reads it whole. */
export const RUN_FILES_MAX_BYTES = 5 * 1024 * 1024;

/**
 * Gathers what a queued run of `file` needs from this machine's disk: the experiment's text, and for an experiment on a
 * simulated region started by the worker, its topology (`--topology` or `environment.topology`) and every file the
 * topology names (a `regions` entry's template), by paths relative to the folder that holds them all. Refuses, in one
 * sentence, a file that cannot be read (naming it and the file that names it) or a total above 5 MB. What
 * `gameday run --queue`, `gameday schedule add` and the dashboard's "run now" put in the job.
 */
export async function bundleRunFiles(file: string, options: { topology?: string | undefined } = {}): Promise<RunFiles> {
  const experiment = resolve(file);
  const read: [string, string][] = [[experiment, await readCarried(experiment, () => `Cannot read experiment file ${file}`)]];
  const environment = peekEnvironment(read[0]?.[1] ?? '');
  let topology: string | undefined;
  // Only a region the worker starts reads a topology; one already running (environment.endpoint) has its own.
  if (environment.type === 'sim' && !environment.endpoint) {
    const named =
      options.topology !== undefined
        ? { path: resolve(options.topology), by: '--topology' }
        : environment.topology !== undefined
          ? { path: resolve(dirname(experiment), environment.topology), by: `environment.topology of ${experiment}` }
          : undefined;
    if (named !== undefined) {
      topology = named.path;
      const text = await readCarried(topology, () => `Cannot queue ${experiment}: its topology ${named.path}, named by ${named.by}, cannot be read`);
      read.push([topology, text]);
      const { topologyFileReferences } = await import('../sim/topology.js');
      for (const ref of topologyFileReferences(text)) {
        const path = resolve(dirname(topology), ref.path);
        read.push([path, await readCarried(path, () => `Cannot queue ${experiment}: ${path}, named by ${ref.field} of ${named.path}, cannot be read`)]);
      }
    }
  }
  const bytes = read.reduce((sum, [, text]) => sum + Buffer.byteLength(text), 0);
  if (bytes > RUN_FILES_MAX_BYTES) {
    const [biggest] = [...read].sort((a, b) => Buffer.byteLength(b[1]) - Buffer.byteLength(a[1]));
    throw new GamedayError(
      ErrorCode.InvalidArgument,
      `Cannot queue ${experiment}: its files total ${mb(bytes)}, more than the ${mb(RUN_FILES_MAX_BYTES)} a queued run carries (the largest is ${biggest?.[0] ?? ''}, ${mb(Buffer.byteLength(biggest?.[1] ?? ''))}).`,
      { exitCode: ExitCode.InvalidInput },
    );
  }
  const root = commonFolder(read.map(([path]) => dirname(path)));
  const key = (path: string): string => relative(root, path).split(sep).join('/');
  return {
    experiment: key(experiment),
    ...(topology === undefined ? {} : { topology: key(topology) }),
    texts: Object.fromEntries(read.map(([path, text]) => [key(path), text])),
    root,
  };
}

/** A queued run's files written out for one run: where its topology is, and how to remove them. */
export interface MaterializedRunFiles {
  /** The private folder (mode 0700) the files were written to. */
  dir: string;
  /** The topology's path there, when the run names one. */
  topology?: string;
  /** Says an error about a file written here with the submitter's path of it instead. */
  submitterPaths(message: string): string;
  /** Removes the folder and everything in it. */
  remove(): Promise<void>;
}

/**
 * The prefix of the folder of run `runId`'s files under the system's temporary folder, naming the process that writes
 * it: a folder whose process is gone was left by a worker that died, and another worker on the machine removes it.
 */
function runFolderPrefix(runId: string): string {
  return `gameday-run-${runId.replace(/[^\w.-]/g, '_')}-p${process.pid}-`;
}

/**
 * Writes a queued run's files into a new private folder, with their relative layout, so the run is prepared from
 * there and never needs the submitter's absolute paths. Refuses a path that would leave the folder.
 */
export async function materializeRunFiles(files: RunFiles, runId: string): Promise<MaterializedRunFiles> {
  for (const path of Object.keys(files.texts)) {
    if (isAbsolute(path) || path.split(/[\\/]/).some((part) => part === '..' || part === '' || part === '.')) {
      throw new GamedayError(ErrorCode.InvalidArgument, `The queued run carries a file at '${path}', which is not a path inside its folder; submit it again.`, {
        exitCode: ExitCode.InvalidInput,
      });
    }
  }
  const dir = await mkdtemp(join(tmpdir(), runFolderPrefix(runId)));
  // mkdtemp creates it 0700 already; said again so a umask or platform default cannot open it to other users.
  await chmod(dir, 0o700);
  try {
    for (const [path, text] of Object.entries(files.texts)) {
      const target = join(dir, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await writeFile(target, text, { mode: 0o600 });
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    ...(files.topology === undefined ? {} : { topology: join(dir, ...files.topology.split('/')) }),
    submitterPaths: (message) => message.split(`${dir}${sep}`).join(files.root === sep ? sep : `${files.root}${sep}`),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Removes the run files that workers on this machine which died (killed mid-run, so they could not remove them) left
 * in the temporary folder: called when a worker starts and when it takes a lost run over.
 */
export async function removeOrphanedRunFiles(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => []);
  const orphaned = names.filter((name) => {
    const pid = /^gameday-run-.+-p(\d+)-\w{6}$/.exec(name)?.[1];
    return pid !== undefined && !processRuns(Number(pid));
  });
  await Promise.all(orphaned.map((name) => rm(join(tmpdir(), name), { recursive: true, force: true })));
}

/** Whether process `pid` runs on this machine (signal 0 only asks; EPERM means it runs as another user). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** A file's text, or the error `what` begins, ending with why it cannot be read. */
async function readCarried(path: string, what: () => string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new GamedayError(ErrorCode.FileNotFound, `${what()}: ${why}.`, { exitCode: ExitCode.InvalidInput });
  }
}

/** The environment block as written, read leniently: the experiment's validation reports what is wrong in it. */
function peekEnvironment(text: string): { type: string; topology?: string; endpoint?: string } {
  try {
    const raw = parse(text) as { environment?: { type?: unknown; topology?: unknown; endpoint?: unknown } } | null;
    const env = raw?.environment;
    return {
      type: typeof env?.type === 'string' ? env.type : 'sim',
      ...(typeof env?.topology === 'string' ? { topology: env.topology } : {}),
      ...(typeof env?.endpoint === 'string' ? { endpoint: env.endpoint } : {}),
    };
  } catch {
    return { type: 'sim' };
  }
}

/** The deepest folder that holds every one of `folders` (absolute paths). */
function commonFolder(folders: readonly string[]): string {
  const split = folders.map((f) => f.split(sep));
  const first = split[0] ?? [];
  let n = 0;
  while (n < first.length && split.every((parts) => parts[n] === first[n])) n++;
  return first.slice(0, n).join(sep) || sep;
}

function mb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
