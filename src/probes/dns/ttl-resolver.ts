import { isIP } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { z } from 'zod';
import { systemClock, type Clock } from '../../core/clock.js';
import { ErrorCode, GamedayError } from '../../errors/gameday-error.js';
import { DnsQueryError, queryFrom, type ClientLocationArg } from './client-location.js';

/** A DNS server to ask, `host:port` or `host`, as the `dns` probe and the `resolver` argument of other probes take it. */
export const dnsServerArg = z.string().regex(/^[0-9a-fA-F:.[\]]+(:\d+)?$/, { error: 'a resolver is an address, optionally with :port' });

/**
 * Resolves names through one DNS server and keeps each answer for its TTL, as a client library does, so a probe that
 * resolves through it follows a DNS failover no sooner than a real client would. TTLs are AWS time: against a
 * simulated region running `speed` times faster they last `ttl / speed` of wall time, counted on the run's clock.
 * IP literals pass through. With `from`, each question is asked as a client at that location (its source address
 * and EDNS client subnet), so latency and geolocation records answer for it.
 */
export class TtlResolver {
  readonly server: string;
  readonly #resolver: Resolver;
  readonly #speed: number;
  readonly #clock: Clock;
  readonly #from: ClientLocationArg | undefined;
  readonly #timeoutMs: number;
  readonly #cache = new Map<string, { address: string; expires: number }>();

  constructor(server: string, options: { timeoutMs: number; speed?: number; clock?: Clock; from?: ClientLocationArg }) {
    this.server = server;
    this.#from = options.from;
    this.#timeoutMs = options.timeoutMs;
    this.#resolver = new Resolver({ timeout: options.timeoutMs, tries: 1 });
    this.#resolver.setServers([server]);
    this.#speed = options.speed ?? 1;
    this.#clock = options.clock ?? systemClock;
  }

  /** The first IPv4 address `name` resolves to, from the cache while its TTL lasts. */
  async address(name: string): Promise<string> {
    if (isIP(name) !== 0) return name;
    const now = this.#clock.now();
    const cached = this.#cache.get(name);
    if (cached !== undefined && cached.expires > now) return cached.address;
    let answers: { address: string; ttl: number }[];
    try {
      answers = this.#from === undefined ? await this.#resolver.resolve4(name, { ttl: true }) : await this.#askFrom(name, this.#from);
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'failed';
      throw new GamedayError(ErrorCode.ProbeFailed, `${name} did not resolve through ${this.server} (${code === 'ENOTFOUND' ? 'no such name' : code})`);
    }
    const first = answers[0];
    if (first === undefined) throw new GamedayError(ErrorCode.ProbeFailed, `${name} has no address at ${this.server}`);
    const ttl = Math.min(...answers.map((a) => a.ttl));
    this.#cache.set(name, { address: first.address, expires: now + (ttl * 1_000) / this.#speed });
    return first.address;
  }

  async #askFrom(name: string, from: ClientLocationArg): Promise<{ address: string; ttl: number }[]> {
    const response = await queryFrom(this.server, name, 'A', from, this.#timeoutMs);
    // Caught by address(), which words it as node's resolver errors are worded.
    if (response.rcode === 3) throw new DnsQueryError('ENOTFOUND', `${name} does not exist`);
    if (response.rcode !== 0) throw new DnsQueryError(`RCODE ${response.rcode}`, `${name} was answered with RCODE ${response.rcode}`);
    return response.answers.map((a) => ({ address: a.data, ttl: a.ttl }));
  }

  close(): void {
    this.#resolver.cancel();
  }
}
