import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type AddressInfo, type Server, type Socket as TcpSocket } from 'node:net';
import dnsPacket, { type Answer, type OptAnswer, type Packet, type PacketOpt, type Question } from 'dns-packet';
import type { DnsAnswer, DnsRecord } from '../world/hosted-zone.js';

/** Where a question came from: its source address and, when the query carried one, its EDNS client subnet address. */
export interface QuestionOrigin {
  source?: string | undefined;
  clientSubnet?: string | undefined;
}

/** Answers one question; the world decides from its hosted zones, health checks, load balancers and the client's location. */
export type DnsResolver = (name: string, type: string, from: QuestionOrigin) => DnsAnswer;

/** EDNS Client Subnet (RFC 7871 §6), option code 8. */
const ECS_OPTION = 8;

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

type ClientSubnet = Extract<PacketOpt, { ip: string | undefined }>;

/** The EDNS Client Subnet option of a query (RFC 7871), from its OPT record, when it carries an IPv4 or IPv6 address. */
function clientSubnetOf(packet: Packet): ClientSubnet | undefined {
  for (const rr of packet.additionals ?? []) {
    if (rr.type !== 'OPT') continue;
    for (const o of (rr as OptAnswer).options ?? []) if (o.code === ECS_OPTION && 'ip' in o && typeof o.ip === 'string') return o;
  }
  return undefined;
}

/**
 * The OPT record of an answer to a query with a client subnet: the option echoed with its family, address and source
 * prefix, and the scope prefix the answer holds for (RFC 7871 §7.2.1). The payload size offered stays 512: answers
 * longer than that are still truncated for TCP.
 */
function ecsReply(ecs: ClientSubnet, scope: number): OptAnswer {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize: UDP_LIMIT,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: 0,
    flag_do: false,
    options: [{ code: ECS_OPTION, family: ecs.family, sourcePrefixLength: ecs.sourcePrefixLength, scopePrefixLength: scope, ip: ecs.ip }],
  };
}

/**
 * The largest UDP answer (RFC 1035 §4.2.1): the server reads only the client subnet option of EDNS (RFC 6891), so a
 * client's larger buffer size does not apply, and a longer answer is truncated for the client to ask again over TCP.
 */
const UDP_LIMIT = 512;

/** Tries for a port free for both UDP and TCP: the UDP socket picks one, and TCP may find it taken. */
const BIND_TRIES = 8;

/**
 * The region's authoritative DNS server on 127.0.0.1 (a free port), over UDP and over TCP on the same port, as
 * RFC 1035 §4.2 and RFC 7766 require of a name server: each TCP message is framed by a two-byte length, and a UDP
 * answer longer than 512 bytes is sent truncated (TC bit, no records) so the
 * client asks again over TCP. It answers the hosted zones' records by routing policy and health, NXDOMAIN for every
 * other name. One question per query, as resolvers send.
 *
 * An A answer carries only an address: an ALB of the sim listens on `<address>:<random port>`, so HTTP probes that
 * resolve a name through this server pass the ALB's port explicitly.
 */
