import type * as o from 'oauth4webapi';

/** `none` is no signature; `HS*` are keyed with the client secret, which a public client does not have. */
const UNCHECKABLE = /^(none|HS\d+)$/i;

/**
 * The ID-token `alg` values accepted by default: every one the AS lists in
 * `id_token_signing_alg_values_supported` except `none` and `HS*` (SECURITY.md 10). Returns the metadata
 * to hand to oauth4webapi's response processing, which accepts exactly the listed algorithms; an AS that
 * lists none of them gets oauth4webapi's own default (`RS256`). An app's `idTokenSigningAlg` is passed as
 * the client's `id_token_signed_response_alg` instead, and takes precedence over this list.
 */
export function withIdTokenAlgorithms(as: o.AuthorizationServer): o.AuthorizationServer {
  const offered = as.id_token_signing_alg_values_supported;
  if (offered === undefined || offered === null) return as;
  return { ...as, id_token_signing_alg_values_supported: offered.filter((alg) => !UNCHECKABLE.test(alg)) };
}
