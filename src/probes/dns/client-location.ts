import { createSocket } from 'node:dgram';
import { getServers } from 'node:dns';
import { connect, isIPv4 } from 'node:net';
import dnsPacket, { type Packet } from 'dns-packet';
import { z } from 'zod';
import { ErrorCode, GamedayError } from '../../errors/gameday-error.js';

/**
 * Where a probe stands: the client location it watches from. A DNS question carries `subnet` as its EDNS client
 * subnet (RFC 7871), which is what places it for Route 53's latency and geolocation routing
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-edns0.html); `address` is the local
 * address the probe sends and connects from, which places it only where that address really is (on a simulated
 * region, each client location is a loopback address). `from: tokyo` in an experiment on the simulated region is
 * sugar for the location `tokyo` of its topology.
 */
export const clientLocationArg = z
  .strictObject({
    address: z
      .ipv4({ error: 'from.address is a local IPv4 address such as 127.77.0.1' })
      .optional()
      .meta({ description: 'Local IPv4 address to send DNS questions and open connections from; the machine must have it.' }),
    subnet: z
      .cidrv4({ error: 'from.subnet is an IPv4 CIDR such as 203.0.113.0/24' })
      .optional()
      .meta({ description: 'IPv4 CIDR sent as the EDNS client subnet (RFC 7871) of every DNS question, e.g. 203.0.113.0/24.' }),
    name: z.string().min(1).max(64).optional().meta({ description: 'A label for the journal and reports, e.g. tokyo.' }),
  })
  .refine((f) => f.address !== undefined || f.subnet !== undefined, { error: 'from needs an address or a subnet (or both)' })
  .meta({ description: 'The client location the probe watches from: a local source address and/or an EDNS client subnet.' });

export type ClientLocationArg = z.output<typeof clientLocationArg>;

/**
 * The `from` argument of the dns and http probes: a location, or on the simulated region the name of one of its
 * topology's client locations, which the experiment loader expands into that location's address and subnet.
 */
export const fromArg = z.union([
  z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,31}$/, { error: 'a client location name such as tokyo' })
    .meta({ description: "The name of a client location of the simulated region's topology (environment.type sim only)." }),
  clientLocationArg,
]);

/**
 * The location a probe was placed at. The loader has replaced a bare name by then (and refused one outside the
 * simulated region), so one reaching a probe is gameday's own bug, not an operator's.
 */
export function placement(from: z.output<typeof fromArg> | undefined): ClientLocationArg | undefined {
  if (typeof from !== 'string') return from;
  throw new GamedayError(ErrorCode.InvalidArgument, `The client location '${from}' was not expanded; give from.address and/or from.subnet.`);
}

/** How a report names a location: its label, else what places it. */
export function locationLabel(from: ClientLocationArg): string {
  return from.name ?? [from.subnet, from.address].filter((x) => x !== undefined).join(' via ');
}

/** One answer record of a DNS response, with the data probes compare. */
export interface DnsRecordAnswer {
  type: string;
  data: string;
  ttl: number;
}

/** A DNS response: its RCODE (0 NOERROR, 3 NXDOMAIN…) and the answers of the asked type. */
export interface DnsResponse {
  rcode: number;
  answers: DnsRecordAnswer[];
}

/** A failed exchange, with the code node's resolver would give (ETIMEOUT, ECONNREFUSED…). */
export class DnsQueryError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** `host:port`, `host`, `[v6]:port` → host and port; with none, the system's first resolver. */
export function serverEndpoint(server: string | undefined): { host: string; port: number } {
  const text = server ?? getServers()[0] ?? '127.0.0.1';
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed !== null) return { host: bracketed[1] ?? '', port: Number(bracketed[2] ?? 53) };
  const hostPort = /^([^:]+):(\d+)$/.exec(text);
  if (hostPort !== null) return { host: hostPort[1] ?? '', port: Number(hostPort[2]) };
  return { host: text, port: 53 };
}