export class SimDnsServer {
  readonly #resolve: DnsResolver;
  #socket: Socket | undefined;
  #tcp: Server | undefined;
  readonly #connections = new Set<TcpSocket>();
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
    for (let attempt = 1; ; attempt++) {
      const socket = await this.#bindUdp();
      const port = (socket.address() as AddressInfo).port;
      try {
        this.#tcp = await this.#listenTcp(port);
      } catch (error) {
        await new Promise<void>((resolve) => socket.close(() => resolve()));
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < BIND_TRIES) continue;
        throw error;
      }
      this.#socket = socket;
      this.#port = port;
      return;
    }
  }

  async stop(): Promise<void> {
    const socket = this.#socket;
    const tcp = this.#tcp;
    this.#socket = undefined;
    this.#tcp = undefined;
    for (const c of this.#connections) c.destroy();
    this.#connections.clear();
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()));
    if (tcp !== undefined) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  /** The response to a query packet (exported for tests of the encoding), whole: as TCP sends it. */
  respond(query: Buffer, source?: string): Buffer | undefined {
    const response = this.#response(query, source);
    return response === undefined ? undefined : dnsPacket.encode(response);
  }

  /** The response to a query over UDP: truncated when longer than the client can take in one datagram. */
  respondUdp(query: Buffer, source?: string): Buffer | undefined {
    const response = this.#response(query, source);
    if (response === undefined) return undefined;
    const whole = dnsPacket.encode(response);
    if (whole.length <= UDP_LIMIT) return whole;
    return dnsPacket.encode({ ...response, flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [] });
  }

  #response(query: Buffer, source: string | undefined): Packet | undefined {
    let packet: ReturnType<typeof dnsPacket.decode>;
    try {
      packet = dnsPacket.decode(query);
    } catch {
      return undefined;
    }
    if (packet.type !== 'query') return undefined;
    const questions: Question[] = packet.questions ?? [];
    const rd = (packet.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    const ecs = clientSubnetOf(packet);
    const reply = (rcode: number, answers: Answer[] = [], authorities: Answer[] = [], scope = 0): Packet => ({
      type: 'response',
      id: packet.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | rcode,
      questions,
      answers,
      authorities,
      ...(ecs === undefined ? {} : { additionals: [ecsReply(ecs, scope)] }),
    });
    const question = questions[0];
    if (questions.length !== 1 || question === undefined) return reply(RCODE.NOTIMP);
    try {
      const from = { source: source?.replace(/^::ffff:/, ''), clientSubnet: ecs?.ip };
      const result = this.#resolve(question.name.toLowerCase().replace(/\.?$/, '.'), question.type, from);
      const answers = result.answers.map(wire).filter((a) => a !== undefined);
      const authorities = result.authorities.map(wire).filter((a) => a !== undefined);
      // RFC 7871 §7.2.1: an answer tailored to the client's subnet covers the prefix it was given (assumed: Route 53
      // tailors by the whole source prefix); one that is the same for every client has scope 0.
      const scope = result.byLocation === true ? (ecs?.sourcePrefixLength ?? 0) : 0;
      // Keep the question's spelling in the answer owner names (resolvers compare them case-insensitively anyway).
      return reply(RCODE[result.rcode], answers, authorities, scope);
    } catch {
      return reply(RCODE.SERVFAIL);
    }
  }

  #bindUdp(): Promise<Socket> {
    const socket = createSocket('udp4');
    socket.on('message', (msg, rinfo) => this.#answerUdp(socket, msg, rinfo));
    return new Promise<Socket>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        // A send failure toward one client must not end the server.
        socket.on('error', () => undefined);
        resolve(socket);
      });
    });
  }

  #listenTcp(port: number): Promise<Server> {
    const server = createServer((connection) => this.#serveTcp(connection));
    return new Promise<Server>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  #answerUdp(socket: Socket, msg: Buffer, rinfo: RemoteInfo): void {
    const out = this.respondUdp(msg, rinfo.address);
    if (out !== undefined) socket.send(out, rinfo.port, rinfo.address);
  }

  /** One TCP connection: any number of length-prefixed queries, possibly split across reads or sharing one (RFC 7766 §8). */
  #serveTcp(connection: TcpSocket): void {
    this.#connections.add(connection);
    connection.on('close', () => this.#connections.delete(connection));
    // A client that resets its connection must not end the server.
    connection.on('error', () => connection.destroy());
    let pending = Buffer.alloc(0);
    connection.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const message = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        const response = this.#response(message, connection.remoteAddress);
        // A message that is not a query cannot be answered: the stream is no longer framed, so it ends.
        if (response === undefined) return void connection.end();
        connection.write(dnsPacket.streamEncode(response));
      }
    });
  }
}
