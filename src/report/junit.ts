import type { Journal } from '../engine/journal.js';
import { hypothesisChecks } from './hypothesis.js';
import { objectiveValues } from './markdown.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

interface TestCase {
  classname: string;
  name: string;
  failure?: { message: string; type: string; body: string };
  skipped?: string;
}

/**
 * JUnit XML for CI: one testsuite per run, one testcase per objective and per probe hypothesis (steady state before
 * and after), with the measured value in the failure message. A run that ended without a verdict on its objectives
 * (errored, refused, aborted) adds a failing `run` testcase with the reason. A pure function of the journals.
 */
export function renderJUnit(journals: readonly Journal[]): string {
  const suites = journals.map((j) => {
    const cases: TestCase[] = [];
    const cls = `gameday.${j.experiment.name}`;
    if (j.verdict.status !== 'passed' && j.verdict.status !== 'failed-objective') {
      cases.push({
        classname: cls,
        name: 'run',
        failure: { type: j.verdict.status, message: `${j.verdict.status}: ${j.verdict.reason}`, body: j.verdict.reason },
      });
    }
    // Each undo left outstanding fails on its own, right after the run: a fault that may still be in place.
    for (const u of j.outstandingUndo ?? [])
      cases.push({
        classname: `${cls}.rollbacks`,
        name: `${u.kind} ${u.fault}`,
        failure: {
          type: 'rollback-failed',
          message: `${u.action} on ${u.resources.join(', ') || '—'} failed after ${u.attempts} attempt(s): ${u.error.message}`,
          body: `${u.resources.join(', ') || 'its resources'} may still be faulted (${u.action} in ${u.region ?? j.environment.region}); last error: ${u.error.message}`,
        },
      });
    for (const o of j.objectives) {
      const v = objectiveValues(o);
      const name = `objective ${o.objective}`;
      if (o.status === 'not-evaluated') cases.push({ classname: `${cls}.objectives`, name, skipped: o.detail });
      else
        cases.push(
          o.status === 'pass'
            ? { classname: `${cls}.objectives`, name }
            : {
                classname: `${cls}.objectives`,
                name,
                failure: { type: 'objective', message: `${o.objective} measured ${v.measured}, target ${v.target} (margin ${v.margin})`, body: o.detail },
              },
        );
    }
    for (const h of hypothesisChecks(j)) {
      const name = `probe ${h.probe} within tolerance (${h.phase})`;
      if (h.held === null) cases.push({ classname: `${cls}.hypothesis`, name, skipped: 'the phase did not run' });
      else if (h.held) cases.push({ classname: `${cls}.hypothesis`, name });
      else
        cases.push({
          classname: `${cls}.hypothesis`,
          name,
          failure: {
            type: 'hypothesis',
            message: `${h.failed} of ${h.samples} samples out of tolerance: ${h.reason ?? 'failed'}`,
            body: `${h.failed} of ${h.samples} samples of ${h.probe} were out of tolerance during ${h.phase}; first: ${h.reason ?? 'failed'}`,
          },
        });
    }
    const failures = cases.filter((c) => c.failure !== undefined).length;
    const skipped = cases.filter((c) => c.skipped !== undefined).length;
    const body = cases
      .map((c) => {
        const open = `    <testcase classname="${esc(c.classname)}" name="${esc(c.name)}" time="0"`;
        if (c.failure !== undefined)
          return `${open}>\n      <failure type="${esc(c.failure.type)}" message="${esc(c.failure.message)}">${esc(c.failure.body)}</failure>\n    </testcase>`;
        if (c.skipped !== undefined) return `${open}>\n      <skipped message="${esc(c.skipped)}"/>\n    </testcase>`;
        return `${open}/>`;
      })
      .join('\n');
    const props = [
      ['runId', j.runId],
      ['verdict', j.verdict.status],
      ['environment', `${j.environment.type} ${j.environment.region}`],
    ]
      .map(([k, v]) => `      <property name="${esc(k ?? '')}" value="${esc(v ?? '')}"/>`)
      .join('\n');
    const xml = `  <testsuite name="${esc(j.experiment.name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${(j.durationMs / 1000).toFixed(3)}" timestamp="${esc(j.startedAt.replace(/Z$/, ''))}">\n    <properties>\n${props}\n    </properties>\n${body}\n  </testsuite>`;
    return { xml, tests: cases.length, failures };
  });
  const tests = suites.reduce((n, s) => n + s.tests, 0);
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="gameday" tests="${tests}" failures="${failures}">\n${suites.map((s) => s.xml).join('\n')}\n</testsuites>\n`;
}
