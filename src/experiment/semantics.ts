import type { Registry } from '../registry/registry.js';
import type { Measure } from '../registry/types.js';
import { formatDuration } from './duration.js';
import { findRunRefs, type RefProblem } from './interpolate.js';
import type { Path } from './locate.js';
import { journeyProbes, objectiveProbes, requestProbes } from './objective-probes.js';
import { METHOD_WINDOW, objectiveTarget, rolledBackTarget, type Experiment, type ProbedObjective } from './schema.js';
import { didYouMean } from './suggest.js';

/**
 * Checks that need the whole experiment: names, references, and whether the objectives can be measured at all.
 * Runs after the schema pass, before anything touches the world.
 */
export function checkSemantics(e: Experiment, registry: Registry): RefProblem[] {
  const problems: RefProblem[] = [];
  const add = (path: Path, message: string): void => {
    problems.push({ path, message });
  };

  const probeNames = new Map<string, number>();
  e.probes.forEach((p, i) => {
    if (probeNames.has(p.name)) add(['probes', i, 'name'], `the probe name '${p.name}' is already used by probes[${probeNames.get(p.name)}]`);
    else probeNames.set(p.name, i);
  });
  const stepIndex = new Map<string, string>();
  const steps: [string, Experiment['faults'] | Experiment['rollbacks']][] = [
    ['faults', e.faults],
    ['rollbacks', e.rollbacks],
  ];
  for (const [section, list] of steps) {
    list.forEach((s, i) => {
      const other = stepIndex.get(s.name) ?? (probeNames.has(s.name) ? `probes[${probeNames.get(s.name)}]` : undefined);
      if (other !== undefined) add([section, i, 'name'], `the name '${s.name}' is already used by ${other}`);
      else stepIndex.set(s.name, `${section}[${i}]`);
    });
  }

  const knownProbes = [...probeNames.keys()];
  const probeRef = (path: Path, name: string): void => {
    if (!probeNames.has(name))
      add(path, `refers to probe '${name}', which is not declared${didYouMean(name, knownProbes)}; declared probes: ${knownProbes.join(', ')}`);
  };
  e.stopConditions.forEach((s, i) => {
    if (s.probe !== undefined) probeRef(['stopConditions', i, 'probe'], s.probe);
  });
  for (const [i, name] of (e.objectives.probes ?? []).entries()) probeRef(['objectives', 'probes', i], name);
  if (e.objectives.switchover !== undefined) probeRef(['objectives', 'switchover', 'probe'], e.objectives.switchover.probe);
  const requests = requestProbes(e, registry);
  const journeys = journeyProbes(e, registry);
  const kindOf = (name: string): string => e.probes.find((p) => p.name === name)?.probe ?? '';
  const ids = (measure: Measure, but?: Measure): string =>
    registry.probes
      .filter((p) => p.measures.includes(measure) && (but === undefined || !p.measures.includes(but)))
      .map((p) => p.id)
      .join(', ');
  // A journey objective refused for the probes it names is not refused again for having nothing to measure.
  const refusedJourneys = new Set<ProbedObjective>();
  for (const objective of ['rto', 'maxErrorRate', 'maxP99Latency', 'minJourneySuccessRate', 'maxJourneyP99'] as const) {
    objectiveTarget(e.objectives, objective)?.probes?.forEach((name, i) => {
      const path = ['objectives', objective, 'probes', i];
      if (!probeNames.has(name)) probeRef(path, name);
      else if ((objective === 'minJourneySuccessRate' || objective === 'maxJourneyP99') && !journeys.includes(name)) {
        add(path, `probe '${name}' (${kindOf(name)}) follows no journey, so it has none to hold to ${objective}; name journey probes (${ids('journeys')})`);
        refusedJourneys.add(objective);
      } else if (objective === 'maxP99Latency' && journeys.includes(name)) {
        add(path, `probe '${name}' (${kindOf(name)}) times whole journeys, not requests: hold its latency to maxJourneyP99 instead`);
      } else if (objective === 'maxP99Latency' && !requests.includes(name)) {
        const kind = e.probes.find((p) => p.name === name)?.probe ?? '';
        add(
          path,
          `probe '${name}' (${kind}) times no request, so it has no latency to hold to maxP99Latency; name request probes (${ids('latency', 'journeys')})`,
        );
      }
    });
  }

  const faultNames = e.faults.map((f) => f.name);
  const stepRef = (path: Path, name: string, what: string): void => {
    if (!faultNames.includes(name)) add(path, `${what} '${name}', which is not a fault${didYouMean(name, faultNames)}; faults: ${faultNames.join(', ')}`);
  };
  for (const objective of ['maxErrorRate', 'maxP99Latency', 'minJourneySuccessRate', 'maxJourneyP99'] as const) {
    const during = objectiveTarget(e.objectives, objective)?.during;
    if (during !== undefined && during !== METHOD_WINDOW) stepRef(['objectives', objective, 'during'], during, `measures during step`);
  }
  const rolledBack = rolledBackTarget(e.objectives);
  if (rolledBack?.step !== undefined) stepRef(['objectives', 'rolledBackWithin', 'step'], rolledBack.step, 'times the rollback of step');
  else if (rolledBack !== undefined && e.faults.length > 1)
    add(
      ['objectives', 'rolledBackWithin'],
      `the experiment has ${e.faults.length} faults: name the release whose rollback is timed, as in { within: 10m, step: ${e.faults[0]?.name ?? 'release'} }`,
    );

  // A degradation's check needs a probe on the request path: a control-plane probe (a target's health) cannot time one.
  e.faults.forEach((f, i) => {
    if (f.verify === undefined || f.verify === false) return;
    const path: Path = ['faults', i, 'verify'];
    if (f.verify.probes === undefined) {
      if (requests.length === 0) add(path, `no probe of the experiment times requests, so none can see the fault take effect; add one (${ids('latency')})`);
      return;
    }
    f.verify.probes.forEach((name, j) => {
      if (!probeNames.has(name)) probeRef([...path, 'probes', j], name);
      else if (!requests.includes(name))
        add(
          [...path, 'probes', j],
          `probe '${name}' (${kindOf(name)}) times no request, so it cannot see a degradation; name request probes (${ids('latency')})`,
        );
    });
  });

  const probesOf = objectiveProbes(e, registry);
  const needs: [ProbedObjective, Measure, string][] = [
    ['rto', 'availability', 'recovery time'],
    ['maxErrorRate', 'availability', 'an error rate'],
    ['maxP99Latency', 'latency', 'latency'],
    ['minJourneySuccessRate', 'journeys', 'a journey success rate'],
    ['maxJourneyP99', 'journeys', 'journey latency'],
    ['rpo', 'lost-writes', 'lost writes'],
  ];
  for (const [objective, measure, what] of needs) {
    const names = probesOf[objective];
    // An unknown probe name is already reported; judging measurability without it would only mislead.
    if (e.objectives[objective] === undefined || refusedJourneys.has(objective) || !names.every((name) => probeNames.has(name))) continue;
    const measured = names.map((name) => e.probes.find((p) => p.name === name)).filter((p) => p !== undefined);
    if (measured.some((p) => registry.probe(p.probe)?.measures.includes(measure) === true)) continue;
    const able = registry.probes.filter((p) => p.measures.includes(measure)).map((p) => p.id);
    const declared =
      measured.length === 0
        ? 'it has no probe to be measured on'
        : `the probes it is measured on, ${measured.map((p) => `${p.name} (${p.probe})`).join(', ')}, do not`;
    add(
      ['objectives', objective],
      `${objective} cannot be measured: it needs a probe that measures ${what}${able.length > 0 ? ` (${able.join(', ')})` : ', and no registered probe does yet'}, and ${declared}`,
    );
  }
  e.stopConditions.forEach((s, i) => {
    const p = e.probes.find((q) => q.name === s.probe);
    if (p !== undefined && s.p99LatencyAbove !== undefined && registry.probe(p.probe)?.measures.includes('latency') !== true) {
      add(['stopConditions', i, 'p99LatencyAbove'], `probe '${s.probe}' does not measure latency`);
    }
  });

  if (e.environment.type === 'aws' && e.environment.allowedAccountIds.length === 0) {
    add(['environment', 'allowedAccountIds'], 'an experiment against aws must list the account ids it may touch');
  }
  if (e.environment.type !== 'aws' && e.environment.profile !== undefined) {
    add(['environment', 'profile'], `a profile holds credentials of a live account and only an aws environment uses them, not ${e.environment.type}`);
  }
  if (e.environment.type === 'localstack' && e.environment.endpoint === undefined) {
    add(['environment', 'endpoint'], 'a localstack environment needs its endpoint, for example http://localhost.localstack.cloud:4566');
  }
  if (e.environment.type === 'sim') {
    // The simulated region's RDS endpoints are names only its DNS server knows, as private RDS names are in a VPC.
    e.probes.forEach((p, i) => {
      const a = p.args as { url?: unknown; resolver?: unknown } | undefined;
      if (typeof a?.url !== 'string' || a.resolver !== undefined || !/^postgres(ql)?:/.test(a.url)) return;
      if (!/\.rds\.amazonaws\.com$/i.test(hostOf(a.url))) return;
      add(
        ['probes', i, 'args', 'url'],
        'names an RDS endpoint of the simulated region, which resolves only through its DNS: add resolver: "${sim:dns.server}"',
      );
    });
  }
  if (e.recovery.stableFor > e.recovery.timeout) {
    add(
      ['recovery', 'stableFor'],
      `the stabilisation window (${formatDuration(e.recovery.stableFor)}) is longer than the recovery timeout (${formatDuration(e.recovery.timeout)})`,
    );
  }
  e.faults.forEach((f, i) => {
    if (f.startAfter >= e.recovery.timeout) {
      add(
        ['faults', i, 'startAfter'],
        `starts after ${formatDuration(f.startAfter)}, which is past the recovery timeout (${formatDuration(e.recovery.timeout)})`,
      );
    }
    if (f.duration !== undefined && registry.action(f.action)?.rollback === undefined) {
      add(['faults', i, 'duration'], `action '${f.action}' has no automatic undo, so a duration cannot end it; add an explicit rollback instead`);
    }
    const needs = registry.action(f.action)?.requiresDuration;
    if (f.duration === undefined && needs !== undefined) add(['faults', i], `fault '${f.name}' needs a duration: ${needs}`);
  });

  // Run-time references: a fault may use what an earlier-starting fault produced; a rollback may use any fault
  // or an earlier rollback. Probes start before any step runs, so they may not refer to steps at all.
  const order = new Map(e.faults.map((f, i) => [f.name, { i, at: f.startAfter }]));
  const refCheck = (path: Path, value: unknown, allowed: (step: string) => string | null): void => {
    const found = findRunRefs(value);
    for (const p of found.problems) add([...path, ...p.path], p.message);
    for (const ref of found.refs) {
      const why = allowed(ref.step);
      if (why !== null) add([...path, ...ref.path], why);
    }
  };
  const stepNames = [...stepIndex.keys()];
  const unknownStep = (step: string): string => `'\${${step}…}' refers to '${step}', which is not a fault or rollback${didYouMean(step, stepNames)}`;
  for (const [i, p] of e.probes.entries()) {
    const own = registry.probe(p.probe)?.ownRefs?.(p.args) ?? [];
    refCheck(['probes', i, 'args'], withoutRefs(p.args, own), (s) => `probes start before any fault, so they cannot use '\${${s}…}'`);
  }
  for (const [i, f] of e.faults.entries()) {
    refCheck(['faults', i, 'args'], f.args, (s) => {
      const target = order.get(s);
      if (target === undefined) return unknownStep(s);
      if (target.i >= i || target.at > f.startAfter) return `fault '${f.name}' uses '\${${s}…}', but '${s}' does not run before it`;
      return null;
    });
  }
  for (const [i, r] of e.rollbacks.entries()) {
    refCheck(['rollbacks', i, 'args'], r.args, (s) => {
      if (order.has(s)) return null;
      const j = e.rollbacks.findIndex((x) => x.name === s);
      if (j === -1) return unknownStep(s);
      return j < i ? null : `rollback '${r.name}' uses '\${${s}…}', but '${s}' runs after it`;
    });
  }
  return problems;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/** `value` with the `${name}` references a probe fills in itself taken out, so the experiment's reference check skips them. */
function withoutRefs(value: unknown, names: readonly string[]): unknown {
  if (names.length === 0) return value;
  if (typeof value === 'string') return value.replace(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, n: string) => (names.includes(n) ? '' : whole));
  if (Array.isArray(value)) return value.map((v) => withoutRefs(v, names));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutRefs(v, names)]));
  return value;
}
