import * as o from 'oauth4webapi';
import type { ClientConfig } from './config.js';
import { asRequestKind, doctorHint, type FailedRequest } from './doctor-hint.js';
import type { DPoPNonces } from './dpop.js';
import type { Effects } from './effects.js';
import { boundedFetch, type FetchLike } from './http.js';
import { isLoopback } from './url.js';

/** oauth4webapi's request options for the AS: GET (discovery) and POST (grants, revocation) alike. */
export type AsRequestOptions = o.HttpRequestOptions<'POST', URLSearchParams> & o.HttpRequestOptions<'GET'>;

/** How the client talks HTTP: to the AS (bounded, diagnosed) and to resources (diagnosed only). */
export interface Transport {
  /** oauth4webapi's options for a request to `endpoint` of the AS. */
  asRequest(endpoint: string | undefined): AsRequestOptions;
  /** The resources' fetch: their responses are the app's, so neither bounded nor timed out. */
  readonly resourceFetch: FetchLike;
  /** oauth4webapi's view of this client. */
  oauthClient(): o.Client;
  /** Warns when a server asks for a DPoP nonce the browser cannot read (it is then retried without one). */
  hiddenNonce(who: string): () => void;
}

export function createTransport(config: ClientConfig, effects: Effects, nonces: DPoPNonces): Transport {
  /** Every response may carry a DPoP nonce for its origin's next proof. */
  const learning =
    (fetchImpl: FetchLike): FetchLike =>
    async (input, init) => {
      const response = await fetchImpl(input, init);
      nonces.learn(String(input instanceof Request ? input.url : input), response);
      return response;
    };
  const hinted = new Set<FailedRequest>();
  /** In development, a network failure gets a warning that names the doctor's rows for it (once per kind). */
  const diagnosing =
    (fetchImpl: FetchLike, kind: (url: string, init?: RequestInit) => FailedRequest): FetchLike =>
    async (input, init) => {
      try {
        return await fetchImpl(input, init);
      } catch (err) {
        const which = kind(String(input instanceof Request ? input.url : input), init);
        const hint = err instanceof TypeError && !hinted.has(which) ? doctorHint(which, config, effects.location()) : undefined;
        if (hint) {
          hinted.add(which);
          effects.warn(hint);
        }
        throw err;
      }
    };
  const asFetch = learning(
    boundedFetch(
      diagnosing(effects.fetch, (url, init) => asRequestKind(url, init?.body)),
      { timeout: config.timeout, maxBytes: config.maxResponseBytes },
    ),
  );
  return {
    asRequest(endpoint) {
      const options: o.HttpRequestOptions<'POST', URLSearchParams> = { [o.customFetch]: asFetch as never };
      // SECURITY.md 27: plain http only to a loopback host, and only when the app opted in.
      if (endpoint !== undefined && config.allowInsecureLoopback) {
        const url = new URL(endpoint);
        if (url.protocol === 'http:' && isLoopback(url)) options[o.allowInsecureRequests] = true;
      }
      return options as never;
    },
    resourceFetch: learning(diagnosing(effects.fetch, () => 'resource')),
    oauthClient() {
      // Without `idTokenSigningAlg`, the ID token's `alg` is checked against the AS's list, `none` and `HS*`
      // removed (withIdTokenAlgorithms: the metadata passed to every response processing).
      const alg = config.idTokenSigningAlg;
      return { client_id: config.clientId, ...(alg !== undefined && { id_token_signed_response_alg: alg }), [o.clockSkew]: config.clockSkew };
    },
    hiddenNonce: (who) => () =>
      effects.warn(`${who} asked for a DPoP nonce that CORS hides: it must send "Access-Control-Expose-Headers: DPoP-Nonce"`),
  };
}
