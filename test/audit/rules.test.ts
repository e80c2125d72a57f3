import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Architecture } from '../../src/architecture/model.js';
import { auditArchitecture } from '../../src/audit/audit.js';
import type { AuditObjectives, Finding } from '../../src/audit/finding.js';
import { needOf } from '../../src/audit/need.js';
import { failoverSeconds } from '../../src/audit/rules/dns.js';
import { ASG_ARN, OBJECTIVES, reference, referenceWith } from './builder.js';
import { WEAKNESSES } from './weaknesses.js';

const OPTIONS = { twin: 'twin.yaml' };
const audit = (a: Architecture, objectives: AuditObjectives = OBJECTIVES) => auditArchitecture(a, objectives, OPTIONS);
const above = (findings: Finding[]) => findings.filter((f) => f.severity !== 'info');
const fired = (a: Architecture, rule: string, objectives?: AuditObjectives) => audit(a, objectives).findings.filter((f) => f.rule === rule);

describe('audit rules', () => {
  it('find nothing above info on the reference architecture, and give it its claims with their experiments', () => {
    const report = audit(reference());
    assert.deepEqual(above(report.findings), []);
    const claims = report.findings.map((f) => f.rule).sort();
    assert.deepEqual(claims, ['claim-app-failure-replacement', 'claim-db-failover', 'claim-dns-failover', 'claim-instance-replacement', 'claim-zone-loss']);
    for (const f of report.findings) assert.ok(f.experiment !== undefined, f.rule);
    assert.ok(report.scores.every((s) => s.score === 100 && s.findings === 0));
  });

  for (const w of WEAKNESSES) {
    it(`${w.rule}: fires on its weakness with evidence, principle, fix and an AWS page`, () => {
      assert.deepEqual(fired(reference(), w.rule), [], 'not on the reference');
      const found = fired(referenceWith(w.plant), w.rule);
      assert.ok(found.length > 0, `${w.rule} did not fire`);
      for (const f of found) {
        assert.notEqual(f.severity, 'info');
        assert.ok(f.evidence.length > 0 && f.evidence.every((e) => e.startsWith('arn:aws:')), `${w.rule} evidence: ${f.evidence.join(', ')}`);
        assert.match(f.reference, /^https:\/\/docs\.aws\.amazon\.com\//);
        assert.ok(f.principle.length > 0 && f.fix.length > 0);
        assert.ok((f.experiment === undefined) !== (f.unprovable === undefined), `${w.rule}: an experiment or why none`);
      }
    });
  }

  it('an AZRebalance suspension is a medium finding without experiment, a ReplaceUnhealthy one a high one with its experiment', () => {
    const suspended = (process: string) =>
      fired(
        referenceWith((a) => a.autoScalingGroups[0]?.suspendedProcesses.push(process)),
        'asg-suspended-processes',
      );
    const shape = (found: Finding[]) => found.map((f) => [f.severity, f.experiment === undefined]);
    assert.deepEqual(shape(suspended('AZRebalance')), [['medium', true]]);
    const replace = suspended('ReplaceUnhealthy');
    assert.deepEqual(shape(replace), [['high', false]]);
    assert.match(replace[0]?.experiment?.yaml ?? '', /aws\.ec2\.terminate-instances/);
  });

  it('one zone is critical, two are high', () => {
    assert.equal(fired(reference({ zones: ['us-east-1a'], instances: 2 }), 'asg-fewer-than-three-zones')[0]?.severity, 'critical');
    assert.equal(fired(reference({ zones: ['us-east-1a', 'us-east-1b'], instances: 2 }), 'asg-fewer-than-three-zones')[0]?.severity, 'high');
  });

  it('a two-zone group of two, needing its minimum, does not survive a zone; its experiment loses the fuller zone', () => {
    const a = reference({ zones: ['us-east-1a', 'us-east-1b'], instances: 2 });
    a.alarms = [];
    const [f] = fired(a, 'capacity-below-need-after-zone-loss');
    assert.equal(f?.title, 'Losing us-east-1a leaves web-asg 1 in service of 2; it needs 2 (the group minimum).');
    assert.deepEqual(f?.evidence, [ASG_ARN]);
    assert.match(f?.experiment?.yaml ?? '', /availabilityZone: us-east-1a/);
    assert.match(f?.experiment?.yaml ?? '', /atLeast: 2/);
  });

  it('scores each layer 100 minus its findings’ weights, never below 0', () => {
    const a = referenceWith((x) => {
      x.databases[0] && Object.assign(x.databases[0], { multiAZ: false, subnetGroup: { name: 'one', zones: ['us-east-1a'] } });
      x.stacks = [];
    });
    const scores = Object.fromEntries(audit(a).scores.map((s) => [s.layer, s.score]));
    assert.equal(scores.database, 100 - 20 - 20);
    assert.equal(scores.deployments, 100 - 3);
    assert.equal(scores.zones, 100);
    const many = referenceWith((x) => {
      for (let i = 0; i < 6; i++)
        x.dbClusters.push({
          id: `c${i}`,
          arn: `arn:aws:rds:us-east-1:123456789012:cluster:c${i}`,
          engine: 'postgres',
          status: 'available',
          multiAZ: false,
          zones: [],
          members: [{ id: `m${i}`, writer: true, zone: 'us-east-1a' }],
          tags: {},
        });
    });
    assert.equal(audit(many).scores.find((s) => s.layer === 'database')?.score, 0);
  });
});

describe('the need of a group', () => {
  const g = (a: Architecture) => a.autoScalingGroups[0] ?? assert.fail('no group');
  it('is the declared need first', () => {
    const a = reference();
    assert.deepEqual(needOf(a, g(a), { rtoSeconds: 300, need: { 'web-asg': 3 } }), { need: 3, source: 'the declared need' });
  });
  it('else the HealthyHostCount alarm: < T needs T, <= T needs T+1', () => {
    const a = reference();
    assert.equal(needOf(a, g(a), OBJECTIVES).need, 2);
    Object.assign(a.alarms[0] ?? {}, { comparison: 'LessThanOrEqualToThreshold' });
    assert.equal(needOf(a, g(a), OBJECTIVES).need, 3);
  });
  it('matches an alarm on the target group dimension as well as on the load balancer, and ignores other metrics', () => {
    const a = reference();
    Object.assign(a.alarms[0] ?? {}, {
      dimensions: { TargetGroup: 'targetgroup/web-tg/0123456789abcdef', LoadBalancer: 'app/web-alb/0123456789abcdef' },
      threshold: 1,
    });
    assert.equal(needOf(a, g(a), OBJECTIVES).need, 1);
    Object.assign(a.alarms[0] ?? {}, { metric: 'RequestCount' });
    assert.deepEqual(needOf(a, g(a), OBJECTIVES), { need: 3, source: 'the group minimum' });
  });
  it('so the reference (3 zones, 3 instances, alarm < 2) survives a zone, and the same with a declared need of 3 does not', () => {
    assert.deepEqual(fired(reference(), 'capacity-below-need-after-zone-loss'), []);
    assert.equal(fired(reference(), 'capacity-below-need-after-zone-loss', { rtoSeconds: 300, need: { 'web-asg': 3 } }).length, 1);
  });
});

describe('DNS failover time against the RTO', () => {
  it('its experiment gives the inverted check the RTO less the TTL and the threshold’s further checks, none when that is not positive', () => {
    const within = (rtoSeconds: number, rule: string) =>
      /switchover:\n\s+probe: dns\n\s+within: (\S+)/.exec(fired(reference(), rule, { rtoSeconds, need: {} })[0]?.experiment?.yaml ?? '')?.[1];
    // The reference: 300 s − 60 s TTL − 10 s × (3 − 1).
    assert.equal(within(300, 'claim-dns-failover'), '220s');
    assert.equal(within(80, 'dns-failover-slower-than-rto'), '0s');
  });

  const rec = { name: 'app.example.com.', type: 'A' };
  const hc = { id: 'h', type: 'HTTP', requestIntervalSeconds: 30, failureThreshold: 3, inverted: false, disabled: false, regions: [], tags: {} };
  it('is interval × threshold plus the TTL (an alias to a load balancer: 60 s)', () => {
    assert.equal(failoverSeconds({ ...rec, ttl: 300 }, hc), 30 * 3 + 300);
    assert.equal(failoverSeconds({ ...rec, alias: { dnsName: 'x', hostedZoneId: 'Z', evaluateTargetHealth: true } }, hc), 90 + 60);
  });
  it('fires above the RTO and holds at it', () => {
    // The reference: 10 s × 3 + 60 s alias TTL = 90 s.
    assert.equal(fired(reference(), 'dns-failover-slower-than-rto', { rtoSeconds: 89, need: {} }).length, 1);
    assert.equal(fired(reference(), 'dns-failover-slower-than-rto', { rtoSeconds: 90, need: {} }).length, 0);
    assert.equal(fired(reference(), 'claim-dns-failover', { rtoSeconds: 90, need: {} }).length, 1);
  });
});

describe('a failover pair in one Region', () => {
  const withSecondary = (secondary: Architecture['hostedZones'][number]['records'][number]) =>
    referenceWith((a) => {
      const records = a.hostedZones[0]?.records ?? [];
      records.splice(
        records.findIndex((r) => r.failover === 'SECONDARY'),
        1,
        secondary,
      );
    });
  const standby = (dnsName: string) =>
    ({
      name: 'app.example.com.',
      type: 'A',
      alias: { dnsName, hostedZoneId: 'Z32O12XQLNTSW2', evaluateTargetHealth: true },
      setIdentifier: 'secondary',
      failover: 'SECONDARY',
    }) as const;

  it('is a high finding when the SECONDARY answers from the PRIMARY’s Region (an ELB name there), naming the Region', () => {
    const [f] = fired(withSecondary(standby('standby-99.us-east-1.elb.amazonaws.com.')), 'dns-failover-pair-in-one-region');
    assert.equal(f?.severity, 'high');
    assert.equal(
      f?.title,
      'Failover pair app.example.com A (primary) and app.example.com A (secondary) both answer from us-east-1: a Region outage takes both.',
    );
    assert.deepEqual(f?.evidence, [
      'arn:aws:route53:::hostedzone/Z0123',
      'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/0123456789abcdef',
    ]);
    assert.equal(f?.reference, 'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-types.html');
  });

  it('is a finding when the SECONDARY’s values are instances of the same Region', () => {
    const a = withSecondary({ name: 'app.example.com.', type: 'A', ttl: 60, values: ['10.0.1.10'], setIdentifier: 'secondary', failover: 'SECONDARY' });
    Object.assign(a.instances[0] ?? {}, { privateIp: '10.0.1.10' });
    assert.equal(fired(a, 'dns-failover-pair-in-one-region').length, 1);
  });

  it('is no finding when the SECONDARY is in another Region, or where it answers from is unknown (an address outside the architecture)', () => {
    assert.deepEqual(fired(withSecondary(standby('standby-99.eu-west-1.elb.amazonaws.com.')), 'dns-failover-pair-in-one-region'), []);
    assert.deepEqual(fired(reference(), 'dns-failover-pair-in-one-region'), []);
  });
});
