import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { journalSchema } from '../../src/engine/journal.js';
import { gameday, ROOT, tempDir } from '../support/cli.js';

const SECRETS = {
  password: 'pw-Zq81-never-logged',
  urlPassword: 'url-Kx7-never-logged',
  bearer: 'tok-Pm4-never-logged',
  simSecret: 'gameday-simulated-region',
};

describe('the audit trail', () => {
  it('appends every AWS call of a run to the audit log and the journal, and no secret appears in them or the output', async () => {
    const tmp = await tempDir();
    try {
      const source = await readFile(join(ROOT, 'experiments', 'rds-failover.yaml'), 'utf8');
      const text = source
        .replace('topologies/', `${join(ROOT, 'experiments', 'topologies')}/`)
        .replace(
          'args: { url: "${sim:rds.orders-db.url}", resolver',
          `args: { url: "postgres://postgres:${SECRETS.urlPassword}@\${sim:rds.orders-db.endpoint}:5432/postgres", password: "${SECRETS.password}", resolver`,
        )
        .replace(
          'probes:\n',
          `probes:\n  - name: site\n    probe: http\n    args: { url: "\${sim:alb.web-alb.url}/health", headers: { authorization: "Bearer ${SECRETS.bearer}" } }\n    interval: 5s\n`,
        );
      assert.notEqual(text, source);
      const file = await tmp.write('secrets.yaml', text);
      const log = join(tmp.dir, 'audit', 'audit.log');
      const journalFile = join(tmp.dir, 'journal.json');
      // Append-only: what was there stays.
      await mkdir(join(tmp.dir, 'audit'));
      await tmp.write('audit/audit.log', '{"earlier":"line"}\n');
      const result = await gameday(['run', file, '--journal', journalFile, '--audit-log', log, '--view', 'plain'], { timeoutMs: 120_000 });
      assert.equal(result.code, 0, result.stderr);

      const journal = journalSchema.parse(JSON.parse(await readFile(journalFile, 'utf8')));
      const lines = (await readFile(log, 'utf8')).trim().split('\n');
      assert.equal(lines[0], '{"earlier":"line"}');
      const entries = lines.slice(1).map(
        (l) =>
          JSON.parse(l) as {
            runId: string;
            service: string;
            operation: string;
            mutating: boolean;
            ok: boolean;
            requestId?: string;
            time: string;
            request: unknown;
          },
      );
      assert.ok(entries.every((e) => e.runId === journal.runId && typeof e.time === 'string'));
      // Every call: the identity check, the plan's reads, the probes' reads, the fault's calls.
      const ops = new Set(entries.map((e) => `${e.service}:${e.operation}`));
      for (const op of ['sts:GetCallerIdentity', 'rds:DescribeDBInstances', 'rds:RebootDBInstance']) assert.ok(ops.has(op), `${op} is in the audit log`);
      assert.deepEqual(
        entries.filter((e) => e.mutating).map((e) => e.operation),
        journal.activities.flatMap((a) => a.calls.filter((c) => c.mutating).map((c) => c.operation)),
      );
      assert.ok(entries.filter((e) => e.mutating).every((e) => e.ok && typeof e.requestId === 'string' && e.requestId !== ''));
      assert.equal(journal.audit.calls.length + journal.audit.dropped, entries.length);
      assert.deepEqual(journal.audit.calls.find((c) => c.operation === 'RebootDBInstance')?.request, {
        DBInstanceIdentifier: 'orders-db',
        ForceFailover: true,
      });

      const everything = [await readFile(log, 'utf8'), await readFile(journalFile, 'utf8'), result.stdout, result.stderr].join('\n');
      for (const [what, secret] of Object.entries(SECRETS)) assert.ok(!everything.includes(secret), `${what} leaked`);
    } finally {
      await tmp.cleanup();
    }
  });

  it('refuses an audit log it cannot open in one sentence naming the file and why, with exit code 2, before the run', async () => {
    const tmp = await tempDir();
    try {
      const file = await tmp.write('not-a-folder', 'a file\n');
      const log = join(file, 'audit.log');
      const result = await gameday(['run', join('experiments', 'local-http-outage.yaml'), '--audit-log', log, '--view', 'none'], { timeoutMs: 60_000 });
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stderr.trim(), `error: The audit log ${log} cannot be opened: a part of its path is a file, not a folder.`);
      assert.doesNotMatch(result.stdout, /verdict/, 'nothing ran');
    } finally {
      await tmp.cleanup();
    }
  });
});
