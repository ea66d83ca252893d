/**
 * The doctor: every check in order, through one injected {@link Probe}. The order matters only where a
 * check needs an earlier one's answer (the metadata names the endpoints); a failed input or discovery
 * stops there, since nothing after it could be asked.
 */
import type { DoctorOptions } from './args.js';
import { corsProblem, preflightRequest, unexposed, type CorsNeed } from './cors.js';
import { checkDiscovery } from './discovery.js';
import type { Probe, ProbeRequest } from './http-probe.js';
import { fixFor, identifyIdp, type FixContext, type Idp } from './idp.js';
import { checkIssuerInput, checkOriginInput, checkRedirectUriInput, checkResourceInput } from './inputs.js';
import { checkMetadata, sdkUsesDPoP } from './metadata.js';
import { bogusCodeExchange, checkRegistration, FORM } from './registration.js';
import { fail, pass, warn, type Report, type Row } from './report.js';

interface CorsPlan {
  readonly id: string;
  readonly url: string;
  readonly need: CorsNeed;
  /** The request itself (the doctor adds `Origin`). */
  readonly actual: Omit<ProbeRequest, 'url'>;
  /** Response headers scripts must be able to read, checked as `expose.<endpoint>`. */
  readonly expose: readonly string[];
  /** A blocked optional feature (revocation, userinfo, keys the SDK does not fetch) warns; the rest fails. */
  readonly severity: 'fail' | 'warn';
  readonly fix: string;
  /** The fix when a header of {@link expose} is hidden. */
  readonly exposeFix?: string;
}

async function runCorsPlan(probe: Probe, origin: string, plan: CorsPlan): Promise<Row[]> {
  const preflight = preflightRequest(plan.url, origin, plan.need);
  const preflightAnswer = preflight ? await probe(preflight) : undefined;
  const actual = await probe({ ...plan.actual, url: plan.url, headers: { ...plan.actual.headers, origin } });
  const problem = corsProblem(origin, plan.need, preflightAnswer, actual);
  const asked = plan.need.headers.length ? ` with ${plan.need.headers.join(', ')}` : '';
  const rows = [
    problem === undefined
      ? pass(plan.id, `a ${plan.need.method}${asked} from ${origin} is allowed`, plan.url)
      : (plan.severity === 'fail' ? fail : warn)(plan.id, problem, plan.fix, plan.url),
  ];
  if (plan.expose.length > 0 && problem === undefined) {
    const hidden = unexposed(actual, plan.expose);
    const exposeId = plan.id.replace(/^cors\./, 'expose.');
    rows.push(
      hidden.length === 0
        ? pass(exposeId, `exposes ${plan.expose.join(', ')}`, plan.url)
        : fail(exposeId, `does not expose ${hidden.join(', ')} (Access-Control-Expose-Headers)`, plan.exposeFix ?? plan.fix, plan.url),
    );
  }
  return rows;
}

