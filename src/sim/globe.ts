import { randomInt } from 'node:crypto';
import { GroundTruth } from './ground-truth.js';
import { outputsOfWorlds, SimWorld } from './region.js';
import { regionalTopologies, withRegionOutputs, type Topology } from './topology.js';

/** Seeds are drawn from [0, 2^31), as a world's own seed is. */
const SEED_RANGE = 2 ** 31;

/**
 * The seed of a Region's world, derived from the run's seed and the Region's name: a seed replays every Region. The
 * home Region keeps the run's seed itself, so a one-Region world draws exactly as before.
 */
export function regionSeed(seed: number, region: string): number {
  let h = 0x811c9dc5;
  for (const c of region) h = Math.imul(h ^ (c.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return (seed + h) % SEED_RANGE;
}

/** Distinct second octets of loopback addresses, one per world (127.<net>.x.y), drawn from [20, 250). */
function distinctNets(count: number): number[] {
  const nets = new Set<number>();
  while (nets.size < count) nets.add(randomInt(20, 250));
  return [...nets];
}

/**
 * The simulated world of several AWS Regions: one `SimWorld` per Region, each with its own zones, loopback octet and
 * scheduler (all at one speed), and a seed derived from the run's. The home Region (the topology's top level) comes
 * first and holds what is global: Route 53's hosted zones, health checks and DNS server, IAM and STS. Its DNS and
 * health checks reach the load balancers and databases of every Region. Ground truth is one stream for the whole
 * world, each event naming its Region when there are several.
 */
export class SimGlobe {
  /** The worlds by Region name, the home Region first. */
  readonly worlds: ReadonlyMap<string, SimWorld>;
  /** The home Region's world: the topology's top level. */
  readonly home: SimWorld;
  /** The one ground-truth stream of every Region. */
  readonly truth: GroundTruth;

  constructor(topology: Topology, speed: number, options: { seed?: number } = {}) {
    const topologies = regionalTopologies(topology);
    const seed = options.seed ?? randomInt(0, SEED_RANGE);
    const nets = distinctNets(topologies.length);
    const shared = topologies.length > 1 ? new GroundTruth() : undefined;
    const list: SimWorld[] = [];
    const peers = { worlds: (): readonly SimWorld[] => list, lbPort: 0 };
    for (const [i, t] of topologies.entries()) {
      list.push(
        new SimWorld(t, speed, {
          seed: i === 0 ? seed : regionSeed(seed, t.region),
          ...(nets[i] === undefined ? {} : { net: nets[i] }),
          ...(shared === undefined ? {} : { truth: new GroundTruth({ truth: shared, region: t.region }), peers }),
        }),
      );
    }
    this.worlds = new Map(list.map((w) => [w.topology.region, w]));
    this.home = list[0] as SimWorld;
    this.truth = shared ?? this.home.truth;
  }

  /** The world of a Region, or undefined when the world does not hold it. */
  worldOf(region: string): SimWorld | undefined {
    return this.worlds.get(region);
  }

  /** The world whose zones include `zone`. */
  worldOfZone(zone: string): SimWorld | undefined {
    return [...this.worlds.values()].find((w) => w.zones.includes(zone));
  }

  /**
   * Starts the other Regions, then the home one: its Route 53 health checks and alias records name their load
   * balancers, which must be listening.
   */
  async start(): Promise<void> {
    const others = [...this.worlds.values()].filter((w) => w !== this.home);
    // One after another, so the first load balancer's port is every Region's (`WorldPeers.lbPort`).
    for (const w of others) await w.start();
    await this.home.start();
    // Read replicas may follow a source in another Region: connected once every Region's databases are up.
    if (this.worlds.size > 1) for (const w of this.worlds.values()) await w.connectReplicas();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.worlds.values()].map((w) => w.stop()));
  }

  /** Every Region's world in its steady state. */
  isReady(): boolean {
    return [...this.worlds.values()].every((w) => w.isReady());
  }

  /** Resolves when every Region's world is steady; rejects after `timeoutMs` of wall time. */
  async ready(timeoutMs: number): Promise<void> {
    await Promise.all([...this.worlds.values()].map((w) => w.ready(timeoutMs)));
  }

  /**
   * The outputs of every Region in one flat map (names are unique across Regions), plus `region.names` and
   * `region.<name>.zones`; keys each Region has (`region.name`, `vpc.id`, `dns.server`) are the home Region's.
   */
  outputs(endpoint: string): Record<string, string> {
    const out = outputsOfWorlds([...this.worlds.values()], endpoint);
    return withRegionOutputs(
      // The Availability Zones, as the topology's placeholders name them; edge zones are not among a Region's zones.
      [...this.worlds.values()].map((w) => ({ region: w.topology.region, zones: w.availabilityZones })),
      out,
    );
  }
}
