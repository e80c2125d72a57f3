import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { ledgerReport, readBackUrl } from '../../src/probes/sql/write-ledger.js';
import { parseExperiment } from '../../src/experiment/load.js';
import { runExperiment } from '../../src/engine/runner.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { awsTargetFor } from '../../src/aws/target.js';
import { journalSchema } from '../../src/engine/journal.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';

describe('write ledger accounting', () => {
  const writes = [1, 2, 3, 4, 5, 6, 7, 8].map((seq) => ({ seq, ackAt: seq === 4 ? undefined : seq * 100 }));

  it('counts acknowledged writes that are missing, and brackets the time they covered', () => {
    // 6 and 7 were acknowledged but are gone; 4 failed; 8 survived.
    const present = new Map([
      [1, 1],
      [2, 1],
      [3, 1],
      [5, 1],
      [8, 1],
    ]);
    const r = ledgerReport(writes, present);
    assert.equal(r.lostWrites?.count, 2);
    assert.equal(r.lostWrites?.acknowledged, 7);
    // At least from 6's ack (600) to 7's (700); at most from 5's (500) to 8's (800).
    assert.deepEqual(r.lostWrites?.window, { value: 200, lower: 100, upper: 300 });
    assert.deepEqual(r.data?.lost, [6, 7]);
    assert.match(r.summary, /2 of 7 acknowledged writes lost \(seq 6…7\)/);
  });

  it('ends the window at the first write sent after the lost ones when it failed: an outage does not stretch it to the recovery', () => {
    // 1–5 survived, 6 and 7 were acknowledged and lost, 8–20 failed during the outage, 21 succeeded minutes later.
    const outage = Array.from({ length: 21 }, (_, i) => {
      const seq = i + 1;
      return { seq, startedAt: seq * 100 - 10, ackAt: seq >= 8 && seq <= 20 ? undefined : seq === 21 ? 60_000 : seq * 100 };
    });
    const present = new Map([1, 2, 3, 4, 5, 21].map((seq) => [seq, 1]));
    const r = ledgerReport(outage, present);
    assert.deepEqual(r.data?.lost, [6, 7]);
    // At least 600→700; at most from 5's ack (500) to 8's send (790), not to 21's ack a minute later.
    assert.deepEqual(r.lostWrites?.window, { value: 195, lower: 100, upper: 290 });
  });

  it('reports duplicates and failed writes that landed anyway', () => {
    const present = new Map([
      [1, 1],
      [2, 2],
      [3, 1],
      [4, 1],
      [5, 1],
      [6, 1],
      [7, 1],
      [8, 1],
    ]);
    const r = ledgerReport(writes, present);
    assert.equal(r.lostWrites?.count, 0);
    assert.equal(r.lostWrites?.window, null);
    assert.equal(r.lostWrites?.duplicates, 1);
    assert.equal(r.data?.ambiguousCommits, 1);
  });
});

describe('write ledger read-back after a read replica promotion', () => {
  // The old primary (10.0.0.1) acknowledged 1–10; the replica had applied 1–7 when it was promoted; writes 11–15 went
  // to the promoted replica (10.0.0.2). The name then swings back to the recovered old primary, which holds 1–10 only.
  const writes = Array.from({ length: 15 }, (_, i) => ({ seq: i + 1, ackAt: (i + 1) * 100, ackedBy: i < 10 ? '10.0.0.1' : '10.0.0.2' }));
  const onPromoted = new Map([1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14, 15].map((seq) => [seq, 1]));
  const onOldPrimary = new Map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((seq) => [seq, 1]));

  it('reads back from the address that acknowledged the last write with last-acknowledged, and from the URL by default', () => {
    const url = 'postgres://app@orders.example.internal:5432/shop';
    assert.equal(readBackUrl(url, 'last-acknowledged', writes), 'postgres://app@10.0.0.2:5432/shop');
    assert.equal(readBackUrl(url, 'url', writes), url);
    assert.equal(readBackUrl(url, 'last-acknowledged', [{ seq: 1, ackAt: undefined, ackedBy: undefined }]), url, 'nothing acknowledged: the URL');
    assert.equal(readBackUrl(url, 'last-acknowledged', [{ seq: 1, ackAt: 5, ackedBy: '::1' }]), 'postgres://app@[::1]:5432/shop');
  });

  it('counts exactly the writes the old primary acknowledged that never reached the promoted replica', () => {
    const surviving = ledgerReport(writes, onPromoted);
    assert.equal(surviving.lostWrites?.count, 3);
    assert.deepEqual(surviving.data?.lost, [8, 9, 10]);
    // Read from the wrong copy, the promoted replica's own writes would count as lost instead.
    assert.deepEqual(ledgerReport(writes, onOldPrimary).data?.lost, [11, 12, 13, 14, 15]);
  });
});