function asPlans(metadata: Record<string, unknown>, options: DoctorOptions, idp: Idp, context: FixContext): CorsPlan[] {
  const dpop = sdkUsesDPoP(metadata);
  const dpopHeader = dpop ? ['dpop'] : [];
  const endpoint = (field: string) => (typeof metadata[field] === 'string' ? (metadata[field] as string) : undefined);
  const plans: CorsPlan[] = [];
  const add = (field: string, plan: Omit<CorsPlan, 'url' | 'fix'>) => {
    const url = endpoint(field);
    if (url) plans.push({ ...plan, url, fix: fixFor('cors', idp, { ...context, subject: url }) });
  };
  add('token_endpoint', {
    id: 'cors.token',
    need: { method: 'POST', headers: dpopHeader },
    actual: { method: 'POST', headers: FORM, body: bogusCodeExchange(options.clientId, options.redirectUri, options.origin) },
    expose: dpop ? ['DPoP-Nonce'] : [],
    severity: 'fail',
    exposeFix: fixFor('expose-nonce', idp, { ...context, subject: endpoint('token_endpoint') }),
  });
  // login() pushes its request there by default (par: 'auto'), with a DPoP proof when the SDK uses DPoP.
  add('pushed_authorization_request_endpoint', {
    id: 'cors.par',
    need: { method: 'POST', headers: dpopHeader },
    actual: { method: 'POST', headers: FORM, body: new URLSearchParams({ client_id: options.clientId, response_type: 'code', redirect_uri: options.redirectUri ?? `${options.origin}/` }).toString() },
    expose: dpop ? ['DPoP-Nonce'] : [],
    severity: 'fail',
    exposeFix: fixFor('expose-nonce', idp, { ...context, subject: endpoint('pushed_authorization_request_endpoint') }),
  });
  add('revocation_endpoint', {
    id: 'cors.revocation',
    need: { method: 'POST', headers: [] },
    actual: { method: 'POST', headers: FORM, body: new URLSearchParams({ token: 'browser-oauth-doctor', token_type_hint: 'refresh_token', client_id: options.clientId }).toString() },
    expose: [],
    severity: 'warn',
  });
  add('userinfo_endpoint', { id: 'cors.userinfo', need: { method: 'GET', headers: ['authorization', ...dpopHeader] }, actual: { method: 'GET' }, expose: [], severity: 'warn' });
  add('jwks_uri', { id: 'cors.jwks', need: { method: 'GET', headers: [] }, actual: { method: 'GET' }, expose: [], severity: 'warn' });
  return plans;
}

function resourcePlan(resource: string, origin: string, dpop: boolean): CorsPlan {
  const headers = ['authorization', ...(dpop ? ['dpop'] : [])];
  const expose = ['WWW-Authenticate', ...(dpop ? ['DPoP-Nonce'] : [])];
  return {
    id: 'cors.resource',
    url: resource,
    need: { method: 'GET', headers },
    actual: { method: 'GET' },
    expose,
    severity: 'fail',
    fix: `your API: answer preflights from ${origin} with Access-Control-Allow-Origin: ${origin} and Access-Control-Allow-Headers: ${headers.join(', ')}, and send Access-Control-Allow-Origin on every response (401s too)`,
    exposeFix: `your API: send Access-Control-Expose-Headers: ${expose.join(', ')} on every response, or the SDK cannot see why a call was refused (docs/recipes.md, step 7)`,
  };
}

export async function runDoctor(options: DoctorOptions, probe: Probe): Promise<Report> {
  const rows: Row[] = [checkIssuerInput(options.issuer), checkOriginInput(options.origin)];
  const redirect = checkRedirectUriInput(options);
  if (redirect) rows.push(redirect);
  const badResources = new Set<string>();
  for (const resource of options.resources) {
    const row = checkResourceInput(resource);
    if (row) {
      rows.push(row);
      badResources.add(resource);
    }
  }
  const idp = rows[0]!.verdict === 'fail' ? 'generic' : identifyIdp(new URL(options.issuer));
  const report = (): Report => ({ issuer: options.issuer, origin: options.origin, idp, rows });
  if (rows[0]!.verdict === 'fail' || rows[1]!.verdict === 'fail') return report();

  const context: FixContext = { origin: options.origin, clientId: options.clientId, ...(options.redirectUri !== undefined && { redirectUri: options.redirectUri }) };
  const discovery = await checkDiscovery(probe, options.issuer, options.origin, options.clientId, idp);
  rows.push(...discovery.rows);
  const metadata = discovery.metadata;
  if (!metadata) return report();

  rows.push(...checkMetadata(metadata, idp, context));
  rows.push(...(await checkRegistration(probe, metadata, idp, context)));
  for (const plan of asPlans(metadata, options, idp, context)) rows.push(...(await runCorsPlan(probe, options.origin, plan)));
  for (const resource of options.resources) {
    if (!badResources.has(resource)) rows.push(...(await runCorsPlan(probe, options.origin, resourcePlan(resource, options.origin, sdkUsesDPoP(metadata)))));
  }
  return report();
}
