/**
 * The command examples gameday shows its users, read from where users read them: the README's shell blocks, every
 * command's `--help` (from the CLI's own entry), and the comments of the files under experiments/.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, runProgram } from './cli.js';

/** One example as written (continuation lines joined, its trailing `# comment` left out), and where it is shown. */
export interface Example {
  command: string;
  sources: string[];
}

/** `cmd   # why` → `cmd`; a `#` inside quotes or a word (`$#`, URLs) is not a comment. */
function withoutComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/** Commands of a shell snippet as the shell reads them (`\` at a line's end continues it), with the index of each one's first line. */
function shellCommands(lines: readonly string[]): { command: string; line: number }[] {
  const out: { command: string; line: number }[] = [];
  let pending = '';
  let first = 0;
  lines.forEach((raw, i) => {
    const line = withoutComment(raw);
    if (pending === '') first = i;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trimEnd()} `;
      return;
    }
    const whole = (pending + line.trim()).trim();
    pending = '';
    if (whole !== '') out.push({ command: whole, line: first });
  });
  return out;
}

function shellLines(lines: readonly string[]): string[] {
  return shellCommands(lines).map((c) => c.command);
}

function readmeExamples(text: string): { command: string; source: string }[] {
  const out: { command: string; source: string }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|shell|bash|console)\s*$/.test(lines[i] ?? '')) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !(lines[end] ?? '').startsWith('```')) end++;
    for (const { command, line } of shellCommands(lines.slice(start, end))) out.push({ command, source: `README.md:${start + line + 1}` });
    i = end;
  }
  return out;
}

/** The CLI's bundle, whose `main` bin/gameday.js calls with its arguments. */
const CLI_BUNDLE = pathToFileURL(join(ROOT, 'dist', 'cli', 'gameday.js')).href;

/**
 * `gameday PATH --help` for each of `paths`, from one process that calls the CLI's `main` (what bin/gameday.js calls)
 * once per path with standard output captured: one Node start for a whole level of commands instead of one for each.
 */
async function helpsOf(paths: readonly (readonly string[])[]): Promise<string[]> {
  const script = `
    const { main } = await import(process.argv[1]);
    const write = process.stdout.write.bind(process.stdout);
    const helps = [];
    for (const path of JSON.parse(process.argv[2])) {
      let text = '';
      process.stdout.write = (chunk) => ((text += String(chunk)), true);
      const code = await main([...path, '--help']);
      process.stdout.write = write;
      helps.push({ path, code, text });
    }
    write(JSON.stringify(helps));`;
  const ran = await runProgram(process.execPath, ['--input-type=module', '-e', script, CLI_BUNDLE, JSON.stringify(paths)]);
  if (ran.code !== 0) throw new Error(`the --help texts exited with ${String(ran.code)}: ${ran.stderr}`);
  return (JSON.parse(ran.stdout) as { path: string[]; code: number; text: string }[]).map(({ path, code, text }) => {
    if (code !== 0) throw new Error(`gameday ${path.join(' ')} --help exited with ${String(code)}`);
    return text;
  });
}

/** The commands a help text lists under "Commands:", in its order. */
function subcommands(help: string): string[] {
  const commands = /\nCommands:\n([\s\S]*?)(\n\n|$)/.exec(help)?.[1] ?? '';
  return commands.split('\n').flatMap((line) => {
    const name = /^ {2}([a-z][a-z-]*)\b/.exec(line)?.[1];
    return name !== undefined && name !== 'help' ? [name] : [];
  });
}

/**
 * Every command path (`[]`, `['run']`, `['schedule', 'add']`…) the CLI lists under "Commands:", with its help text, in
 * the order the CLI lists them (each command followed by its own subcommands); asked a level of the tree at a time.
 */
async function helpTexts(): Promise<{ path: readonly string[]; text: string }[]> {
  const texts = new Map<string, string>();
  const children = new Map<string, (readonly string[])[]>();
  for (let level: (readonly string[])[] = [[]]; level.length > 0; ) {
    const helps = await helpsOf(level);
    const next: (readonly string[])[] = [];
    level.forEach((path, i) => {
      const text = helps[i] ?? '';
      const below = subcommands(text).map((name) => [...path, name]);
      texts.set(path.join(' '), text);
      children.set(path.join(' '), below);
      next.push(...below);
    });
    level = next;
  }
  const inOrder = (path: readonly string[]): { path: readonly string[]; text: string }[] => [
    { path, text: texts.get(path.join(' ')) ?? '' },
    ...(children.get(path.join(' ')) ?? []).flatMap(inOrder),
  ];
  return inOrder([]);
}

function helpExamples(texts: readonly { path: readonly string[]; text: string }[]): { command: string; source: string }[] {
  return texts.flatMap(({ path, text }) =>
    shellLines(text.split('\n').flatMap((l) => /^\s+\$ (.*)$/.exec(l)?.[1] ?? [])).map((command) => ({
      command,
      source: `gameday ${[...path, '--help'].join(' ')}`,
    })),
  );
}

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : Promise.resolve(/\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : []))),
  );
  return nested.flat().sort();
}

/** Commands in experiment files' comments: the lines indented as a command under the prose (`#   gameday run …`). */
async function experimentExamples(): Promise<{ command: string; source: string }[]> {
  const out: { command: string; source: string }[] = [];
  for (const file of await yamlFiles(join(ROOT, 'experiments'))) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      const command = /^# {3,}(\S.*)$/.exec(line)?.[1];
      if (command !== undefined) out.push(...shellLines([command]).map((c) => ({ command: c, source: `${relative(ROOT, file)}:${i + 1}` })));
    });
  }
  return out;
}

/** Every example, each once, in the order a reader meets them: README, then `--help`, then experiment files. */
export async function shownExamples(): Promise<Example[]> {
  const all = [...readmeExamples(await readFile(join(ROOT, 'README.md'), 'utf8')), ...helpExamples(await helpTexts()), ...(await experimentExamples())];
  const byCommand = new Map<string, Example>();
  for (const { command, source } of all) {
    const known = byCommand.get(command);
    if (known === undefined) byCommand.set(command, { command, sources: [source] });
    else known.sources.push(source);
  }
  return [...byCommand.values()];
}
