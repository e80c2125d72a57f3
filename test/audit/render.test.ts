import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AuditReport, type Finding, LAYERS, type Layer, SEVERITIES, type Severity } from '../../src/audit/finding.js';
import { renderAuditHtml } from '../../src/audit/render/html.js';
import { AUDIT_SCHEMA_VERSION, renderAuditJson } from '../../src/audit/render/json.js';
import { renderAuditMarkdown } from '../../src/audit/render/markdown.js';
import { renderAuditText, scoreBar } from '../../src/audit/render/text.js';

const HOSTILE = `web-<script>alert("x")</script>&'asg`;

function finding(layer: Layer, severity: Severity, n: number, extra: Partial<Finding> = {}): Finding {
  return {
    rule: `rule-${layer}-${n}`,
    layer,
    severity,
    title: `title of ${layer} ${n}`,
    evidence: [`arn:aws:test:us-east-1:123456789012:${layer}/${n}`],
    principle: `principle of ${layer} ${n}`,
    fix: `fix of ${layer} ${n}`,
    reference: `https://docs.aws.amazon.com/${layer}.html`,
    experiment: { file: `rule-${layer}-${n}.yaml`, yaml: 'apiVersion: gameday/v1\n', claim: `claim of ${layer} ${n}` },
    ...extra,
  };
}

function unprovable(f: Finding): Finding {
  const { experiment: _, ...rest } = f;
  return { ...rest, unprovable: 'a TTL is not a fault' };
}

/** One finding per layer, each severity at least once, a hostile resource name, and a proof of every outcome. */
function report(): AuditReport {
  const findings = LAYERS.map((layer, i) => finding(layer, SEVERITIES[i % SEVERITIES.length] ?? 'info', 1));
  findings.push(
    finding('zones', 'critical', 2, { title: `Auto Scaling group ${HOSTILE} is in two zones`, evidence: [`arn:aws:autoscaling:::${HOSTILE}`] }),
    unprovable(finding('dns', 'low', 2)),
  );
  // Listed first, shown after the critical finding of its layer.
  findings.unshift(finding('zones', 'low', 3));
  return {
    architecture: { source: { kind: 'template', name: 'infra/fragile.yaml' }, region: 'us-east-1', accountId: '123456789012' },
    objectives: { rtoSeconds: 300, need: { 'web-asg': 3 } },
    findings,
    scores: LAYERS.map((layer, i) => ({ layer, score: 100 - i * 15, findings: findings.filter((f) => f.layer === layer).length })),
    unmodelled: [{ resource: `arn:aws:lambda:::function:${HOSTILE}`, what: 'Lambda functions are not modelled.' }],
    proofs: [
      {
        rule: 'rule-zones-2',
        evidence: [`arn:aws:autoscaling:::${HOSTILE}`],
        outcome: 'confirmed',
        verdict: 'failed-objective',
        measurements: [{ name: 'time to recovery', value: '9m12s' }],
        journal: '/tmp/results/gd-1.json',
        wallMs: 4200,
      },
      { rule: 'rule-dns-1', evidence: ['arn:aws:test:us-east-1:123456789012:dns/1'], outcome: 'refuted', verdict: 'passed', measurements: [], wallMs: 1000 },
      {
        rule: 'rule-database-1',
        evidence: ['arn:aws:test:us-east-1:123456789012:database/1'],
        outcome: 'error',
        error: 'the twin did not start',
        measurements: [],
        wallMs: 10,
      },
    ],
  };
}

