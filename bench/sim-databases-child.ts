/**
 * Child process of the databases benchmark, so RSS is the region's alone. `many <count> <connect>`: boots a region of
 * `count` Multi-AZ databases (instances and three-member DB clusters, alternating) at speed 100, prints RSS and the
 * time to ready, then connects a client to the first `connect` databases in turn and prints, for each, the time to its
 * first query's answer and RSS after it. `topology <file>`: boots a topology file and prints RSS at ready.
 */
import pg from 'pg';
import { SimRegion } from '../src/sim/server.js';
import { loadTopology, parseTopology, type Topology } from '../src/sim/topology.js';

const rssMb = (): number => {
  global.gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
};
const print = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

async function boot(topology: Topology): Promise<SimRegion> {
  const started = performance.now();
  const region = await SimRegion.start({ topology, speed: 100 });
  await region.world.ready(60_000);
  print({ phase: 'ready', readyMs: performance.now() - started, rssMb: rssMb() });
  return region;
}

const [mode = 'many', arg = '20', connectArg = '5'] = process.argv.slice(2);
if (mode === 'topology') {
  const region = await boot(await loadTopology(arg));
  await region.stop();
} else {
  const count = Number(arg);
  const ids = Array.from({ length: count }, (_, i) => `db-${i + 1}`);
  const region = await boot(
    parseTopology({
      launchTemplates: [{ name: 'lt' }],
      databases: ids.filter((_, i) => i % 2 === 0).map((id) => ({ id, multiAZ: true })),
      dbClusters: ids.filter((_, i) => i % 2 === 1).map((id) => ({ id })),
    }),
  );
  const outputs = region.outputs();
  const clients: pg.Client[] = [];
  for (const id of ids.slice(0, Number(connectArg))) {
    const started = performance.now();
    const db = region.world.databases.get(id) ?? region.world.dbClusters.get(id);
    const client = new pg.Client(`postgres://postgres@${outputs[`rds.${id}.address`]}:${db?.port ?? 5432}/postgres`);
    await client.connect();
    await client.query('SELECT 1');
    print({
      phase: 'connected',
      id,
      kind: region.world.databases.has(id) ? 'db-instance' : 'db-cluster',
      firstQueryMs: performance.now() - started,
      rssMb: rssMb(),
    });
    clients.push(client);
  }
  await Promise.all(clients.map((c) => c.end()));
  await region.stop();
}
