// Loaded into every test file's process by `npm test` (node --import). A file whose tests have all ended but whose
// process stays up, because a test left a socket, a timer or a child process behind, would keep Node's runner waiting
// for it forever: the suite never ends. Once the file's tests are over, this waits a minute (its reports are long
// flushed by then, unlike with --test-force-exit, which can drop them: nodejs/node#64833), then names what is still
// open and ends the process with the exit code its tests set. A test that never ends is --test-timeout's.
import { after } from 'node:test';

const LINGER_MS = 60_000;

after(() => {
  const timer = setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    process.stderr.write(
      `test-watchdog: ${process.argv[1] ?? 'a test file'} was still up ${LINGER_MS / 1_000}s after its tests ended, holding ${open.join(', ')}; ending it\n`,
    );
    process.exit();
  }, LINGER_MS);
  // Unreferenced: a file that lets go of everything exits at once, as it would without this.
  timer.unref();
});
