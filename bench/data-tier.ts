/**
 * Measurement accuracy of the data tier against the simulated region's ground truth, over repeated runs of the ready
 * experiments on one region each:
 * - RDS Multi-AZ failover under a write ledger (experiments/rds-failover.yaml): lost writes counted by the ledger vs
 *   the truth (acknowledged rows missing from the database, counted independently), and the ledger's write downtime
 *   vs the region's recorded refusing → serving interval (a client may keep the old primary's address for the endpoint's
 *   5 s TTL, so the client-visible truth ends up to a TTL later). Targets: lost writes exact; downtime inside the bracket.
 * - Route 53 failover (experiments/route53-failover.yaml): the DNS probe's recorded flip to the secondary vs the
 *   region's recorded answer change. Target: within one probe interval.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AwsClientFactory } from '../src/aws/client-factory.js';
import { runExperiment } from '../src/engine/runner.js';
import { parseExperiment } from '../src/experiment/load.js';
import { defaultRegistry } from '../src/registry/default-registry.js';
import type { TruthEvent } from '../src/sim/ground-truth.js';
import { TtlResolver } from '../src/probes/dns/ttl-resolver.js';
import { RDS_DNS_TTL } from '../src/sim/region.js';
import { SimRegion } from '../src/sim/server.js';
import { loadTopology } from '../src/sim/topology.js';
import { distribution, envInt, heading, isMain, ms, passMiss, ROOT, runStandalone, writeResult, type BenchOutcome } from './common.js';

/** Speed of the RDS failover runs (the experiment's own). */
const SPEED = 30;

export async function events(region: SimRegion, since: number): Promise<TruthEvent[]> {
  return ((await (await fetch(`${region.endpoint}/_sim/events?since=${since}`)).json()) as { events: TruthEvent[] }).events;
}

export async function onRegion<T>(topology: string, speed: number, body: (region: SimRegion, aws: AwsClientFactory) => Promise<T>): Promise<T> {
  const region = await SimRegion.start({ topology: await loadTopology(join(ROOT, 'experiments', 'topologies', topology)), speed });
  const aws = new AwsClientFactory({
    kind: 'sim',
    region: 'us-east-1',
    endpoint: region.endpoint,
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'bench' },
  });
  try {
    await region.world.ready(60_000);
    return await body(region, aws);
  } finally {
    await aws.destroy();
    await region.stop();
  }
}

interface RdsRun {
  lost: number;
  /** Acknowledged writes whose rows are not in the database, counted from the database itself. */
  truthLost: number;
  acknowledged: number;
  downtimeError: number;
  inBracket: boolean;
  bracketWidth: number;
}

async function rdsRuns(n: number): Promise<RdsRun[]> {
  const file = join(ROOT, 'experiments', 'rds-failover.yaml');
  const registry = defaultRegistry();
  return onRegion('web-and-database.yaml', SPEED, async (region, aws) => {
    const runs: RdsRun[] = [];
    for (let i = 0; i < n; i++) {
      const since = region.world.truth.events.length;
      // Keep the rows so the truth can be counted from the database itself.
      const text = (await readFile(file, 'utf8')).replace('timeout: 1s }', 'timeout: 1s, keepRows: true }');
      const loaded = parseExperiment(text, file, { registry, env: {}, simOutputs: region.outputs() });
      const journal = await runExperiment(loaded, { registry, aws });
      const ledger = journal.probes.find((p) => p.name === 'ledger');
      const truth = await events(region, since);
      const down = truth.find((e) => e.resource === 'rds/orders-db' && e.to === 'refusing');
      const up = truth.find((e) => e.resource === 'rds/orders-db' && e.to === 'serving');
      const measured = journal.measurement.probes.ledger?.downtime;
      if (ledger?.report?.lostWrites === undefined || down === undefined || up === undefined || measured === undefined)
        throw new Error(`run ${i + 1}: ${journal.verdict.reason}`);
      const { default: pg } = await import('pg');
      const outputs = region.outputs();
      const reader = new TtlResolver(outputs['dns.server'] ?? '', { timeoutMs: 2_000 });
      const url = new URL(outputs['rds.orders-db.url'] ?? '');
      url.hostname = await reader.address(url.hostname);
      reader.close();
      const client = new pg.Client(url.toString());
      await client.connect();
      const present =
        (await client.query<{ n: number }>('SELECT count(DISTINCT seq)::int AS n FROM gameday_write_ledger WHERE run_id = $1', [journal.runId])).rows[0]?.n ??
        0;
      await client.end();
      const acknowledged = ledger.report.lostWrites.acknowledged;
      // Serving resumed within [since, epochMs] of the region's record; take the midpoint as the truth. A client that
      // resolved the old primary's address keeps it for up to the endpoint's TTL (5 s of AWS time), so its writes
      // resume up to that much later: the client-visible truth lies in [serving resumed, serving resumed + TTL].
      const upAt = typeof up.detail?.since === 'number' ? (up.detail.since + up.epochMs) / 2 : up.epochMs;
      const trueDowntime = upAt - down.epochMs;
      const ttl = (RDS_DNS_TTL * 1_000) / SPEED;
      runs.push({
        lost: ledger.report.lostWrites.count,
        // Rows present include failed writes that landed anyway, so this can only undercount a loss, never invent one.
        truthLost: Math.max(0, acknowledged - present),
        acknowledged,
        downtimeError: measured.value - trueDowntime,
        inBracket:
          measured.lower <= up.epochMs - down.epochMs + ttl &&
          (typeof up.detail?.since === 'number' ? up.detail.since : up.epochMs) - down.epochMs <= measured.upper,
        bracketWidth: measured.upper - measured.lower,
      });
    }
    return runs;
  });
}

