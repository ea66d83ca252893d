import { OAuthError } from './errors.js';

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface BoundedFetchOptions {
  /** Milliseconds for the whole exchange, body included (a slow drip is a timeout too). */
  timeout: number;
  /** Bytes; a larger body is a `response_too_large` error. */
  maxBytes: number;
}

// The Response constructor refuses a body for these statuses.
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * Wraps `fetch` for requests to the authorization server: oauth4webapi has neither a timeout nor a
 * body limit (SECURITY.md 11), so the body is read here, bounded in time and size, and handed on
 * as a fresh, fully buffered `Response`.
 */
export function boundedFetch(fetchImpl: FetchLike, options: BoundedFetchOptions): FetchLike {
  return async (input, init = {}) => {
    const timeout = AbortSignal.timeout(options.timeout);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const response = await fetchImpl(input, { ...init, signal });
    // `redirect: 'manual'` gives an opaque redirect: status 0, no body, nothing to bound.
    if (response.type === 'opaqueredirect' || NULL_BODY_STATUS.has(response.status)) return response;
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge(options.maxBytes);
    }
    const body = await readBounded(response, options.maxBytes);
    // oauth4webapi parses a 200 body as JSON whatever its type; a JSON answer must say it is JSON
    // (token and metadata requests ask for it; revocation answers carry no body to speak of).
    const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (response.status === 200 && new Headers(init.headers).get('accept') === 'application/json' && type !== 'application/json') {
      throw new OAuthError('invalid_response', 'The answer is not JSON');
    }
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

function tooLarge(maxBytes: number): OAuthError {
  return new OAuthError('response_too_large', `Response over ${maxBytes} bytes`);
}

async function readBounded(response: Response, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