describe('audit renderers', () => {
  it('text: every layer with its score bar, every finding under its layer most severe first, evidence, fix, experiment and proof', () => {
    const r = report();
    const text = renderAuditText(r, { experimentsDir: 'out/exp' });
    for (const s of r.scores) assert.match(text, new RegExp(`  ${s.layer} +${scoreBar(s.score)} +${s.score} `), s.layer);
    for (const f of r.findings) {
      assert.ok(text.includes(`[${f.severity.toUpperCase()}] ${f.title}`), f.title);
      for (const e of f.evidence) assert.ok(text.includes(e), e);
      assert.ok(text.includes(f.fix));
      if (f.experiment !== undefined) assert.ok(text.includes(`out/exp/${f.experiment.file} (${f.experiment.claim})`));
    }
    assert.match(text, /no experiment: a TTL is not a fault/);
    // Under "zones:", the critical finding comes before the one of a lesser severity.
    const zones = text.slice(text.indexOf('\nzones:'));
    assert.ok(zones.indexOf('[CRITICAL] title of zones 1') < zones.indexOf('[LOW] title of zones 3'));
    assert.match(text, /proof: +CONFIRMED: verdict failed-objective, 4\.2 s wall\n +time to recovery: 9m12s\n +journal: \/tmp\/results\/gd-1\.json/);
    assert.match(text, /proof: +REFUTED: verdict passed/);
    assert.match(text, /proof: +ERROR: the twin did not start/);
    // An info finding is a claim that holds: its passing experiment shows it held.
    const claim = {
      ...r,
      proofs: [
        {
          rule: 'rule-deployments-1',
          evidence: r.findings.find((f) => f.rule === 'rule-deployments-1')?.evidence ?? [],
          outcome: 'refuted' as const,
          verdict: 'passed',
          measurements: [],
          wallMs: 1,
        },
      ],
    };
    assert.match(renderAuditText(claim), /\[INFO\] title of deployments 1\n(.*\n)* +proof: +HELD: verdict passed/);
    assert.match(text, /not judged \(not modelled\):\n {2}arn:aws:lambda/);
    assert.match(text, /9 findings: 3 critical, 1 high, 1 medium, 3 low, 1 info\n$/);
  });

  it('scoreBar fills in proportion and clamps', () => {
    assert.equal(scoreBar(100), '█'.repeat(20));
    assert.equal(scoreBar(0), '░'.repeat(20));
    assert.equal(scoreBar(50), `${'█'.repeat(10)}${'░'.repeat(10)}`);
    assert.equal(scoreBar(140), '█'.repeat(20));
  });

  it('JSON: the report as it is, with a schemaVersion, round-trips', () => {
    const r = report();
    const parsed = JSON.parse(renderAuditJson(r)) as Record<string, unknown>;
    assert.equal(parsed.schemaVersion, AUDIT_SCHEMA_VERSION);
    const { schemaVersion: _, ...rest } = parsed;
    assert.deepEqual(rest, r);
  });

  it('Markdown: a readiness row per layer, a section per layer with findings, and table cells that cannot be broken', () => {
    const r = report();
    const md = renderAuditMarkdown(r);
    for (const s of r.scores) assert.ok(md.includes(`| ${s.layer} | ${s.score} | ${r.findings.filter((f) => f.layer === s.layer).length} |`), s.layer);
    for (const layer of LAYERS) assert.ok(md.includes(`\n## ${layer}\n`), layer);
    for (const f of r.findings) assert.ok(md.includes(`### ${f.severity.toUpperCase()}: `), f.rule);
    assert.match(md, /- proof: \*\*CONFIRMED: verdict failed-objective, 4\.2 s wall\*\*\n {2}- time to recovery: 9m12s/);
    const withPipe = { ...r, unmodelled: [{ resource: 'a|b', what: 'x|y' }] };
    assert.match(renderAuditMarkdown(withPipe), /\| `a\\\|b` \| x\\\|y \|/);
  });

  it('HTML: self-contained, a bar per layer, every finding in the table and in its section, a hostile name escaped', () => {
    const r = report();
    const html = renderAuditHtml(r);
    assert.doesNotMatch(html, /<script/i, 'no script, not even the hostile one');
    assert.doesNotMatch(html, /<link|src="|url\(/, 'no external asset');
    assert.ok(html.includes('web-&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;'));
    for (const s of r.scores) assert.ok(html.includes(`<td>${s.layer}</td><td><div class="bar" title="${s.score}"><span class="`), s.layer);
    assert.ok(html.includes('style="width:25%"'));
    const table = html.slice(html.indexOf('<table id="findings">'), html.indexOf('</table>', html.indexOf('<table id="findings">')));
    assert.equal(table.split('<tr>').length - 2, r.findings.length, 'one row per finding');
    for (const f of r.findings.filter((x) => !x.title.includes('<'))) assert.ok(html.includes(`${f.title}</h3>`), f.title);
    assert.match(html, /<span class="confirmed">CONFIRMED: verdict failed-objective/);
    assert.match(html, /<th>time to recovery<\/th><td>9m12s<\/td>/);
    assert.match(html, /<span class="error">ERROR: the twin did not start/);
  });

  it('HTML: a reference that is not a web page is not a link', () => {
    const r = report();
    r.findings = [finding('zones', 'high', 1, { reference: 'javascript:alert(1)' })];
    assert.doesNotMatch(renderAuditHtml(r), /href="javascript/);
  });
});
