import { performance } from 'node:perf_hooks';
import type { Client } from 'pg';
import type { Clock } from '../../core/clock.js';
import { z } from 'zod';
import { duration } from '../../experiment/fields.js';
import { NO_WORKLOAD_MOTO, no, partial, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition, ProbeReport } from '../../registry/types.js';
import { connectionArgs, connector, drop, sqlErrorText, type Connection } from './connection.js';
import { ErrorCode, GamedayError } from '../../errors/gameday-error.js';

const args = z.strictObject({
  ...connectionArgs,
  /** Table the ledger writes to; created if missing, in the database of the URL. */
  table: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'a table name is lower-case letters, digits and _' })
    .default('gameday_write_ledger'),
  /** Keep this run's rows after reading them back (by default they are deleted). */
  keepRows: z.boolean().default(false),
  /**
   * Where the rows are read back from after the run. `url` (default): the URL, as the samples reached it. After a
   * read replica was promoted the URL may lead to the wrong copy (a failover record swinging back to the old primary
   * once it recovers); `last-acknowledged` reads from the address that acknowledged the last write, the surviving copy,
   * so the writes the old primary acknowledged and the promoted replica never received count as lost.
   */
  readBack: z.enum(['url', 'last-acknowledged']).default('url'),
});

const tolerance = z.strictObject({ maxLatency: duration().optional() });

type Args = z.output<typeof args>;

interface Write {
  seq: number;
  /** Monotonic ms the INSERT was acknowledged (committed), or undefined when it failed or its outcome is unknown. */
  ackAt: number | undefined;
  /** The server address that acknowledged it. */
  ackedBy?: string | undefined;
  /** Monotonic ms the INSERT was sent. */
  startedAt?: number | undefined;
}

/** The address a connection reached (pg keeps its socket as `connection.stream`). */
function remoteAddress(client: Client): string | undefined {
  const address = (client as unknown as { connection?: { stream?: { remoteAddress?: string } } }).connection?.stream?.remoteAddress;
  return address?.replace(/^::ffff:/, '');
}

/**
 * The URL to read the ledger back from: `url` itself, or (`last-acknowledged`) the same URL with its host replaced by
 * the address that acknowledged the last acknowledged write; the URL when no write was acknowledged.
 */
export function readBackUrl(url: string, readBack: 'url' | 'last-acknowledged', writes: readonly Write[]): string {
  if (readBack === 'url') return url;
  const address = writes.filter((w) => w.ackAt !== undefined && w.ackedBy !== undefined).at(-1)?.ackedBy;
  if (address === undefined) return url;
  const u = new URL(url);
  u.hostname = address.includes(':') ? `[${address}]` : address;
  return u.toString();
}

/**
 * `sql.write-ledger`: every sample inserts the next numbered row of this run and records whether the database
 * acknowledged it. After the run it reads the rows back: acknowledged writes missing are lost (the measured RPO, as a
 * count and as the span of time they covered), rows present twice are duplicates, and failed writes that landed
 * anyway are ambiguous commits.
 */
