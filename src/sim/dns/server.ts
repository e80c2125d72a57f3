import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dnsPacket, { type Answer, type Packet, type Question } from 'dns-packet';
import type { DnsAnswer, DnsRecord } from '../world/hosted-zone.js';

/** Answers one question; the world decides from its hosted zones, health checks and load balancers. */
export type DnsResolver = (name: string, type: string) => DnsAnswer;

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

function wire(r: DnsRecord): Answer | undefined {
  const name = r.name.replace(/\.$/, '');
  switch (r.type) {
    case 'A':
    case 'AAAA':
      return { name, type: r.type, ttl: r.ttl, class: 'IN', data: r.data };
    case 'CNAME':
    case 'NS':
      return { name, type: r.type, ttl: r.ttl, class: 'IN', data: r.data.replace(/\.$/, '') };
    case 'TXT':
      return { name, type: 'TXT', ttl: r.ttl, class: 'IN', data: r.data.replace(/^"(.*)"$/, '$1') };
    case 'SOA': {
      const [mname = '', rname = '', serial = '1', refresh = '7200', retry = '900', expire = '1209600', minimum = '86400'] = r.data.split(/\s+/);
      return {
        name,
        type: 'SOA',
        ttl: r.ttl,
        class: 'IN',
        data: {
          mname: mname.replace(/\.$/, ''),
          rname: rname.replace(/\.$/, ''),
          serial: Number(serial),
          refresh: Number(refresh),
          retry: Number(retry),
          expire: Number(expire),
          minimum: Number(minimum),
        },
      };
    }
    default:
      return undefined;
  }
}

/**
 * The region's authoritative DNS server: UDP on 127.0.0.1 (a free port), answering the hosted zones' records by
 * routing policy and health, NXDOMAIN for every other name. One question per query, as resolvers send.
 *
 * An A answer carries only an address: an ALB of the sim listens on `<address>:<random port>`, so HTTP probes that
 * resolve a name through this server pass the ALB's port explicitly.
 */
export class SimDnsServer {
  readonly #resolve: DnsResolver;
  #socket: Socket | undefined;
  #port = 0;

  constructor(resolve: DnsResolver) {
    this.#resolve = resolve;
  }

  get port(): number {
    return this.#port;
  }

  /** `127.0.0.1:<port>`, as `dns.Resolver#setServers` takes it. */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  async start(): Promise<void> {
    const socket = createSocket('udp4');
    socket.on('message', (msg, rinfo) => this.#answer(socket, msg, rinfo));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A send failure toward one client must not end the server.
    socket.on('error', () => undefined);
    this.#socket = socket;
    this.#port = (socket.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** The response to a query packet (exported for tests of the encoding). */
  respond(query: Buffer): Buffer | undefined {
    let packet: ReturnType<typeof dnsPacket.decode>;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return undefined;
    }
    if (packet.type !== 'query') return undefined;
    const questions: Question[] = packet.questions ?? [];
    const rd = (packet.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    const reply = (rcode: number, answers: Answer[] = [], authorities: Answer[] = []): Buffer => {
      const response: Packet = { type: 'response', id: packet.id ?? 0, flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | rcode, questions, answers, authorities };
      return dnsPacket.encode(response);
    };
    const question = questions[0];
    if (questions.length !== 1 || question === undefined) return reply(RCODE.NOTIMP);
    try {
      const result = this.#resolve(question.name.toLowerCase().replace(/\.?$/, '.'), question.type);
      const answers = result.answers.map(wire).filter((a) => a !== undefined);
      const authorities = result.authorities.map(wire).filter((a) => a !== undefined);
      // Keep the question's spelling in the answer owner names (resolvers compare them case-insensitively anyway).
      return reply(RCODE[result.rcode], answers, authorities);
    } catch {
      return reply(RCODE.SERVFAIL);
    }
  }

  #answer(socket: Socket, msg: Buffer, rinfo: RemoteInfo): void {
    const out = this.respond(msg);
    if (out !== undefined) socket.send(out, rinfo.port, rinfo.address);
  }
}
