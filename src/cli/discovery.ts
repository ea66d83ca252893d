/**
 * Discovery as the SDK does it (`src/core/discovery.ts`): OpenID Connect first, RFC 8414 when that is a 404,
 * the locations built and the issuer compared by oauth4webapi itself, so the doctor's verdict is the SDK's.
 * The documents are fetched with the app's `Origin`, which makes the same answers the `cors.discovery` check.
 */
import * as o from 'oauth4webapi';
import { corsProblem } from './cors.js';
import { isResponse, jsonObject, type Probe, type ProbeResult } from './http-probe.js';
import { fixFor, type Idp } from './idp.js';
import { fail, pass, type Row } from './report.js';

export interface DiscoveryOutcome {
  readonly rows: Row[];
  /** The metadata, when a document was found (even one whose issuer does not match: the rest is still worth checking). */
  readonly metadata?: Record<string, unknown>;
}

/** oauth4webapi's `fetch`, served by the probe; the last answer is kept for the CORS check. */
function probeFetch(probe: Probe, origin: string, seen: { url?: string; result?: ProbeResult }): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const result = await probe({ method: 'GET', url, headers: { ...headers, origin } });
    seen.url = url;
    seen.result = result;
    if (!isResponse(result)) throw new TypeError(result.error);
    const nullBody = result.status === 204 || result.status === 304;
    return new Response(nullBody ? null : result.text, { status: result.status, headers: result.headers });
  }) as typeof fetch;
}

export async function checkDiscovery(probe: Probe, issuerInput: string, origin: string, clientId: string, idp: Idp): Promise<DiscoveryOutcome> {
  const issuer = new URL(issuerInput);
  const seen: { url?: string; result?: ProbeResult } = {};
  const options = { [o.customFetch]: probeFetch(probe, origin, seen), [o.allowInsecureRequests]: true };
  let response: Response;
  try {
    response = await o.discoveryRequest(issuer, { ...options, algorithm: 'oidc' });
    if (response.status === 404) response = await o.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { rows: [fail('discovery', `${seen.url ?? issuerInput}: ${why}`, 'check the issuer URL and that the server is reachable from here')] };
  }
  const metadata = response.status === 200 && isResponse(seen.result!) ? jsonObject(seen.result) : undefined;
  if (metadata === undefined) {
    return {
      rows: [
        fail(
          'discovery',
          `no metadata: ${seen.url} answered ${response.status}${response.status === 200 ? ' with something that is not a JSON object' : ''}`,
          'the issuer must serve OpenID Connect discovery (<issuer>/.well-known/openid-configuration) or RFC 8414 metadata; check the issuer URL',
        ),
      ],
    };
  }
  const rows: Row[] = [pass('discovery', `metadata at ${seen.url}`)];
  try {
    await o.processDiscoveryResponse(issuer, response);
    rows.push(pass('discovery.issuer', `issuer ${String(metadata.issuer)} equals --issuer`));
  } catch {
    const named = typeof metadata.issuer === 'string' ? metadata.issuer : undefined;
    rows.push(
      fail(
        'discovery.issuer',
        named === undefined ? 'the metadata has no "issuer" string' : `the metadata names issuer ${named}, not ${issuerInput}`,
        named === undefined ? 'the authorization server must name its issuer in its metadata (RFC 8414 §2)' : fixFor('issuer', idp, { origin, clientId, subject: named }),
      ),
    );
  }
  const problem = corsProblem(origin, { method: 'GET', headers: [] }, undefined, seen.result!);
  rows.push(problem ? fail('cors.discovery', problem, fixFor('cors', idp, { origin, clientId, subject: seen.url! }), seen.url) : pass('cors.discovery', `allows ${origin}`, seen.url));
  return { rows, metadata };
}
