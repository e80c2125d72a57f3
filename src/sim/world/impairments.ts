import type { SimScheduler } from '../timing.js';

/**
 * The degradations AWS FIS's SSM documents put on one instance
 * (https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html): `tc netem` delay or loss on its interface
 * (optionally only for packets to or from `sources`, and only on `flowsPercent` of the flows), an iptables drop of one
 * port, stress-ng on its CPUs or memory.
 */
export type Impairment =
  | { kind: 'network-latency'; delayMs: number; jitterMs: number; sources?: readonly string[] | undefined; flowsPercent?: number | undefined }
  | { kind: 'packet-loss'; percent: number; sources?: readonly string[] | undefined; flowsPercent?: number | undefined }
  | { kind: 'blackhole-port'; port: number; protocol: 'tcp' | 'udp'; traffic: 'ingress' | 'egress' }
  | { kind: 'cpu-stress'; loadPercent: number }
  | { kind: 'memory-stress'; percent: number };

/** Why an effect ended: its duration ran out, its command was cancelled, or the instance rebooted, stopped or went away. */
export type ImpairmentEnd = 'expired' | 'cancelled' | 'instance';

/** What a request reaching the workload meets: `delayMs` wall ms before it is served, or no answer, or a 503. */
export interface InboundEffect {
  delayMs: number;
  fail?: 'hang' | 503 | undefined;
}

/** What a connection the instance opens (to its database) meets: `delayMs` wall ms, or its packets dropped. */
export interface OutboundEffect {
  delayMs: number;
  drop: boolean;
}

/**
 * RFC 6298 §2.4: a TCP retransmission timeout is at least 1 s, and §5.5 doubles it on each further loss. A lost
 * packet of an exchange costs the exchange one timeout.
 */
export const RETRANSMISSION_TIMEOUT_MS = 1_000;
/**
 * Retransmissions before the exchange is given up: Linux's `tcp_syn_retries` default of 6 (assumed: the SYN's budget
 * stands for every packet's, which keeps a lossy exchange bounded near two minutes as a new connection's is).
 */
export const MAX_RETRANSMISSIONS = 6;
/**
 * CPU time one request needs on an idle instance (assumed: a small web handler). Under stress-ng's load p the app gets
 * a share 1−p of the CPU, so a request takes SERVICE_MS / (1−p) (a processor-sharing queue's slowdown; assumed).
 */
export const SERVICE_MS = 10;
/** At or past this load the app gets too little CPU to answer before any client's timeout (assumed). */
export const CPU_HANG_PERCENT = 95;
/**
 * At or past this share of memory taken by stress-ng the app cannot allocate and answers 503 (assumed: the kernel's
 * OOM killer prefers the largest process, stress-ng's workers, so the app lives but fails its allocations).
 */
export const MEMORY_FAIL_PERCENT = 90;

interface Active {
  readonly impairment: Impairment;
  readonly timer: NodeJS.Timeout | undefined;
  readonly onEnd: (reason: ImpairmentEnd) => void;
  /** Which flows this effect takes: a connection's share is drawn from it and the connection's ends. */
  readonly salt: number;
}

/** The zone an address of the region belongs to (an instance's, a database node's, a load balancer node's), if any. */
export type ZoneOf = (address: string) => string | undefined;

/** The impairments active on one instance, each until its end; asked by the workload (inbound) and its clients (outbound). */
export class Impairments {
  readonly #active = new Set<Active>();
  readonly #scheduler: Pick<SimScheduler, 'after' | 'cancel'>;
  readonly #random: () => number;
  readonly #zoneOf: ZoneOf;

  constructor(scheduler: Pick<SimScheduler, 'after' | 'cancel'>, random: () => number = Math.random, zoneOf: ZoneOf = () => undefined) {
    this.#scheduler = scheduler;
    this.#random = random;
    this.#zoneOf = zoneOf;
  }

