/** Turns a socket or HTTP-client error into the short phrase a probe records. */
export function networkErrorText(error: unknown, timeoutMs: number): string {
  const e = error as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return `timed out after ${timeoutMs}ms`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    default:
      break;
  }
  if (e?.name === 'AbortError') return 'aborted';
  if (e?.cause !== undefined && e.cause !== error) return networkErrorText(e.cause, timeoutMs);
  return typeof e?.message === 'string' && e.message !== '' ? e.message : 'request failed';
}
