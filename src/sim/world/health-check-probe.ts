import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';

/** What one checker saw: success or failure, and the status text GetHealthCheckStatus shows. */
export interface ProbeResult {
  ok: boolean;
  status: string;
}

/** Where and how long (wall ms) one probe may take: the caller scales Route 53's AWS-time limits by the speed. */
export interface ProbeTarget {
  host: string;
  port: number;
  /** HTTP(S): the TCP connection must be up within this. TCP: the whole check. */
  connectMs: number;
  /** HTTP(S): the status line must come within this after connecting. */
  answerMs: number;
}

const TIMED_OUT: ProbeResult = {
  ok: false,
  status: 'Failure: Connection timed out. The endpoint or the internet connection is down, or requests are being blocked by your firewall.',
};
const REFUSED: ProbeResult = { ok: false, status: 'Failure: Connection refused. The endpoint is not accepting connections.' };

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * An HTTP(S) GET as a Route 53 checker does it: a 2xx or 3xx passes. Its own timers (not the HTTP client's, whose
 * timers are too coarse at sub-second wall times) bound the connect and then the answer separately.
 */
export function probeHttp(target: ProbeTarget, options: { https: boolean; path: string; hostHeader: string }): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const send = options.https ? httpsRequest : httpRequest;
    const req = send(
      {
        host: target.host,
        port: target.port,
        path: options.path,
        method: 'GET',
        agent: false,
        rejectUnauthorized: false,
        servername: options.https ? options.hostHeader : undefined,
        headers: { host: options.hostHeader, 'user-agent': 'Amazon-Route53-Health-Check-Service (ref gameday-sim; report http://amzn.to/1vsZADi)' },
      },
      (res: IncomingMessage) => {
        const code = res.statusCode ?? 0;
        const text = `HTTP Status Code ${code}, ${REASONS[code] ?? 'Unknown'}`;
        res.resume();
        finish(code >= 200 && code < 400 ? { ok: true, status: `Success: ${text}` } : { ok: false, status: `Failure: ${text}` });
      },
    );
    timer = setTimeout(() => finish(TIMED_OUT), target.connectMs);
    req.once('socket', (socket: Socket) => {
      socket.once('connect', () => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(TIMED_OUT), target.answerMs);
      });
    });
    req.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') finish(REFUSED);
      else finish({ ok: false, status: `Failure: The endpoint closed the connection or sent an invalid response (${error.code ?? 'error'}).` });
    });
    req.end();
  });
}

/** A TCP connect as a Route 53 checker does it: the connection must be up within `connectMs`. */
export function probeTcp(target: ProbeTarget): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(TIMED_OUT);
    }, target.connectMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true, status: 'Success: TCP connection established' });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(error.code === 'ECONNREFUSED' ? REFUSED : { ok: false, status: `Failure: ${error.code ?? 'connection error'}` });
    });
  });
}
