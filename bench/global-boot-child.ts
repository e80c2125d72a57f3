/**
 * Child process of the global benchmark: boots the world of a topology file (or the reference architecture) at a
 * given speed, waits until every Region is steady, and prints {bootMs, rssMb, regions} as JSON. A separate process, so
 * RSS is the world's.
 */
import { SimRegion } from '../src/sim/server.js';
import { loadTopology } from '../src/sim/topology.js';

const file = process.argv[2] === 'reference' ? undefined : process.argv[2];
const speed = Number(process.argv[3] ?? '60');
const started = performance.now();
const region = await SimRegion.start({ topology: await loadTopology(file), speed });
await region.globe.ready(60_000);
const bootMs = performance.now() - started;
global.gc?.();
const rssMb = process.memoryUsage().rss / 1024 / 1024;
process.stdout.write(
  `${JSON.stringify({ bootMs, rssMb, regions: region.worlds.length, instances: [...region.worlds].reduce((n, w) => n + w.instances.size, 0) })}\n`,
);
await region.stop();