interface DnsRun {
  error: number;
  inBracket: boolean;
  bracketWidth: number;
  interval: number;
}

async function dnsRuns(n: number): Promise<DnsRun[]> {
  const file = join(ROOT, 'experiments', 'route53-failover.yaml');
  const registry = defaultRegistry();
  const speed = 20;
  return onRegion('two-sites.yaml', speed, async (region, aws) => {
    const runs: DnsRun[] = [];
    for (let i = 0; i < n; i++) {
      const since = region.world.truth.events.length;
      const loaded = parseExperiment(await readFile(file, 'utf8'), file, { registry, env: {}, simOutputs: region.outputs() });
      const journal = await runExperiment(loaded, { registry, aws });
      const flip = (await events(region, since)).find(
        (e) => e.kind === 'dns-answer' && e.resource.startsWith('app.example.com') && e.to === '127.0.20.1' && e.epochMs > journal.startedAtEpochMs,
      );
      const measured = journal.measurement.probes.dns?.valueChanges.find((c) => c.to === '127.0.20.1');
      if (flip === undefined || measured === undefined) throw new Error(`run ${i + 1}: no flip (${journal.verdict.reason})`);
      const truth = flip.epochMs - journal.startedAtEpochMs;
      runs.push({
        error: measured.at.value - truth,
        inBracket: measured.at.lower <= truth && truth <= measured.at.upper,
        bracketWidth: measured.at.upper - measured.at.lower,
        interval: 5_000 / speed,
      });
      await region.world.ready(60_000);
    }
    return runs;
  });
}

export async function main(): Promise<BenchOutcome> {
  heading('data tier: lost writes, write downtime, DNS failover');
  const rds = await rdsRuns(envInt('BENCH_RDS_RUNS', 8));
  const exact = rds.filter((r) => r.lost === r.truthLost).length;
  const downErr = distribution(rds.map((r) => Math.abs(r.downtimeError)));
  console.log(
    `  RDS failover, ${rds.length} runs: lost writes exact in ${exact}/${rds.length} (lost ${rds.map((r) => r.lost).join(',')}; acknowledged ${rds.map((r) => r.acknowledged).join(',')})`,
  );
  console.log(
    `  write downtime |error| vs serving resumed p50 ${ms(downErr.p50)} max ${ms(downErr.max)} (a client keeps the old address up to the 5 s TTL, ${ms((RDS_DNS_TTL * 1_000) / SPEED)} wall); truth inside the bracket ${rds.filter((r) => r.inBracket).length}/${rds.length}; bracket width p50 ${ms(distribution(rds.map((r) => r.bracketWidth)).p50)}`,
  );
  const dns = await dnsRuns(envInt('BENCH_DNS_RUNS', 5));
  const dnsErr = distribution(dns.map((r) => Math.abs(r.error)));
  const withinInterval = dns.filter((r) => r.inBracket && r.bracketWidth <= r.interval).length;
  console.log(
    `  DNS failover, ${dns.length} runs: |error| p50 ${ms(dnsErr.p50)} max ${ms(dnsErr.max)} (wall); truth in bracket and bracket within one probe interval (${ms(dns[0]?.interval ?? 0, 0)}) ${withinInterval}/${dns.length}`,
  );
  const resultFile = await writeResult('data-tier', { rds, dns });
  return {
    name: 'data-tier',
    resultFile,
    rows: [
      { metric: 'RDS failover: lost-write count exact', value: `${exact}/${rds.length}`, target: 'all', status: passMiss(exact === rds.length) },
      {
        metric: 'write downtime: truth within bracket',
        value: `${rds.filter((r) => r.inBracket).length}/${rds.length} (|err| max ${ms(downErr.max)})`,
        target: 'all',
        status: passMiss(rds.every((r) => r.inBracket)),
      },
      {
        metric: 'DNS flip within one probe interval',
        value: `${withinInterval}/${dns.length} (|err| max ${ms(dnsErr.max)})`,
        target: 'all',
        status: passMiss(withinInterval === dns.length),
      },
    ],
  };
}

if (isMain(import.meta.url)) runStandalone(main);