/**
 * A PostgreSQL "failover" with replication lag, on real sockets: a primary and a standby (two embedded databases),
 * one served at a time on the same port. The failover hook stops the primary, gives the standby every row except the
 * last `lag` ones, and serves the standby after a pause. The acknowledged writes the standby lacks are the truth.
 */
class LaggingFailover {
  primary!: PGlite;
  standby!: PGlite;
  server!: PGLiteSocketServer;
  port = 0;
  lostTruth: number[] = [];
  #hook!: Server;
  hookUrl = '';

  async start(lag: number, pauseMs: number): Promise<void> {
    [this.primary, this.standby] = await Promise.all([PGlite.create(), PGlite.create()]);
    this.server = new PGLiteSocketServer({ db: this.primary, host: '127.0.0.1', port: 0 });
    await this.server.start();
    this.port = Number(this.server.getServerConn().split(':')[1]);
    this.#hook = createServer((_req, res) => {
      void this.#failover(lag, pauseMs).then(() => res.writeHead(200).end('{"failedOver":true}'));
    });
    await new Promise<void>((resolve) => this.#hook.listen(0, '127.0.0.1', resolve));
    this.hookUrl = `http://127.0.0.1:${(this.#hook.address() as AddressInfo).port}/failover`;
  }

  async #failover(lag: number, pauseMs: number): Promise<void> {
    await this.server.stop();
    const rows = await this.primary.query<{ run_id: string; seq: number }>('SELECT run_id, seq::int AS seq FROM gameday_write_ledger ORDER BY seq');
    const kept = rows.rows.slice(0, Math.max(0, rows.rows.length - lag));
    this.lostTruth = rows.rows.slice(kept.length).map((r) => r.seq);
    await this.standby.exec(
      'CREATE TABLE IF NOT EXISTS gameday_write_ledger (run_id text NOT NULL, seq bigint NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp())',
    );
    for (const r of kept) await this.standby.query('INSERT INTO gameday_write_ledger (run_id, seq) VALUES ($1, $2)', [r.run_id, r.seq]);
    setTimeout(() => {
      this.server = new PGLiteSocketServer({ db: this.standby, host: '127.0.0.1', port: this.port });
      void this.server.start();
    }, pauseMs);
  }

  async stop(): Promise<void> {
    await this.server.stop().catch(() => undefined);
    await new Promise((resolve) => this.#hook.close(resolve));
    await Promise.all([this.primary.close(), this.standby.close()]);
  }
}

describe('sql.write-ledger against a PostgreSQL failover that loses its last writes', () => {
  const db = new LaggingFailover();
  before(async () => {
    await db.start(3, 800);
  });
  after(async () => {
    await db.stop();
  });

  it('measures exactly the acknowledged writes the failover lost, and fails a zero-loss RPO', async () => {
    const registry = defaultRegistry();
    const text = `apiVersion: gameday/v1
metadata: { name: ledger }
steadyState: { samples: 3 }
probes:
  - name: ledger
    probe: sql.write-ledger
    args: { url: "postgres://postgres:s3cret@127.0.0.1:${db.port}/postgres", timeout: 1s }
    interval: 100ms
faults:
  - name: failover
    action: http.request
    args: { url: "${db.hookUrl}" }
recovery: { stableFor: 500ms, timeout: 20s }
objectives: { rpo: 0 writes, rto: 10s }
`;
    const loaded = parseExperiment(text, 'ledger.yaml', { registry, env: {} });
    const aws = new AwsClientFactory(awsTargetFor(loaded.experiment.environment, {}));
    const journal = await runExperiment(loaded, { registry, aws }).finally(() => aws.destroy());
    journalSchema.parse(journal);
    const report = journal.probes[0]?.report;
    assert.ok(report?.lostWrites !== undefined, JSON.stringify(report));
    assert.equal(db.lostTruth.length, 3);
    assert.equal(report.lostWrites.count, db.lostTruth.length);
    assert.deepEqual(report.data?.lost, db.lostTruth);
    assert.equal(report.lostWrites.duplicates, 0);
    const rpo = journal.objectives.find((o) => o.objective === 'rpo');
    assert.equal(rpo?.status, 'fail');
    assert.equal(rpo?.measured, 3);
    assert.equal(journal.verdict.status, 'failed-objective');
    assert.match(journal.verdict.reason, /rpo \(3 of \d+ acknowledged writes lost, RPO 0 writes\)/);
    // Write downtime is the ledger's own failing stretch, bracketed like any probe's.
    assert.ok(journal.measurement.downtime.value >= 700, JSON.stringify(journal.measurement.downtime));
    // The password never reaches the journal.
    assert.doesNotMatch(JSON.stringify(journal), /s3cret/);
  });
});
