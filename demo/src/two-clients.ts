// demo/two-clients.html: several clients on one page (issue 17). Two clients of the demo AS (the second
// registered as `<clientId>-second`) share this page as their redirect URI; a callback is completed by the
// client that started the login, whichever client's init() runs first.

import { createOAuthClient, type AuthState, type OAuthClient } from 'browser-oauth';
import { apiUrl, clientId, issuer, scope, spaOrigin } from './config';
import { testOptions } from './test-options';

const page = `${spaOrigin}/two-clients.html`;
/** One client of the demo AS; both share this page as their redirect URI. */
const clientOf = (id: string): OAuthClient =>
  createOAuthClient({ issuer, clientId: id, redirectUri: page, postLogoutRedirectUri: page, scope, resources: [apiUrl], allowInsecureLoopback: true, ...testOptions() });
const clients: Record<'a' | 'b', OAuthClient> = { a: clientOf(clientId), b: clientOf(`${clientId}-second`) };

const el = (id: string): HTMLElement => document.querySelector(`[data-testid="${id}"]`)!;

/** A card from the page's template, its `data-role` elements given the test ids `<role>-<key>`. */
function card(key: 'a' | 'b'): void {
  const template = document.querySelector<HTMLTemplateElement>('#client-card')!;
  const section = template.content.firstElementChild!.cloneNode(true) as HTMLElement;
  section.dataset.testid = `client-${key}`;
  for (const node of section.querySelectorAll<HTMLElement>('[data-role]')) node.dataset.testid = `${node.dataset.role}-${key}`;
  section.querySelector('[data-role="label"]')!.textContent = key.toUpperCase();
  document.querySelector('#clients')!.append(section);
}

function show(key: 'a' | 'b', state: AuthState): void {
  el(`status-${key}`).textContent = state.status;
  el(`user-${key}`).textContent = state.user ? `as ${state.user.sub}` : state.error ? `(${state.error.code})` : '';
}

for (const key of ['a', 'b'] as const) {
  const auth = clients[key];
  card(key);
  el(`client-id-${key}`).textContent = key === 'a' ? clientId : `${clientId}-second`;
  show(key, auth.state);
  auth.subscribe((state) => show(key, state));
  el(`sign-in-${key}`).addEventListener('click', () => void auth.login({ returnTo: '/two-clients.html' }));
  el(`sign-out-${key}`).addEventListener('click', () => void auth.logout());
  el(`call-${key}`).addEventListener('click', async () => {
    const out = el(`result-${key}`);
    try {
      const res = await auth.fetch(`${apiUrl}me`);
      const body = (await res.json()) as { client_id?: string; sub?: string };
      out.textContent = res.ok ? `${res.status} ${body.client_id} ${body.sub}` : `${res.status}`;
    } catch (err) {
      out.textContent = err instanceof Error ? `${err.name} ${(err as { code?: string }).code ?? err.message}` : String(err);
    }
  });
}

// B starts first on purpose: on A's callback it must leave the URL to A (and the other way round).
void Promise.all([clients.b.init(), clients.a.init()]).then((results) => {
  const done = results.find((r) => r !== undefined);
  if (done) history.replaceState(null, '', done.returnTo);
});
