import { readdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';

/** Deepest folder level searched under the directory: experiments sit in a few folders, not a tree of thousands. */
const MAX_DEPTH = 4;
const EXPERIMENT_FILE = /\.(ya?ml|json)$/i;

/**
 * The experiment files the dashboard serves from `--experiments DIR`. A file is named by its path relative to the
 * directory, and only a name this listing gave is ever opened: nothing a request sends becomes a path by itself.
 */
export class ExperimentDirectory {
  constructor(private readonly dir: string) {}

  /** The experiment files under the directory, as relative paths with '/' separators, sorted. */
  async list(): Promise<string[]> {
    const root = await realpath(this.dir);
    const out: string[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const path = join(dir, e.name);
        if (e.isDirectory() && depth < MAX_DEPTH) await walk(path, depth + 1);
        else if (e.isFile() && EXPERIMENT_FILE.test(e.name)) out.push(relative(root, path).split(sep).join('/'));
      }
    };
    await walk(root, 0);
    return out.sort();
  }

  /**
   * The absolute path of one listed file; refused in one sentence for a name the listing does not hold, or one whose
   * real path (after links) leaves the directory.
   */
  async resolve(name: string): Promise<string> {
    const root = await realpath(this.dir);
    if (!(await this.list()).includes(name)) throw outside(name, this.dir);
    const real = await realpath(join(root, ...name.split('/')));
    if (!real.startsWith(root + sep)) throw outside(name, this.dir);
    return real;
  }
}

function outside(name: string, dir: string): GamedayError {
  return new GamedayError(ErrorCode.InvalidArgument, `'${name}' is not an experiment file under the dashboard's directory ${dir}.`, {
    exitCode: ExitCode.InvalidInput,
  });
}
