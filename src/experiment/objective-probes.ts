import type { Registry } from '../registry/registry.js';
import { objectiveTarget, type Experiment, type ProbedObjective } from './schema.js';

/**
 * Names of the probes that time a request (http, http.journey, tcp, dns, sql: their definition measures latency). They
 * say what users met; the other probes report the state of resources, which users never see directly.
 */
export function requestProbes(e: Experiment, registry: Registry): string[] {
  return e.probes.filter((p) => registry.probe(p.probe)?.measures.includes('latency') === true).map((p) => p.name);
}

/** Names of the probes whose every sample is a user journey of several requests (http.journey). */
export function journeyProbes(e: Experiment, registry: Registry): string[] {
  return e.probes.filter((p) => registry.probe(p.probe)?.measures.includes('journeys') === true).map((p) => p.name);
}

/**
 * The probes each objective is measured on: those it names, else `objectives.probes`, else every probe for rto and
 * rpo, the request probes for the error rate and latency, which are about what users met, and the journey probes for
 * the journey objectives. A latency objective keeps only single-request probes from a shared list, since an API
 * probe's latency is not the system's and a journey's is the sum of several requests (maxJourneyP99 holds it); the
 * journey objectives keep only journey probes; the error rate falls back to every probe when none times a request.
 */
export function objectiveProbes(e: Experiment, registry: Registry): Record<ProbedObjective, string[]> {
  const all = e.probes.map((p) => p.name);
  const requests = requestProbes(e, registry);
  const journeys = journeyProbes(e, registry);
  const single = requests.filter((name) => !journeys.includes(name));
  const shared = e.objectives.probes;
  const own = (o: Exclude<ProbedObjective, 'rpo'>): string[] | undefined => objectiveTarget(e.objectives, o)?.probes;
  return {
    rto: own('rto') ?? shared ?? all,
    rpo: shared ?? all,
    maxErrorRate: own('maxErrorRate') ?? shared ?? (requests.length > 0 ? requests : all),
    maxP99Latency: own('maxP99Latency') ?? (shared ?? single).filter((name) => single.includes(name)),
    minJourneySuccessRate: own('minJourneySuccessRate') ?? (shared ?? journeys).filter((name) => journeys.includes(name)),
    maxJourneyP99: own('maxJourneyP99') ?? (shared ?? journeys).filter((name) => journeys.includes(name)),
  };
}