  /** The impairments now in force. */
  get active(): Impairment[] {
    return [...this.#active].map((a) => a.impairment);
  }

  /**
   * Puts `impairment` on the instance for `awsMs` of AWS time (on the region's clock); `onEnd` hears why it ended.
   * Returns the function that ends it at once (a cancelled command).
   */
  add(impairment: Impairment, awsMs: number, onEnd: (reason: ImpairmentEnd) => void): () => void {
    const some = 'flowsPercent' in impairment && impairment.flowsPercent !== undefined && impairment.flowsPercent < 100;
    const salt = some ? Math.floor(this.#random() * 0x1_0000_0000) : 0;
    const entry: Active = { impairment, onEnd, salt, timer: this.#scheduler.after(awsMs, () => this.#end(entry, 'expired')) };
    this.#active.add(entry);
    return () => this.#end(entry, 'cancelled');
  }

  /** Ends every effect: a reboot clears `tc` and iptables rules and kills stress-ng, as a stop or termination does. */
  clear(): void {
    for (const entry of [...this.#active]) this.#end(entry, 'instance');
  }

  /**
   * The most wall ms latency (on every address) and CPU stress add to an answer: network time a checker waits on top of
   * its timeout scaled by the speed, as for an app's own latency. Lost packets' retransmissions are not counted.
   */
  addedMs(): number {
    let ms = 0;
    for (const { impairment: i } of this.#active) {
      if (i.kind === 'network-latency' && (i.sources === undefined || i.sources.includes('ALL'))) ms += i.delayMs + i.jitterMs;
      else if (i.kind === 'cpu-stress' && i.loadPercent < CPU_HANG_PERCENT) ms += SERVICE_MS / (1 - i.loadPercent / 100) - SERVICE_MS;
    }
    return ms;
  }

  /**
   * What a request from `client` to the workload's `port` meets. Latency, loss and a blackhole act on its packets (one
   * round trip a request: a reused connection); CPU stress slows its handling; memory stress fails it. `clientPort`
   * (the connection's other end) tells connections apart, so FlowsPercent picks whole connections.
   */
  inbound(client: string, port: number, clientPort?: number): InboundEffect | undefined {
    if (this.#active.size === 0) return undefined;
    const address = plainAddress(client);
    const flow = clientPort === undefined ? undefined : `${address}:${clientPort}`;
    let delayMs = 0;
    let fail: InboundEffect['fail'];
    for (const entry of this.#active) {
      const i = entry.impairment;
      if (i.kind === 'blackhole-port') {
        // Ingress drops packets arriving for the port; an answer's packets leave from it to the client's own port.
        if (i.traffic === 'ingress' && i.protocol === 'tcp' && i.port === port) fail = 'hang';
      } else if (i.kind === 'cpu-stress') {
        if (i.loadPercent >= CPU_HANG_PERCENT) fail = 'hang';
        else delayMs += SERVICE_MS / (1 - i.loadPercent / 100) - SERVICE_MS;
      } else if (i.kind === 'memory-stress') {
        if (i.percent >= MEMORY_FAIL_PERCENT && fail === undefined) fail = 503;
      } else {
        const network = this.#network(entry, i, address, flow);
        if (network === 'drop') fail = 'hang';
        else delayMs += network;
      }
    }
    return { delayMs, fail };
  }

  /**
   * What a connection from the instance to `address`:`port` meets, or undefined when nothing touches it. The app asks
   * before it takes a connection from its pool, so FlowsPercent picks per exchange here, not per connection.
   */
  outbound(address: string, port: number): OutboundEffect | undefined {
    if (this.#active.size === 0) return undefined;
    let delayMs = 0;
    let drop = false;
    for (const entry of this.#active) {
      const i = entry.impairment;
      if (i.kind === 'blackhole-port') {
        // Egress drops packets leaving for the port; ingress drops the answers only if they came from that port too.
        if (i.port === port && i.protocol === 'tcp') drop = true;
      } else if (i.kind === 'network-latency' || i.kind === 'packet-loss') {
        const network = this.#network(entry, i, plainAddress(address), undefined);
        if (network === 'drop') drop = true;
        else delayMs += network;
      }
    }
    return delayMs === 0 && !drop ? undefined : { delayMs, drop };
  }

  /**
   * One exchange with `address` under a latency or loss impairment: its added wall ms, or `drop` when it never
   * completes. With FlowsPercent below 100 only that share of flows is touched: of connections when `flow` names one
   * (each connection's fate drawn once, from its ends), else of exchanges (assumed: AWS does not say how flows are
   * picked).
   */
  #network(entry: Active, i: Extract<Impairment, { kind: 'network-latency' | 'packet-loss' }>, address: string, flow: string | undefined): number | 'drop' {
    if (i.sources !== undefined && !i.sources.some((s) => matchesSource(s, address, this.#zoneOf))) return 0;
    const flows = i.flowsPercent ?? 100;
    if (flows < 100) {
      const draw = flow === undefined ? this.#random() : flowShare(entry.salt, flow);
      if (draw >= flows / 100) return 0;
    }
    if (i.kind === 'network-latency') {
      // netem's jitter is uniform in delay ± jitter.
      return Math.max(0, i.delayMs + (this.#random() * 2 - 1) * i.jitterMs);
    }
    const p = i.percent / 100;
    if (p <= 0) return 0;
    let waited = 0;
    for (let n = 0; n <= MAX_RETRANSMISSIONS; n++) {
      if (this.#random() >= p) return waited;
      waited += RETRANSMISSION_TIMEOUT_MS * 2 ** n;
    }
    return 'drop';
  }

  #end(entry: Active, reason: ImpairmentEnd): void {
    if (!this.#active.delete(entry)) return;
    this.#scheduler.cancel(entry.timer);
    entry.onEnd(reason);
  }
}

/** An IPv4 address from a socket's (`::ffff:127.0.0.5`). */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function ipv4(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** A flow's place in [0, 1): FNV-1a of its ends, salted per effect, so one connection always draws the same. */
function flowShare(salt: number, flow: string): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let k = 0; k < flow.length; k++) h = Math.imul(h ^ flow.charCodeAt(k), 0x01000193) >>> 0;
  return h / 0x1_0000_0000;
}

/** An Availability Zone's name (`us-east-1a`, a Local Zone's `us-east-1-bos-1a`), as the -Sources documents take one. */
export const isZoneName = (s: string): boolean => /^[a-z]{2}(-[a-z0-9]+)*-\d+[a-z]$/.test(s);
/** An Availability Zone's id (`use1-az1`, a Local Zone's `use1-bos1-az1`). */
export const isZoneId = (s: string): boolean => /^[a-z]{2,}\d+(-[a-z0-9]+)*-(az|wlz)\d+$/.test(s);

/**
 * Whether `source` covers `address`: ALL covers every address, an Availability Zone's name the addresses `zoneOf`
 * places in it, an IPv4 address or CIDR block its addresses, and a domain name (not resolved) only itself. DYNAMODB
 * and S3 cover nothing the region serves.
 */
export function matchesSource(source: string, address: string, zoneOf: ZoneOf = () => undefined): boolean {
  if (source === 'ALL') return true;
  if (source === 'DYNAMODB' || source === 'S3') return false;
  if (isZoneName(source)) return zoneOf(address) === source;
  const [base = '', bits] = source.split('/');
  const want = ipv4(base);
  if (want === undefined) return source.toLowerCase() === address.toLowerCase();
  const got = ipv4(address);
  if (got === undefined) return false;
  const prefix = bits === undefined ? 32 : Number(bits);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (got & mask) >>> 0 === (want & mask) >>> 0;
}

/**
 * Whether `source` is a form the -Sources documents take: an IPv4 address, an IPv4 CIDR block, a domain name, an AZ
 * name, an AZ id, ALL, DYNAMODB or S3.
 */
export function validSource(source: string): boolean {
  if (source === 'ALL' || source === 'DYNAMODB' || source === 'S3' || isZoneName(source) || isZoneId(source)) return true;
  const [base = '', bits, extra] = source.split('/');
  if (ipv4(base) !== undefined) return extra === undefined && (bits === undefined || (/^\d{1,2}$/.test(bits) && Number(bits) <= 32));
  return bits === undefined && /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(source);
}
