import { existsSync } from 'node:fs';

/** Debian's Chromium, which `.ci/run` installs; tests that need a browser skip without it, except under CI. */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** Why a browser test cannot run here, or undefined when it can. Under CI a missing browser is a failure, not a skip. */
export function browserMissing(): string | undefined {
  if (CHROMIUM !== undefined) return undefined;
  if (process.env.CI === 'true') throw new Error('Chromium is not installed, and CI must run the browser tests (.ci/run installs it).');
  return 'Chromium is not installed (apt-get install chromium)';
}
