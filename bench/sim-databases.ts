/**
 * Databases must cost little until used: a twin of an account has tens of them and an experiment touches one or two.
 * - Idle: a region of 20 Multi-AZ databases (10 instances, 10 three-member DB clusters) that no client connected to,
 *   in a fresh child process at speed 100: RSS and time at ready. Targets: under 300 MB and under 5 s.
 * - Used: then a client connects to the first database and to each further one (up to five), each running one
 *   query: the time to the first query's answer and the RSS each adds (the first pays for PGlite itself).
 * - web-and-database (`experiments/topologies/web-and-database.yaml`): RSS at ready.
 */
import { join } from 'node:path';
import { benchChild, heading, isMain, ms, passMiss, ROOT, runStandalone, writeResult, type BenchOutcome } from './common.js';

interface Ready {
  phase: 'ready';
  readyMs: number;
  rssMb: number;
}

interface Connected {
  phase: 'connected';
  id: string;
  kind: string;
  firstQueryMs: number;
  rssMb: number;
}

async function child(args: string[]): Promise<(Ready | Connected)[]> {
  return (await benchChild('sim-databases-child.js', args)) as (Ready | Connected)[];
}

const mb = (n: number): string => `${n.toFixed(0)} MB`;

export async function main(): Promise<BenchOutcome> {
  heading('simulated databases');
  const lines = await child(['many', '20', '5']);
  const ready = lines.find((l): l is Ready => l.phase === 'ready');
  if (ready === undefined) throw new Error('the databases child printed no ready line');
  console.log(`  20 idle Multi-AZ databases: ready in ${ms(ready.readyMs, 0)}, RSS ${mb(ready.rssMb)} (targets: under 5 s, under 300 MB)`);
  const connected = lines.filter((l): l is Connected => l.phase === 'connected');
  let before = ready.rssMb;
  const used = connected.map((c, i) => {
    const added = c.rssMb - before;
    before = c.rssMb;
    console.log(`  database ${i + 1} (${c.kind}) first query in ${ms(c.firstQueryMs, 0)}, RSS +${mb(added)} (now ${mb(c.rssMb)})`);
    return { ...c, addedMb: added };
  });
  const wad = (await child(['topology', join(ROOT, 'experiments', 'topologies', 'web-and-database.yaml')])).find((l): l is Ready => l.phase === 'ready');
  if (wad !== undefined) console.log(`  web-and-database: ready in ${ms(wad.readyMs, 0)}, RSS ${mb(wad.rssMb)}`);
  const resultFile = await writeResult('sim-databases', { idle: ready, used, webAndDatabase: wad });
  const first = used[0];
  const further = used.slice(1);
  const avg = (xs: number[]): number => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    name: 'sim-databases',
    resultFile,
    rows: [
      { metric: '20 idle databases: time to ready', value: ms(ready.readyMs, 0), target: '< 5,000 ms', status: passMiss(ready.readyMs < 5_000) },
      { metric: '20 idle databases: RSS', value: mb(ready.rssMb), target: '< 300 MB', status: passMiss(ready.rssMb < 300) },
      {
        metric: 'first database: first query, RSS added',
        value: first === undefined ? '-' : `${ms(first.firstQueryMs, 0)}, +${mb(first.addedMb)}`,
        target: 'reported',
        status: 'INFO',
      },
      {
        metric: 'each further database (mean)',
        value: `${ms(avg(further.map((u) => u.firstQueryMs)), 0)}, +${mb(avg(further.map((u) => u.addedMb)))}`,
        target: 'reported',
        status: 'INFO',
      },
      { metric: 'web-and-database RSS at ready', value: wad === undefined ? '-' : mb(wad.rssMb), target: 'reported', status: 'INFO' },
    ],
  };
}

if (isMain(import.meta.url)) runStandalone(main);
