import * as o from 'oauth4webapi';
import { OAuthError } from './errors.js';

/**
 * DPoP (RFC 9449): tokens bound to a key pair whose private key is a non-extractable `CryptoKey`,
 * so a token read out of IndexedDB by a script is useless anywhere else. oauth4webapi signs the
 * proofs; this module decides when to use DPoP, makes the key, and keeps server nonces.
 */

/** Algorithms in order of preference (ES256 is the one every DPoP server must know). The doctor CLI reads it too. */
export const DPOP_ALGORITHMS: readonly string[] = ['ES256', 'EdDSA', 'Ed25519', 'ES384', 'PS256', 'RS256'];

/** `undefined`: on when the AS advertises DPoP; `true`: required; `false`: off. */
export function usesDPoP(option: boolean | undefined, as: o.AuthorizationServer): boolean {
  const supported = (as.dpop_signing_alg_values_supported?.length ?? 0) > 0;
  if (option === true && !supported) throw new OAuthError('dpop_unsupported', 'The AS does not offer DPoP');
  return option ?? supported;
}

/** A fresh key pair for one login; oauth4webapi makes the private key non-extractable. */
export function generateDPoPKey(as: o.AuthorizationServer): Promise<CryptoKeyPair> {
  const offered = as.dpop_signing_alg_values_supported ?? [];
  return o.generateKeyPair(DPOP_ALGORITHMS.find((alg) => offered.includes(alg)) ?? 'ES256') as Promise<CryptoKeyPair>;
}

export function isKeyPair(value: unknown): value is CryptoKeyPair {
  const pair = value as Partial<CryptoKeyPair> | null;
  return typeof pair === 'object' && pair !== null && pair.privateKey instanceof CryptoKey && pair.publicKey instanceof CryptoKey;
}

const NONCE = /^[\x21\x23-\x5b\x5d-\x7e]{1,1024}$/;

/**
 * Server nonces per origin (RFC 9449 §8, §9), learned from any response of any tab. oauth4webapi keeps
 * its own per-handle cache; this one outlives handles and is shared through the tab channel.
 */
export class DPoPNonces {
  readonly #byOrigin = new Map<string, string>();
  readonly #onLearned: (origin: string, nonce: string) => void;
  // A plain field, not a parameter property: the source stays erasable syntax (the documentation's examples
  // compile it under Vite's template settings, `erasableSyntaxOnly`).
  constructor(onLearned: (origin: string, nonce: string) => void) {
    this.#onLearned = onLearned;
  }

  /** Takes `DPoP-Nonce` from a response; tells `onLearned` when it is news. */
  learn(url: string, response: Response): void {
    const nonce = response.headers.get('dpop-nonce');
    if (nonce) this.set(new URL(url).origin, nonce, true);
  }

  set(origin: string, nonce: string, announce = false): void {
    // RFC 9449 §8.1: 1*NQCHAR. Anything else, or over 1 KB, is not kept, stored nor broadcast.
    if (!NONCE.test(nonce) || this.#byOrigin.get(origin) === nonce) return;
    this.#byOrigin.set(origin, nonce);
    if (announce) this.#onLearned(origin, nonce);
  }

  entries(): Record<string, string> {
    return Object.fromEntries(this.#byOrigin);
  }

  /** A handle whose proofs carry the freshest nonce known for their target's origin. */
  handle(client: o.Client, keyPair: CryptoKeyPair): o.DPoPHandle {
    return o.DPoP(client, keyPair, {
      [o.modifyAssertion]: (_header, payload) => {
        const nonce = this.#byOrigin.get(new URL(String(payload.htu)).origin);
        if (nonce !== undefined) payload.nonce = nonce;
      },
    });
  }
}

/**
 * Runs `attempt` again, exactly once, when the server asked for a (new) DPoP nonce. `onHidden` is told when
 * the challenge's response has no readable `DPoP-Nonce`: a cross-origin server that does not list it in
 * `Access-Control-Expose-Headers` hides it from the browser, and the retry can only go without one.
 */
export async function retryOnNonce<T>(attempt: () => Promise<T>, onHidden?: () => void): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    if (!o.isDPoPNonceError(err)) throw err;
    const response = (err as { response?: unknown }).response;
    if (response instanceof Response && response.headers.get('dpop-nonce') === null) onHidden?.();
    return attempt();
  }
}
