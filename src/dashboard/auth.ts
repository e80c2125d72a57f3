import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** How the dashboard knows who is at the other end. */
export interface AuthOptions {
  /** The shared token the log-in page asks for (from `--token-file` or `GAMEDAY_DASHBOARD_TOKEN`). */
  token?: string;
  /** A header a trusted reverse proxy sets to the signed-in user's name (`X-Forwarded-User`); honoured only when set. */
  proxyHeader?: string;
  /** Who acts when neither is set (the dashboard then listens on loopback only): the dashboard's own `$USER@host`. */
  localOperator: string;
}

/** Someone the dashboard recognised: the name the audit trail records, and the CSRF token their page must send. */
export interface Operator {
  who: string;
  csrf: string;
  /** How they were recognised: a log-in session can log out; the others cannot. */
  via: 'proxy' | 'session' | 'bearer' | 'local';
}

/** The session cookie's name. */
export const SESSION_COOKIE = 'gameday_session';

/** How long a log-in lasts; a team's dashboard tab stays open through a working day. */
const SESSION_MS = 12 * 3_600_000;

/** Longest name the log-in form takes for the audit trail. */
const MAX_NAME = 64;

/** The audit trail's name of a token: enough of its hash to tell two tokens apart, nothing to recover it from. */
export function tokenIdentity(token: string): string {
  return `token:${createHash('sha256').update(token).digest('hex').slice(0, 6)}`;
}

const LOOPBACK_HOSTS = /^(127(?:\.\d{1,3}){3}|localhost|\[::1\])(:\d+)?$/i;

/**
 * Authentication and the same-origin rule of the dashboard. Sessions live in this process only: restarting the
 * dashboard signs everyone out, which a token they still hold undoes in one step.
 */
export class DashboardAuth {
  readonly #o: AuthOptions;
  readonly #sessions = new Map<string, { who: string; expires: number }>();
  /** Keys the CSRF tokens: one per session, derived so that none needs storing. */
  readonly #secret = randomBytes(32);
  readonly #tokenDigest: Buffer | undefined;

  constructor(options: AuthOptions) {
    this.#o = options;
    this.#tokenDigest = options.token === undefined ? undefined : digest(options.token);
  }

  /** Whether the log-in page guards the dashboard (a token is set). */
  get usesToken(): boolean {
    return this.#o.token !== undefined;
  }

  /** Whether anyone who reaches the dashboard is trusted (no token, no proxy: loopback only). */
  get open(): boolean {
    return this.#o.token === undefined && this.#o.proxyHeader === undefined;
  }

  /**
   * Who sent the request, or undefined when nobody signed in: the proxy's user, the session's, or, on an open
   * dashboard, its own operator.
   */
  identify(req: IncomingMessage): Operator | undefined {
    const header = this.#o.proxyHeader;
    if (header !== undefined) {
      const user = req.headers[header.toLowerCase()];
      const name = Array.isArray(user) ? user[0] : user;
      if (name !== undefined && name.trim() !== '') return this.#operator('proxy', `proxy:${name.trim()}`, name.trim());
    }
    if (this.#o.token !== undefined) {
      const id = cookie(req, SESSION_COOKIE);
      const session = id === undefined ? undefined : this.#sessions.get(id);
      if (id !== undefined && session !== undefined) {
        if (session.expires > Date.now()) return this.#operator('session', `session:${id}`, session.who);
        this.#sessions.delete(id);
      }
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (bearer !== undefined && this.#matches(bearer)) return this.#operator('bearer', 'bearer', tokenIdentity(bearer));
    }
    if (this.open) return this.#operator('local', 'local', this.#o.localOperator);
    return undefined;
  }

  /**
   * Checks a log-in: the token, compared in constant time, and the name the form gave. Resolves to the session
   * cookie to set, or undefined for a wrong token.
   */
  login(token: string, name: string): string | undefined {
    if (this.#o.token === undefined || !this.#matches(token)) return undefined;
    const id = randomBytes(24).toString('base64url');
    const clean = name
      .replace(/[^\p{L}\p{N} ._@-]/gu, '')
      .trim()
      .slice(0, MAX_NAME);
    const who = clean === '' ? tokenIdentity(token) : `${clean} (${tokenIdentity(token)})`;
    const now = Date.now();
    for (const [k, s] of this.#sessions) if (s.expires <= now) this.#sessions.delete(k);
    this.#sessions.set(id, { who, expires: now + SESSION_MS });
    return `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`;
  }

  /** Ends the request's session; the cookie to set clears it in the browser. */
  logout(req: IncomingMessage): string {
    const id = cookie(req, SESSION_COOKIE);
    if (id !== undefined) this.#sessions.delete(id);
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }

  /**
   * Why the request must be refused before anything else, or undefined. An open dashboard answers only to a loopback
   * Host: a page elsewhere that rebinds its own name to 127.0.0.1 would otherwise be same-origin with it.
   */
  hostProblem(req: IncomingMessage): string | undefined {
    if (!this.open) return undefined;
    const host = req.headers.host ?? '';
    return LOOPBACK_HOSTS.test(host) ? undefined : `This dashboard has no token and answers only to a loopback Host, not '${host}'.`;
  }

  /**
   * Why a state-changing request is not same-origin, or undefined when it is: its Origin must be the dashboard's own
   * (the Host it was asked for, or the proxy's forwarded host and scheme), or, without an Origin, its Sec-Fetch-Site
   * must say same-origin. A request with neither is refused: every browser sends one on a POST.
   */
  crossOriginProblem(req: IncomingMessage): string | undefined {
    const forwarded = this.#o.proxyHeader !== undefined;
    const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();
    const host = (forwarded ? first(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host ?? '';
    const scheme = (forwarded ? first(req.headers['x-forwarded-proto']) : undefined) ?? 'http';
    const own = `${scheme}://${host}`.toLowerCase();
    const origin = req.headers.origin;
    const site = first(req.headers['sec-fetch-site']);
    if (site !== undefined && site !== 'same-origin' && site !== 'none')
      return `The request came from another site (Sec-Fetch-Site: ${site}), not from the dashboard's own page.`;
    if (origin !== undefined) return origin.toLowerCase() === own ? undefined : `The request's Origin ${origin} is not the dashboard's own (${own}).`;
    if (site === 'same-origin') return undefined;
    return `The request carries neither an Origin nor a Sec-Fetch-Site header, so the dashboard cannot tell it came from its own page; send 'Origin: ${own}'.`;
  }

  /** Whether the CSRF token sent with a state-changing request is the one the operator's page was given. */
  csrfMatches(operator: Operator, sent: string | undefined): boolean {
    if (sent === undefined) return false;
    const [a, b] = [Buffer.from(operator.csrf), Buffer.from(sent)];
    return a.length === b.length && timingSafeEqual(a, b);
  }

  #operator(via: Operator['via'], basis: string, who: string): Operator {
    return { who, via, csrf: createHmac('sha256', this.#secret).update(basis).digest('base64url') };
  }

  #matches(token: string): boolean {
    // Equal-length digests let timingSafeEqual compare without revealing the token's length or a matching prefix.
    return this.#tokenDigest !== undefined && timingSafeEqual(digest(token), this.#tokenDigest);
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Whether an address to listen on is reachable only from this machine. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.test(host) || host === '::1';
}
