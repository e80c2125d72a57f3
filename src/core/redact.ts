const SECRET_KEY = /(secret|password|passwd|token|authorization|credential|api[-_]?key|private[-_]?key|cookie|session)/i;

/** `scheme://user:password@` in a URL. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^/:@\s]+:)[^@/\s]+@/gi;

/** Replaces values under secret-looking keys with `[redacted]`, recursively; never mutates its input. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(URL_PASSWORD, '$1[redacted]@');
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}
