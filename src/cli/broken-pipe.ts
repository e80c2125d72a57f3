/** Whether standard output's reader has gone (`gameday list | head -3`), once `quietOnBrokenPipes` is installed. */
let stdoutClosed = false;
let installed = false;

/**
 * Output to a closed pipe ends quietly: when the reader of standard output or error goes away (EPIPE), what is still
 * written there is dropped instead of crashing with a stack trace, and the command finishes what it was doing (a run
 * still rolls back). Installed once, for every command.
 */
export function quietOnBrokenPipes(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // The stream is destroyed by then: later writes go nowhere without raising another error.
      if (error.code !== 'EPIPE') throw error;
      if (stream === process.stdout) stdoutClosed = true;
    });
  }
}

/** A command whose standard output was closed under it exits 0, as git and most CLIs do: its reader had what it wanted. */
export function exitCodeAfterBrokenPipe(code: number): number {
  return stdoutClosed ? 0 : code;
}