/** The network address and prefix of an IPv4 CIDR, host bits cleared as RFC 7871 §6 requires of a client. */
function clientSubnet(cidr: string): { ip: string; prefix: number } {
  const [address = '', bits = '32'] = cidr.split('/');
  const prefix = Number(bits);
  const value = address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const masked = prefix === 0 ? 0 : Number((BigInt(value) >> BigInt(32 - prefix)) << BigInt(32 - prefix));
  return { ip: [24, 16, 8, 0].map((s) => (masked >>> s) & 255).join('.'), prefix };
}

/**
 * Asks one question of one DNS server as a client at `from`: from its source address, with its EDNS client subnet,
 * over UDP and again over TCP when the answer comes back truncated (RFC 7766). Node's resolver can bind a source
 * address but cannot send EDNS options, hence this small client.
 */
export async function queryFrom(
  server: string | undefined,
  name: string,
  type: 'A' | 'AAAA' | 'CNAME' | 'TXT',
  from: ClientLocationArg,
  timeoutMs: number,
): Promise<DnsResponse> {
  const { host, port } = serverEndpoint(server);
  const query: Packet = {
    type: 'query',
    id: Math.floor(Math.random() * 65_536),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: 'IN' }],
  };
  if (from.subnet !== undefined) {
    const { ip, prefix } = clientSubnet(from.subnet);
    query.additionals = [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1232,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [{ code: 8, family: 1, sourcePrefixLength: prefix, scopePrefixLength: 0, ip }],
      },
    ];
  }
  let response = await overUdp(host, port, dnsPacket.encode(query), from.address, timeoutMs);
  if (((response.flags ?? 0) & dnsPacket.TRUNCATED_RESPONSE) !== 0) response = await overTcp(host, port, query, from.address, timeoutMs);
  const answers: DnsRecordAnswer[] = [];
  for (const a of response.answers ?? []) {
    if (a.type !== type) continue;
    const data =
      a.type === 'TXT'
        ? [a.data]
            .flat()
            .map((d) => String(d))
            .join('')
        : String(a.data);
    answers.push({ type: a.type, data, ttl: a.ttl ?? 0 });
  }
  return { rcode: (response.flags ?? 0) & 15, answers };
}

function overUdp(host: string, port: number, message: Buffer, localAddress: string | undefined, timeoutMs: number): Promise<Packet> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv4(host) || localAddress !== undefined ? 'udp4' : 'udp6');
    const done = (fn: () => void): void => {
      clearTimeout(timer);
      socket.close();
      fn();
    };
    const timer = setTimeout(() => done(() => reject(new DnsQueryError('ETIMEOUT', `no answer from ${host}:${port} within ${timeoutMs}ms`))), timeoutMs);
    socket.on('error', (error: NodeJS.ErrnoException) => done(() => reject(new DnsQueryError(error.code ?? 'EFAIL', error.message))));
    socket.on('message', (buf) => {
      try {
        const packet = dnsPacket.decode(buf);
        done(() => resolve(packet));
      } catch {
        done(() => reject(new DnsQueryError('EBADRESP', `${host}:${port} sent an unreadable answer`)));
      }
    });
    socket.bind({ port: 0, ...(localAddress === undefined ? {} : { address: localAddress }) }, () => socket.send(message, port, host));
  });
}

function overTcp(host: string, port: number, query: Packet, localAddress: string | undefined, timeoutMs: number): Promise<Packet> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ...(localAddress === undefined ? {} : { localAddress }) });
    let received = Buffer.alloc(0);
    const done = (fn: () => void): void => {
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(
      () => done(() => reject(new DnsQueryError('ETIMEOUT', `no answer from ${host}:${port} over TCP within ${timeoutMs}ms`))),
      timeoutMs,
    );
    socket.on('error', (error: NodeJS.ErrnoException) => done(() => reject(new DnsQueryError(error.code ?? 'EFAIL', error.message))));
    socket.on('connect', () => socket.write(dnsPacket.streamEncode(query)));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      try {
        const packet = dnsPacket.streamDecode(received);
        done(() => resolve(packet));
      } catch {
        done(() => reject(new DnsQueryError('EBADRESP', `${host}:${port} sent an unreadable answer over TCP`)));
      }
    });
  });
}
