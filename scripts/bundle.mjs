// Bundles the CLI into dist/cli/ so `gameday` starts by reading a few files instead of resolving hundreds of
// modules (zod, yaml, commander). Heavy modules that are imported dynamically (undici, the AWS SDK, the engine)
// stay in chunks that load only when a command needs them. Runs after `tsc`, from its output.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

await rm('dist/cli', { recursive: true, force: true });
await build({
  entryPoints: { gameday: 'dist/src/cli/main.js' },
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Loaded lazily and only when probing, calling AWS or serving a database (PGlite reads its own data files), so they
  // stay ordinary node_modules imports.
  external: ['@aws-sdk/*', '@smithy/*', 'bullmq', 'ioredis', 'msgpackr-extract', 'undici', 'hdr-histogram-js', 'pg', '@electric-sql/*'],
  // CommonJS dependencies (commander, hdr-histogram-js) call require(); give the bundle one.
  banner: { js: "import { createRequire as __gamedayRequire } from 'node:module'; const require = __gamedayRequire(import.meta.url);" },
  logLevel: 'warning',
});
