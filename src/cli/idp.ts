/**
 * Which identity provider the issuer belongs to, and each fix in that provider's own words, consistent with
 * docs/recipes.md (which names the same settings). Recognised from the issuer URL's well-known shapes only:
 * a guess from a custom domain would name settings the user does not have.
 */
export type Idp = 'keycloak' | 'auth0' | 'entra' | 'okta' | 'google' | 'generic';

export function identifyIdp(issuer: URL): Idp {
  const host = issuer.hostname;
  if (host === 'login.microsoftonline.com' || host.endsWith('.ciamlogin.com')) return 'entra';
  if (host === 'accounts.google.com') return 'google';
  if (host.endsWith('.auth0.com')) return 'auth0';
  if (/\.(okta|oktapreview|okta-emea)\.com$/.test(host)) return 'okta';
  if (/\/realms\/[^/]+\/?$/.test(issuer.pathname)) return 'keycloak';
  return 'generic';
}

/** The situations a fix is written for; each check names one. */
export type Topic =
  | 'cors'
  | 'expose-nonce'
  | 'pkce'
  | 'public-client'
  | 'code-grant'
  | 'redirect-uri'
  | 'issuer'
  | 'dpop'
  | 'revocation'
  | 'refresh';

export interface FixContext {
  readonly origin: string;
  readonly clientId: string;
  readonly redirectUri?: string;
  /** The endpoint or value the fix is about. */
  readonly subject?: string;
}

type Texts = Partial<Record<Idp, (c: FixContext) => string>> & { generic: (c: FixContext) => string };

const GOOGLE = 'Google does not exchange a code without a client secret: a browser alone cannot use it (docs/recipes.md#google)';
const RECIPE = (idp: Idp) => ` (docs/recipes.md#${idp === 'entra' ? 'microsoft-entra-id' : idp})`;

const TEXTS: Record<Topic, Texts> = {
  cors: {
    generic: (c) => `allow the origin ${c.origin} for CORS at ${c.subject ?? 'this endpoint'} for client ${c.clientId}`,
    keycloak: (c) => `Clients → ${c.clientId} → Web origins: add ${c.origin}`,
    auth0: (c) => `Applications → ${c.clientId} → Allowed Web Origins and Allowed Origins (CORS): add ${c.origin}`,
    entra: () => 'Authentication → register the redirect URI under the "Single-page application" platform (not "Web"): that turns on CORS at the token endpoint',
    okta: (c) => `Security → API → Trusted Origins: add ${c.origin} with CORS checked`,
    google: () => GOOGLE,
  },
  'expose-nonce': {
    generic: (c) => `add DPoP-Nonce to Access-Control-Expose-Headers on ${c.subject ?? 'the token endpoint'}'s responses (RFC 9449 §8): without it the browser hides the nonce and every nonce challenge fails`,
    keycloak: (c) => `expose DPoP-Nonce from ${c.subject ?? 'the token endpoint'} (Access-Control-Expose-Headers); Keycloak 26.4+ does when the client's Web origins include ${c.origin}: upgrade, or fix the proxy in front of it`,
  },
  pkce: {
    generic: () => 'enable PKCE with S256 for this client and list S256 in code_challenge_methods_supported (RFC 7636; browser-oauth sends S256 always)',
    keycloak: (c) => `Clients → ${c.clientId} → Advanced → Proof Key for Code Exchange Code Challenge Method: S256`,
    auth0: () => 'create the application as "Single Page Web Application" (PKCE with S256 is then used by default)',
    okta: () => 'use a "Single-Page Application" integration with client authentication None (PKCE required)',
    entra: () => 'register the redirect URI under the "Single-page application" platform (PKCE required)',
  },
  'public-client': {
    generic: (c) => `register ${c.clientId} as a public client (token_endpoint_auth_method "none"): a browser cannot keep a secret`,
    keycloak: (c) => `Clients → ${c.clientId} → Client authentication: off`,
    auth0: () => 'Application type "Single Page Web Application" (Token Endpoint Authentication Method: None)',
    entra: () => 'Authentication → move the redirect URI to the "Single-page application" platform: a "Web" redirect URI needs a client secret',
    okta: () => 'Applications → your app → General → Client authentication: None (a "Single-Page Application" integration)',
    google: () => GOOGLE,
  },
  'code-grant': {
    generic: (c) => `allow the authorization_code and refresh_token grants for ${c.clientId}`,
    keycloak: (c) => `Clients → ${c.clientId} → Capability config → Standard flow: on`,
    okta: () => 'Applications → your app → General → Grant types: Authorization Code and Refresh Token',
  },
  'redirect-uri': {
    generic: (c) => `register the exact redirect URI ${c.redirectUri ?? ''} for ${c.clientId}`,
    keycloak: (c) => `Clients → ${c.clientId} → Valid redirect URIs: ${c.redirectUri ?? ''} (exact, no wildcard)`,
    auth0: (c) => `Applications → ${c.clientId} → Allowed Callback URLs: ${c.redirectUri ?? ''}`,
    entra: (c) => `Authentication → Single-page application → Redirect URIs: ${c.redirectUri ?? ''}`,
    okta: (c) => `Applications → your app → Sign-in redirect URIs: ${c.redirectUri ?? ''}`,
  },
  issuer: {
    generic: (c) => `configure issuer: '${c.subject ?? ''}' exactly (browser-oauth compares issuers character for character, trailing slash included)`,
    entra: (c) =>
      `use the tenant's issuer '${c.subject ?? ''}': the common and organizations endpoints publish a templated issuer that never matches${RECIPE('entra')}`,
  },
  dpop: {
    generic: () => 'nothing is broken: tokens will be Bearer tokens. To bind them to the browser, enable DPoP (RFC 9449) at the authorization server',
    keycloak: () => 'Keycloak supports DPoP since 26.4: upgrade, and set the client\'s "Require DPoP bound tokens" to insist on it',
    okta: () => 'Applications → your app → General → "Require Demonstrating Proof of Possession (DPoP) header in token requests"',
    entra: () => 'Entra ID does not offer RFC 9449 DPoP: tokens stay Bearer tokens (nothing to fix)',
  },
  revocation: {
    generic: () => 'logout() cannot revoke the refresh token: enable token revocation (RFC 7009) and list revocation_endpoint',
    entra: () => 'Entra ID has no revocation endpoint: logout() wipes the session locally only (nothing to fix)',
  },
  refresh: {
    generic: (c) => `allow the refresh_token grant for ${c.clientId}, or sessions end when the first access token expires`,
    auth0: (c) => `Applications → ${c.clientId} → Refresh Token Rotation: on (Auth0 gives a browser refresh tokens only with rotation)`,
    okta: () => 'Applications → your app → General → Grant types: Refresh Token',
  },
};

/** The fix for `topic` at `idp`, in that provider's words when it has its own setting, else the generic one. */
export function fixFor(topic: Topic, idp: Idp, context: FixContext): string {
  const texts = TEXTS[topic];
  return (texts[idp] ?? texts.generic)(context);
}
