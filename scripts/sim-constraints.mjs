// Regenerates src/sim/protocol/constraints.ts from the machine's botocore models for the operations the region serves.
// Run after `npx tsc -p tsconfig.json` (it starts the region from dist/): node scripts/sim-constraints.mjs
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { SimRegion } = await import(join(root, 'dist/src/sim/server.js'));
const { loadTopology } = await import(join(root, 'dist/src/sim/topology.js'));
// Unvalidated: an operation is served when the region does not answer its unknown-operation error, which a stale table must not hide.
const region = await SimRegion.start({ topology: await loadTopology(undefined), speed: 100, port: 0, validateInputs: false });
try {
  // Asynchronously: the region answers the script from this process's event loop.
  const child = spawn('python3', [join(root, 'scripts/sim-constraints.py'), region.endpoint], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`scripts/sim-constraints.py exited with ${code}`);
  const file = join(root, 'src/sim/protocol/constraints.ts');
  writeFileSync(file, out);
  spawnSync('npx', ['biome', 'format', '--write', file], { cwd: root, stdio: 'inherit' });
  console.log('wrote src/sim/protocol/constraints.ts');
} finally {
  await region.stop();
}