export const writeLedgerProbe: ProbeDefinition<Args, z.output<typeof tolerance>> = {
  id: 'sql.write-ledger',
  summary: 'Writes a numbered row per sample to PostgreSQL and, after the run, counts acknowledged writes lost (RPO) and duplicated.',
  measures: ['availability', 'latency', 'lost-writes'],
  permissions: { read: [], write: [] },
  capabilities: {
    services: [],
    support: {
      sim: yes('A Multi-AZ failover keeps every acknowledged write, as RDS does; a promoted read replica lacks what it had not applied.'),
      moto: no(NO_WORKLOAD_MOTO),
      'localstack-free': no('RDS is not in the community image.'),
      'localstack-paid': partial('Writes go to the one local database process; with no failover there are no lost writes to measure.'),
      aws: yes(),
    },
  },
  args,
  tolerance,
  defaultTolerance: {},
  open(a, ctx) {
    const writes: Write[] = [];
    const connections = connector(a, ctx.speed, ctx.clock);
    let conn: Connection | undefined;
    let ready = false;
    const insert = `INSERT INTO ${a.table} (run_id, seq) VALUES ($1, $2)`;
    const ensureTable = async (c: Client): Promise<void> => {
      if (ready) return;
      await c.query(
        `CREATE TABLE IF NOT EXISTS ${a.table} (run_id text NOT NULL, seq bigint NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
      );
      await c.query(`CREATE INDEX IF NOT EXISTS ${a.table}_run_id ON ${a.table} (run_id)`);
      ready = true;
    };
    return {
      async sample() {
        const write: Write = { seq: writes.length + 1, ackAt: undefined, startedAt: performance.now() };
        writes.push(write);
        const started = performance.now();
        try {
          conn ??= await connections.open();
          await ensureTable(conn.client);
          await conn.client.query(insert, [ctx.runId, write.seq]);
          write.ackAt = performance.now();
          write.ackedBy = conn.address ?? remoteAddress(conn.client);
          return { value: 'acknowledged', latencyMs: write.ackAt - started, ...(conn.address === undefined ? {} : { endpoint: conn.address }) };
        } catch (error) {
          drop(conn?.client);
          conn = undefined;
          return { error: sqlErrorText(error), latencyMs: performance.now() - started };
        }
      },
      async finish(signal) {
        drop(conn?.client);
        conn = undefined;
        const from = readBackUrl(a.url, a.readBack, writes);
        // The surviving copy is reached by its address: no name to resolve.
        const readBackConnections = from === a.url ? connections : connector({ ...a, url: from, resolver: undefined }, ctx.speed, ctx.clock);
        const reader = await connectWhenUp(readBackConnections, signal, ctx.clock);
        try {
          await ensureTable(reader);
          const rows = await reader.query<{ seq: string; n: number }>(`SELECT seq, count(*)::int AS n FROM ${a.table} WHERE run_id = $1 GROUP BY seq`, [
            ctx.runId,
          ]);
          if (!a.keepRows) await reader.query(`DELETE FROM ${a.table} WHERE run_id = $1`, [ctx.runId]);
          const report = ledgerReport(writes, new Map(rows.rows.map((r) => [Number(r.seq), r.n])));
          return a.readBack === 'url' ? report : { ...report, data: { ...report.data, readBackFrom: new URL(from).host } };
        } finally {
          drop(reader);
        }
      },
      close: async () => {
        drop(conn?.client);
        conn = undefined;
        connections.close();
      },
    };
  },
  check(o, t) {
    if (o.error !== undefined) return `write failed: ${o.error}`;
    if (t.maxLatency !== undefined && (o.latencyMs ?? 0) > t.maxLatency) return `write took ${Math.round(o.latencyMs ?? 0)}ms, above ${t.maxLatency}ms`;
    return null;
  },
};

/** The read-back needs the database; it is steady again by now, but give a failover's DNS a moment. */
async function connectWhenUp(connections: ReturnType<typeof connector>, signal: AbortSignal, clock: Clock): Promise<Client> {
  let delay = 100;
  for (;;) {
    try {
      return (await connections.open()).client;
    } catch (error) {
      if (signal.aborted) throw new GamedayError(ErrorCode.ProbeFailed, `could not read the ledger back: ${sqlErrorText(error)}`);
      await clock.sleep(delay);
      delay = Math.min(2_000, delay * 2);
    }
  }
}

/** Compares what was acknowledged with what is there. Pure, so the accounting can be tested exactly. */
export function ledgerReport(
  writes: readonly { seq: number; ackAt: number | undefined; startedAt?: number | undefined }[],
  present: ReadonlyMap<number, number>,
): ProbeReport {
  const acked = writes.filter((w) => w.ackAt !== undefined);
  const lost = acked.filter((w) => !present.has(w.seq));
  const duplicates = [...present.entries()].filter(([, n]) => n > 1).map(([seq]) => seq);
  const ambiguous = writes.filter((w) => w.ackAt === undefined && present.has(w.seq)).map((w) => w.seq);
  let window: { value: number; lower: number; upper: number } | null = null;
  const first = lost[0];
  const last = lost[lost.length - 1];
  if (first !== undefined && last !== undefined) {
    // The lost data spans at least from the first lost acknowledgement to the last one, and at most from the last
    // surviving acknowledgement before them to the next write sent after them: one that failed shows the database had
    // stopped acknowledging, so an outage's failed writes do not stretch the window to the first write after recovery.
    const survivors = acked.filter((w) => present.has(w.seq));
    const before = survivors.filter((w) => w.seq < first.seq).at(-1);
    const next = writes.find((w) => w.seq > last.seq);
    const after = next?.ackAt === undefined ? next?.startedAt : present.has(next.seq) ? next.ackAt : undefined;
    const lower = (last.ackAt ?? 0) - (first.ackAt ?? 0);
    const upper = Math.max(lower, (after ?? last.ackAt ?? 0) - (before?.ackAt ?? first.ackAt ?? 0));
    window = { value: (lower + upper) / 2, lower, upper };
  }
  const summary =
    lost.length === 0
      ? `all ${acked.length} acknowledged writes survived${duplicates.length > 0 ? `, ${duplicates.length} duplicated` : ''}`
      : `${lost.length} of ${acked.length} acknowledged writes lost (seq ${lost[0]?.seq}…${lost.at(-1)?.seq})${duplicates.length > 0 ? `, ${duplicates.length} duplicated` : ''}`;
  return {
    summary,
    lostWrites: { count: lost.length, window, acknowledged: acked.length, duplicates: duplicates.length },
    data: {
      attempted: writes.length,
      acknowledged: acked.length,
      failed: writes.length - acked.length,
      lost: lost.slice(0, 200).map((w) => w.seq),
      duplicates: duplicates.slice(0, 200),
      ambiguousCommits: ambiguous.length,
    },
  };
}
