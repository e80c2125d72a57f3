import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Journal } from '../../src/engine/journal.js';
import { auditArchitecture } from '../../src/audit/audit.js';
import { OBJECTIVES, reference, referenceWith } from './builder.js';
import { prove } from './prove-twin.js';
import { REFERENCE_TWIN } from './twin.js';

/** The status of each objective of a run, by objective. */
const objectives = (j: Journal): Record<string, string> => Object.fromEntries(j.objectives.map((o) => [o.objective, o.status]));

/** The reference twin with its database single-AZ, as the single-AZ architecture's twin is. */
const SINGLE_AZ_TWIN = REFERENCE_TWIN.replace(
  '{ id: orders-db, multiAZ: true, availabilityZone: a }',
  '{ id: orders-db, multiAZ: false, availabilityZone: a }',
);
/** The reference twin with its primary record knowing no health: no health check, no EvaluateTargetHealth. */
const NO_HEALTH_TWIN = REFERENCE_TWIN.replace(
  'alias: "alb:web-alb", evaluateTargetHealth: true, setIdentifier: primary, failover: PRIMARY, healthCheck: primary-hc }',
  'alias: "alb:web-alb", evaluateTargetHealth: false, setIdentifier: primary, failover: PRIMARY }',
);
const singleAz = () => referenceWith((a) => Object.assign(a.databases[0] ?? {}, { multiAZ: false, secondaryZone: undefined }));
const noHealth = () =>
  referenceWith((a) => {
    const primary = a.hostedZones[0]?.records[0];
    assert.ok(primary?.alias !== undefined);
    primary.healthCheckId = undefined;
    primary.alias.evaluateTargetHealth = false;
  });

describe("the database's zone loss on the twin", () => {
  it('is unprovable where no opted-in instance runs in the primary’s zone: the outage finds the subnets it cuts through them', () => {
    const a = singleAz();
    a.instances = a.instances.filter((i) => i.zone !== a.databases[0]?.zone);
    const f = auditArchitecture(a, OBJECTIVES, { twin: 'twin.yaml' }).findings.find((x) => x.rule === 'rds-single-az');
    assert.equal(f?.experiment, undefined);
    assert.match(f?.unprovable ?? '', /^No instance tagged gameday:allowed=true runs in us-east-1a/);
  });

  it('fails on a single-AZ instance (rds-single-az confirmed): writes land only when the zone returns, past the RTO, none lost', async () => {
    assert.notEqual(SINGLE_AZ_TWIN, REFERENCE_TWIN);
    const journal = await prove(singleAz(), 'rds-single-az', SINGLE_AZ_TWIN);
    assert.equal(journal.verdict.status, 'failed-objective', journal.verdict.reason);
    assert.deepEqual(objectives(journal), { rpo: 'pass', rto: 'fail', switchover: 'fail' });
  });

  it('passes on a Multi-AZ instance (claim-db-failover holds): RDS fails over to the standby by itself within the RTO', async () => {
    const journal = await prove(reference(), 'claim-db-failover', REFERENCE_TWIN, (f) => f.evidence.some((e) => e.endsWith(':db:orders-db')));
    assert.equal(journal.verdict.status, 'passed', `${journal.verdict.reason} ${JSON.stringify(journal.objectives)}`);
    assert.deepEqual(objectives(journal), { rpo: 'pass', rto: 'pass', switchover: 'pass' });
  });
});

describe("a failover primary's site loss on the twin", () => {
  it('fails when the primary knows no health (dns-routed-record-without-health-check confirmed): Route 53 keeps answering it', async () => {
    assert.notEqual(NO_HEALTH_TWIN, REFERENCE_TWIN);
    const journal = await prove(noHealth(), 'dns-routed-record-without-health-check', NO_HEALTH_TWIN);
    assert.equal(journal.verdict.status, 'failed-objective', journal.verdict.reason);
    assert.equal(objectives(journal).switchover, 'fail');
  });

  it('passes, the same experiment, where the primary has a health check on its load balancer: the answer flips to the secondary', async () => {
    const journal = await prove(noHealth(), 'dns-routed-record-without-health-check', REFERENCE_TWIN);
    assert.equal(journal.verdict.status, 'passed', `${journal.verdict.reason} ${JSON.stringify(journal.objectives)}`);
    assert.equal(objectives(journal).switchover, 'pass');
    // The experiment names the secondary's answer: only the flip to it counts.
    const switchover = journal.objectives.find((o) => o.objective === 'switchover');
    assert.match(switchover?.detail ?? '', /to 192\.0\.2\.10 /);
  });
});
