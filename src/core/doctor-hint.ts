/**
 * Development help for the opaque "Failed to fetch": a request the browser refused at the network is most
 * often a CORS setting of the server. When the page is on a loopback origin (development), the SDK names the
 * rows of `npx browser-oauth doctor` that check the failed request, and the command for this client (issue 19).
 */
import { isLoopback } from './url.js';

export interface DoctorTarget {
  readonly issuer: URL;
  readonly clientId: string;
  readonly redirectUri: URL;
  readonly resources: readonly { readonly origin: string; readonly path: string }[];
}

/** Which request failed: the AS's discovery, token, PAR or revocation endpoint, or a resource. */
export type FailedRequest = 'discovery' | 'token' | 'par' | 'revocation' | 'resource';

const ROWS: Record<FailedRequest, string> = {
  discovery: 'discovery, cors.discovery',
  token: 'cors.token, expose.token',
  par: 'cors.par, expose.par',
  revocation: 'cors.revocation',
  resource: 'cors.resource, expose.resource',
};

/** The warning for a network failure of `request` seen from `page`, or undefined outside development. */
export function doctorHint(request: FailedRequest, target: DoctorTarget, page: URL): string | undefined {
  if (!isLoopback(page)) return undefined;
  const resources = target.resources.map((r) => ` --resource ${r.origin}${r.path}`).join('');
  // As apps write an origin-only issuer: without the `/` the URL parser adds (the doctor accepts both).
  const issuer = target.issuer.pathname === '/' ? target.issuer.origin : target.issuer.href;
  return `${request} request failed at the network (CORS?): see rows ${ROWS[request]} of npx browser-oauth doctor --issuer ${issuer} --client-id ${target.clientId} --origin ${page.origin} --redirect-uri ${target.redirectUri.href}${resources}`;
}

/** Classifies a request the SDK makes to the AS from its URL and form body. */
export function asRequestKind(url: string, body: unknown): FailedRequest {
  if (url.includes('/.well-known/')) return 'discovery';
  if (!(body instanceof URLSearchParams)) return 'revocation';
  // A pushed authorization request (flows/par.ts) carries the authorization request's `response_type`.
  return body.has('grant_type') ? 'token' : body.has('response_type') ? 'par' : 'revocation';
}
