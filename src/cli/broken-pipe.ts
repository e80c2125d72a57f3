let installed = false;

/**
 * Output to a closed pipe ends quietly: when the reader of standard output or error goes away (EPIPE), what is still
 * written there is dropped instead of crashing with a stack trace, and the command finishes what it was doing (a run
 * still rolls back) and exits with its own status, so `set -o pipefail` still sees a failed run as failed. Installed
 * once, for every command.
 */
export function quietOnBrokenPipes(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // The stream is destroyed by then: later writes go nowhere without raising another error.
      if (error.code !== 'EPIPE') throw error;
    });
  }
}
