/**
 * The doctor's one effect: an HTTP request that never follows redirects and never throws. Checks receive
 * a {@link Probe}, so unit tests answer with canned responses and the CLI with Node's `fetch` (which, unlike
 * a browser, lets us send `Origin` and a preflight's `Access-Control-Request-*` headers and read every answer).
 */
export interface ProbeRequest {
  readonly method: 'GET' | 'POST' | 'OPTIONS';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface ProbeResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** A response, or why there was none (DNS, refused connection, TLS, timeout). */
export type ProbeResult = ProbeResponse | { readonly error: string };

export type Probe = (request: ProbeRequest) => Promise<ProbeResult>;

export const isResponse = (result: ProbeResult): result is ProbeResponse => !('error' in result);

/** Enough for any metadata document or error body; a larger answer is cut (the doctor reads JSON objects). */
const MAX_BODY = 1024 * 1024;

/** The body up to {@link MAX_BODY} bytes; the rest is never read (a hostile server cannot fill memory). */
async function readCapped(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < MAX_BODY) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel();
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes.subarray(0, MAX_BODY));
}

/** The real probe: `fetch` with a timeout, `redirect: 'manual'` (a 3xx is itself an answer here). */
export function nodeProbe(timeoutMs = 10_000): Probe {
  return async ({ method, url, headers, body }) => {
    try {
      const response = await fetch(url, {
        method,
        ...(headers && { headers }),
        ...(body !== undefined && { body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, headers: response.headers, text: await readCapped(response) };
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      return { error: err instanceof Error ? `${err.name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : err.message}${cause}` : String(err) };
    }
  };
}

/** The body as a JSON object, or `undefined` (not JSON, an array, a scalar). */
export function jsonObject(response: ProbeResponse): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(response.text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
