// The demo home page. Everything on screen is derived from `auth.state` (kept current by
// `auth.subscribe`) plus the results of the buttons the user pressed; the page never sees a token.

import { OAuthError, type AuthState } from 'browser-oauth';
import { auth } from './auth';
import { apiUrl, clientId, issuer, otherUrl, reportsUrl } from './config';
import { h, icon, icons } from './dom';

type Action = 'login' | 'login-popup' | 'logout' | 'refresh' | 'call-api' | 'call-reports' | 'call-public' | 'call-other' | 'call-step-up' | 'step-up-login';

/** What the page shows for a failure: the stable code and a human description (both plain text). */
interface ShownError {
  readonly code: string;
  readonly description: string;
  readonly status?: number;
  /** The raw `error` value from the server, when it differs from the code. */
  readonly raw?: string;
  /** What the user was doing, for the alert's title. */
  readonly action?: Action;
}

interface ApiCall {
  readonly label: string;
  readonly url: string;
  readonly pending: boolean;
  readonly status?: number;
  readonly body?: string;
  readonly ms?: number;
  readonly note?: { readonly tone: 'ok' | 'bad'; readonly text: string };
}

type Claims = Readonly<Record<string, unknown>>;

const model = {
  /** The state of the last render (always `auth.state` then). */
  state: auth.state as AuthState,
  busy: new Set<Action>(),
  /** The failure of the last action the user started (cleared by the next action or by dismissing). */
  actionError: undefined as ShownError | undefined,
  /** A failure carried by the state, once dismissed, stays hidden until a different one arrives. */
  dismissedStateError: undefined as unknown,
  lastCall: undefined as ApiCall | undefined,
  notice: undefined as string | undefined,
  /** What the step-up route asked for (RFC 9470), after it answered `insufficient_user_authentication`. */
  stepUp: undefined as { readonly acrValues?: string; readonly maxAge?: number } | undefined,
};

const app = document.getElementById('app') as HTMLElement;
let noticeTimer: number | undefined;

// ---------------------------------------------------------------------------------------------
// Errors

function describe(err: unknown): ShownError {
  if (err instanceof OAuthError) {
    return {
      code: err.code,
      description: err.errorDescription || err.message,
      ...(err.status !== undefined ? { status: err.status } : {}),
      ...(err.error && err.error !== err.code ? { raw: err.error } : {}),
    };
  }
  if (err instanceof TypeError) return { code: 'network', description: err.message || 'The request failed.' };
  return { code: 'unexpected', description: err instanceof Error ? err.message : String(err) };
}

function stateError(state: AuthState): OAuthError | undefined {
  return state.error;
}

/** The one error the page shows, if any: the last action's, else the state's (unless dismissed). */
function shownError(): { error: ShownError; tone: 'danger' | 'warning'; fromState: boolean } | undefined {
  if (model.actionError) return { error: model.actionError, tone: 'danger', fromState: false };
  const err = stateError(model.state);
  if (!err || (err === model.dismissedStateError && model.state.status !== 'error')) return undefined;
  // signedIn + error: a transient failure that kept the session (it is retried).
  return { error: describe(err), tone: model.state.status === 'signedIn' ? 'warning' : 'danger', fromState: true };
}

function dismissError(): void {
  model.actionError = undefined;
  model.dismissedStateError = stateError(model.state);
  render();
}

// ---------------------------------------------------------------------------------------------
// Actions

async function run(action: Action, task: () => Promise<void>): Promise<void> {
  if (model.busy.has(action)) return;
  model.busy.add(action);
  model.actionError = undefined;
  render();
  try {
    await task();
  } catch (err) {
    if (!(err instanceof OAuthError)) console.error(err);
    model.actionError = { ...describe(err), action };
  } finally {
    model.busy.delete(action);
    render();
  }
}

const login = (): Promise<void> => run('login', () => auth.login({ returnTo: location.pathname }));
// Called in the click itself: loginPopup() opens its window before any await, so popup blockers allow it.
const loginPopup = (): Promise<void> => run('login-popup', () => auth.loginPopup());
const logout = (): Promise<void> => run('logout', () => auth.logout({ endSession: true }));

const refreshNow = (): Promise<void> =>
  run('refresh', async () => {
    await auth.getAccessToken({ forceRefresh: true }); // the token itself is never shown or kept
    showNotice('Access token refreshed.');
  });

function callApi(action: Action, label: string, url: string, noteFor?: (body: unknown) => ApiCall['note']): Promise<void> {
  return run(action, async () => {
    model.lastCall = { label, url, pending: true };
    render();
    const started = performance.now();
    try {
      const response = await auth.fetch(url, { headers: { accept: 'application/json' } });
      const text = await response.text();
      let body = text;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
        body = JSON.stringify(parsed, null, 2);
      } catch {
        // not JSON: show it as it came (bounded)
        body = text.length > 10_000 ? `${text.slice(0, 10_000)}…` : text;
      }
      const note = response.ok && noteFor ? noteFor(parsed) : undefined;
      model.lastCall = { label, url, pending: false, status: response.status, body, ms: performance.now() - started, ...(note ? { note } : {}) };
    } catch (err) {
      const shown = describe(err);
      // The resource wants a stronger sign-in: offer it, with what the resource asked for.
      if (err instanceof OAuthError && err.code === 'insufficient_user_authentication') {
        model.stepUp = { ...(err.acrValues !== undefined && { acrValues: err.acrValues }), ...(err.maxAge !== undefined && { maxAge: err.maxAge }) };
      }
      model.lastCall = {
        label,
        url,
        pending: false,
        ...(shown.status !== undefined ? { status: shown.status } : {}),
        body: JSON.stringify({ error: shown.code, error_description: shown.description }, null, 2),
        ms: performance.now() - started,
      };
      throw err;
    }
  });
}

const callProtected = (): Promise<void> => callApi('call-api', 'Protected API', `${apiUrl}me`);
const callReports = (url: string): Promise<void> =>
  callApi('call-reports', 'Reports API', url, (body) => {
    const aud = body && typeof body === 'object' ? (body as { aud?: unknown }).aud : undefined;
    return { tone: 'ok', text: `A token of its own, issued for ${String(aud)} only: the protected API's token never comes here.` };
  });
const callStepUp = (): Promise<void> => callApi('call-step-up', 'Step-up route', `${apiUrl}step-up`);
/** RFC 9470 round trip: sign in again with the `acr_values` and `max_age` the resource named. */
const stepUpLogin = (): Promise<void> => run('step-up-login', () => auth.login({ ...model.stepUp, returnTo: location.pathname }));
const callPublic = (): Promise<void> => callApi('call-public', 'Public API', `${apiUrl}public`);
const callOther = (): Promise<void> =>
  callApi('call-other', 'Another origin', `${otherUrl}echo`, (body) => {
    const seen = body && typeof body === 'object' ? (body as { authorization?: unknown }).authorization : undefined;
    return seen === null || seen === undefined
      ? { tone: 'ok', text: 'No Authorization header was sent: this origin is not a configured resource.' }
      : { tone: 'bad', text: `This origin received an Authorization header (${String(seen)}).` };
  });

function showNotice(text: string): void {
  model.notice = text;
  window.clearTimeout(noticeTimer);
  noticeTimer = window.setTimeout(() => {
    model.notice = undefined;
    render();
  }, 4000);
}

// ---------------------------------------------------------------------------------------------
// Formatting

const STATUS_LABEL: Record<AuthState['status'], string> = {
  loading: 'Checking for a session',
  signedOut: 'Not signed in',
  authorizing: 'Redirecting to the authorization server',
  exchanging: 'Exchanging the authorization code',
  signedIn: 'Signed in',
  refreshing: 'Renewing the access token',
  error: 'Sign-in failed',
};

const ACTION_FAILED: Record<Action | 'init', string> = {
  init: 'The session could not be restored',
  login: 'Sign-in could not start',
  'login-popup': 'The popup sign-in did not complete',
  logout: 'Sign-out failed',
  refresh: 'The token could not be refreshed',
  'call-api': 'The protected API call failed',
  'call-public': 'The public API call failed',
  'call-reports': 'The reports API call failed',
  'call-other': 'The call to the other origin failed',
  'call-step-up': 'The step-up route refused the sign-in',
  'step-up-login': 'The stronger sign-in could not start',
};

const TIME_CLAIMS = new Set(['iat', 'exp', 'auth_time', 'nbf', 'updated_at']);
const CLAIM_ORDER = ['sub', 'name', 'given_name', 'family_name', 'preferred_username', 'email', 'email_verified', 'iss', 'aud', 'azp', 'sid', 'auth_time', 'iat', 'exp'];

function sortedClaims(user: Claims): [string, unknown][] {
  const rank = (key: string): number => {
    const i = CLAIM_ORDER.indexOf(key);
    return i === -1 ? CLAIM_ORDER.length : i;
  };
  return Object.entries(user).sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

function claimValue(key: string, value: unknown): Node[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const out: Node[] = [h('code', null, text ?? String(value))];
  if (TIME_CLAIMS.has(key) && typeof value === 'number') {
    out.push(h('span', { class: 'claim-hint' }, new Date(value * 1000).toLocaleString()));
  }
  return out;
}

const secondsLeft = (expiresAt: number): number => Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));

function countdownText(state: AuthState): string {
  if (state.status !== 'signedIn' && state.status !== 'refreshing') return '';
  const s = secondsLeft(state.expiresAt);
  return state.status === 'refreshing' ? `refreshing… (expires in ${s}s)` : `access token expires in ${s}s`;
}

function displayName(user: Claims): string {
  for (const key of ['name', 'preferred_username', 'nickname', 'email', 'sub']) {
    const v = user[key];
    if (typeof v === 'string' && v) return v;
  }
  return 'Signed-in user';
}

function initials(name: string): string {
  const parts = name.replace(/@.*/, '').split(/[\s._-]+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Views

function button(
  label: string,
  opts: { testid: string; action?: Action; onClick: () => void; variant?: 'primary' | 'secondary' | 'ghost' | 'danger'; ico?: readonly string[]; busyLabel?: string },
): HTMLButtonElement {
  const busy = opts.action !== undefined && model.busy.has(opts.action);
  return h(
    'button',
    {
      type: 'button',
      class: `button button-${opts.variant ?? 'secondary'}${busy ? ' is-busy' : ''}`,
      'data-testid': opts.testid,
      'aria-busy': busy ? 'true' : undefined,
      disabled: busy,
      onclick: () => opts.onClick(),
    },
    busy ? h('span', { class: 'spinner spinner-sm', 'aria-hidden': 'true' }) : opts.ico ? icon(opts.ico) : null,
    h('span', null, busy && opts.busyLabel ? opts.busyLabel : label),
  );
}

function header(state: AuthState): HTMLElement {
  const user = state.user as Claims | undefined;
  return h(
    'header',
    { class: 'topbar' },
    h(
      'div',
      { class: 'topbar-inner' },
      h('a', { class: 'brand', href: '/' }, h('img', { src: '/favicon.svg', alt: '', width: 28, height: 28 }), h('span', null, 'browser-oauth demo')),
      // The same session on the React, Vue and <script> pages of the demo.
      h(
        'nav',
        { class: 'topbar-nav', 'aria-label': 'Demo pages' },
        h('a', { href: '/', 'aria-current': 'page' }, 'TypeScript'),
        h('a', { href: '/react.html', class: 'muted' }, 'React'),
        h('a', { href: '/vue.html', class: 'muted' }, 'Vue'),
        h('a', { href: '/script-tag.html', class: 'muted' }, '<script>'),
      ),
      h(
        'div',
        { class: 'topbar-right' },
        user ? h('span', { class: 'topbar-user' }, h('span', { class: 'avatar avatar-sm', 'aria-hidden': 'true' }, initials(displayName(user))), h('span', { class: 'topbar-user-name' }, displayName(user))) : null,
        h('span', { class: `pill pill-${state.status}`, 'data-testid': 'status', title: STATUS_LABEL[state.status], role: 'status' }, state.status),
      ),
    ),
  );
}

function alertView(): HTMLElement | null {
  const shown = shownError();
  if (!shown || model.state.status === 'error') return null; // the error state shows it in its own card
  const { error, tone, fromState } = shown;
  const title =
    tone === 'warning'
      ? 'The session is kept, but the last renewal failed'
      : fromState && model.state.status === 'signedOut'
        ? 'Your session has ended'
        : ACTION_FAILED[error.action ?? 'init'];
  return h(
    'div',
    { class: `alert alert-${tone}`, role: 'alert', 'data-testid': 'error', 'data-code': error.code },
    icon(icons.alert, 'icon alert-icon'),
    h(
      'div',
      { class: 'alert-body' },
      h('strong', { class: 'alert-title' }, title),
      h('p', { class: 'alert-text' }, h('code', { class: 'error-code-chip' }, error.code), ' ', error.description),
      error.status !== undefined || error.raw ? h('p', { class: 'alert-meta' }, [error.status !== undefined ? `HTTP ${error.status}` : '', error.raw ? ` · error=${error.raw}` : ''].join('')) : null,
    ),
    h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Dismiss', 'data-testid': 'dismiss-error', onclick: dismissError }, icon(icons.close)),
  );
}

function noticeView(): HTMLElement | null {
  if (!model.notice) return null;
  return h('div', { class: 'toast', role: 'status', 'data-testid': 'notice' }, icon(icons.check), h('span', null, model.notice));
}

function loadingView(text: string, sub: string, extra?: Node): HTMLElement {
  return h('section', { class: 'card center-card' }, h('div', { class: 'spinner', 'aria-hidden': 'true' }), h('h1', { class: 'center-title' }, text), h('p', { class: 'muted' }, sub), extra ?? null);
}

function feature(ico: readonly string[], title: string, text: string): HTMLElement {
  return h('div', { class: 'feature' }, h('div', { class: 'feature-icon' }, icon(ico)), h('h3', null, title), h('p', null, text));
}

function signedOutView(): HTMLElement {
  return h(
    'div',
    { class: 'stack' },
    h(
      'section',
      { class: 'hero card' },
      h('p', { class: 'eyebrow' }, 'OAuth 2.0 · OpenID Connect · PKCE'),
      h('h1', { class: 'hero-title' }, 'Sign in from the browser, ', h('span', { class: 'accent' }, 'safely.')),
      h(
        'p',
        { class: 'hero-text' },
        'This single-page app uses browser-oauth to sign you in at the authorization server, keep the session alive across tabs, and call an API — without its tokens ever reaching a server that must not see them.',
      ),
      h(
        'div',
        { class: 'hero-actions' },
        button('Sign in', { testid: 'sign-in', action: 'login', onClick: () => void login(), variant: 'primary', ico: icons.login, busyLabel: 'Redirecting…' }),
        button('Sign in with a popup', { testid: 'sign-in-popup', action: 'login-popup', onClick: () => void loginPopup(), ico: icons.login, busyLabel: 'Waiting for the popup…' }),
        h('span', { class: 'muted small' }, 'Demo accounts: ', h('code', null, 'alice'), ' / ', h('code', null, 'alice')),
      ),
    ),
    h(
      'section',
      { class: 'features' },
      feature(icons.shield, 'Authorization code + PKCE', 'State, nonce and issuer are checked on the way back; a replayed callback is refused.'),
      feature(icons.tabs, 'One session, every tab', 'Tokens live in IndexedDB. Renewal runs once under a Web Lock and is announced to every tab.'),
      feature(icons.lock, 'Tokens stay on their resources', 'auth.fetch adds the token only for configured resource URLs. Everyone else gets a plain request.'),
    ),
  );
}

function errorStateView(): HTMLElement {
  const shown = shownError();
  const error = shown?.error ?? { code: 'unexpected', description: 'The sign-in did not complete.' };
  return h(
    'section',
    { class: 'card center-card error-card', role: 'alert', 'data-testid': 'error', 'data-code': error.code },
    h('div', { class: 'error-badge', 'aria-hidden': 'true' }, icon(icons.alert)),
    h('h1', { class: 'center-title' }, 'Sign-in didn’t complete'),
    h('p', { class: 'error-code' }, h('code', { class: 'error-code-chip' }, error.code)),
    h('p', { class: 'muted error-description' }, error.description),
    error.status !== undefined ? h('p', { class: 'alert-meta' }, `HTTP ${error.status}`) : null,
    h('div', { class: 'center-actions' }, button('Try again', { testid: 'sign-in', action: 'login', onClick: () => void login(), variant: 'primary', ico: icons.login, busyLabel: 'Redirecting…' })),
  );
}

function profileCard(user: Claims): HTMLElement {
  const name = displayName(user);
  const email = typeof user.email === 'string' ? user.email : '';
  return h(
    'section',
    { class: 'card profile' },
    h('div', { class: 'avatar', 'aria-hidden': 'true' }, initials(name)),
    h(
      'div',
      { class: 'profile-text' },
      h('h2', { class: 'profile-name', 'data-testid': 'user-name' }, name),
      h('p', { class: 'profile-email', 'data-testid': 'user-email' }, email || 'no email claim'),
      typeof user.sub === 'string' ? h('p', { class: 'profile-sub' }, 'sub ', h('code', null, user.sub)) : null,
    ),
  );
}

function sessionCard(state: Extract<AuthState, { status: 'signedIn' | 'refreshing' }>): HTMLElement {
  const refreshing = state.status === 'refreshing';
  return h(
    'section',
    { class: 'card session' },
    h('div', { class: 'card-head' }, h('h2', null, 'Session'), h('span', { class: 'muted small' }, 'renewed automatically')),
    h(
      'div',
      { class: `countdown${refreshing ? ' is-refreshing' : ''}` },
      refreshing ? h('span', { class: 'spinner spinner-sm', 'aria-hidden': 'true' }) : icon(icons.clock),
      h('span', { class: 'countdown-text', 'data-testid': 'expires-in', 'aria-live': 'off' }, countdownText(state)),
    ),
    h('p', { class: 'muted small', 'data-role': 'expires-at' }, `Expires at ${new Date(state.expiresAt).toLocaleTimeString()}`),
    h(
      'p',
      { class: `binding binding-${state.tokenType}`, 'data-testid': 'token-binding', 'data-token-type': state.tokenType },
      state.tokenType === 'dpop'
        ? 'DPoP-bound: the tokens only work with this browser\u2019s non-extractable key'
        : 'Bearer: whoever holds the token can use it (the AS does not offer DPoP)',
    ),
    h(
      'div',
      { class: 'button-row' },
      button('Refresh now', { testid: 'refresh', action: 'refresh', onClick: () => void refreshNow(), ico: icons.refresh, busyLabel: 'Refreshing…' }),
      button('Sign out', { testid: 'sign-out', action: 'logout', onClick: () => void logout(), variant: 'ghost', ico: icons.logout, busyLabel: 'Signing out…' }),
    ),
  );
}

function statusTone(status: number | undefined): string {
  if (status === undefined) return 'bad';
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 400) return 'bad';
  return 'neutral';
}

function apiCard(): HTMLElement {
  const call = model.lastCall;
  let result: HTMLElement;
  if (!call) {
    result = h('div', { class: 'result result-empty' }, h('p', null, 'Pick a request above. The response appears here.'));
  } else {
    result = h(
      'div',
      { class: 'result' },
      h(
        'div',
        { class: 'result-head' },
        h('span', { class: 'method' }, 'GET'),
        h('span', { class: 'result-url', title: call.url }, call.url),
        call.pending
          ? h('span', { class: 'badge badge-neutral' }, h('span', { class: 'spinner spinner-sm', 'aria-hidden': 'true' }), 'sending')
          : h('span', { class: `badge badge-${statusTone(call.status)}`, 'data-testid': 'api-status' }, call.status !== undefined ? String(call.status) : 'failed'),
        call.ms !== undefined && !call.pending ? h('span', { class: 'muted small' }, `${Math.round(call.ms)} ms`) : null,
      ),
      call.note ? h('p', { class: `result-note note-${call.note.tone}` }, icon(call.note.tone === 'ok' ? icons.check : icons.alert), h('span', null, call.note.text)) : null,
      call.pending ? null : h('pre', { class: 'result-body', 'data-testid': 'api-result', tabindex: 0 }, call.body ?? ''),
    );
  }
  return h(
    'section',
    { class: 'card api' },
    h('div', { class: 'card-head' }, h('h2', null, 'Call an API'), h('span', { class: 'muted small' }, 'via auth.fetch()')),
    h(
      'div',
      { class: 'api-actions' },
      apiButton('call-api', 'Call protected API', `${apiUrl}me`, 'With the access token', icons.lock, callProtected, 'primary'),
      reportsUrl ? apiButton('call-reports', 'Call reports API', `${reportsUrl}summary`, 'Its own token (RFC 8707)', icons.lock, () => callReports(`${reportsUrl}summary`)) : null,
      apiButton('call-step-up', 'Call step-up route', `${apiUrl}step-up`, 'Needs a stronger sign-in (RFC 9470)', icons.lock, callStepUp),
      apiButton('call-public', 'Call public API', `${apiUrl}public`, 'Open endpoint, same resource', icons.unlock, callPublic),
      apiButton('call-other', 'Call another origin', `${otherUrl}echo`, 'Never gets a token', icons.globe, callOther),
    ),
    model.stepUp
      ? h(
          'p',
          { class: 'result-note note-bad' },
          icon(icons.alert),
          h('span', null, `The API asks for a stronger sign-in (acr_values ${model.stepUp.acrValues ?? '—'}, max_age ${model.stepUp.maxAge ?? '—'} s). `),
          h('button', { type: 'button', class: 'button button-primary', 'data-testid': 'step-up-login', onclick: () => void stepUpLogin() }, 'Sign in again, stronger'),
        )
      : null,
    result,
  );
}

function apiButton(action: Action, label: string, url: string, hint: string, ico: readonly string[], onClick: () => Promise<void>, variant: 'primary' | 'secondary' = 'secondary'): HTMLElement {
  const busy = model.busy.has(action);
  return h(
    'button',
    { type: 'button', class: `api-button api-button-${variant}`, 'data-testid': action, title: `GET ${url}`, disabled: busy, 'aria-busy': busy ? 'true' : undefined, onclick: () => void onClick() },
    h('span', { class: 'api-button-icon' }, busy ? h('span', { class: 'spinner spinner-sm', 'aria-hidden': 'true' }) : icon(ico)),
    h('span', { class: 'api-button-text' }, h('span', { class: 'api-button-label' }, label), h('span', { class: 'api-button-hint' }, hint)),
  );
}

function claimsCard(user: Claims): HTMLElement {
  const rows = sortedClaims(user).map(([key, value]) => h('tr', { 'data-claim': key }, h('th', { scope: 'row' }, key), h('td', null, claimValue(key, value))));
  return h(
    'section',
    { class: 'card claims' },
    h('div', { class: 'card-head' }, h('h2', null, 'ID token claims'), h('span', { class: 'muted small' }, `${rows.length} validated claims`)),
    h('div', { class: 'table-wrap' }, h('table', { class: 'claims-table', 'data-testid': 'claims' }, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Claim'), h('th', { scope: 'col' }, 'Value'))), h('tbody', null, rows))),
  );
}

function signedInView(state: Extract<AuthState, { status: 'signedIn' | 'refreshing' }>): HTMLElement {
  const user = state.user as Claims;
  return h(
    'div',
    { class: 'dashboard' },
    h('div', { class: 'column column-side' }, profileCard(user), sessionCard(state)),
    h('div', { class: 'column column-main' }, apiCard()),
    claimsCard(user),
  );
}

function mainView(state: AuthState): HTMLElement {
  switch (state.status) {
    case 'loading':
      return loadingView('Checking your session…', 'Restoring it from this browser’s storage.');
    case 'authorizing':
      if (model.busy.has('login-popup')) return loadingView('Signing in in the popup…', 'Finish signing in in the window that opened; this page follows.');
      return loadingView(
        'Redirecting to sign in…',
        'You are being sent to the authorization server.',
        h('p', { class: 'small' }, h('a', { href: location.pathname }, 'Not redirected? Reload the page')),
      );
    case 'exchanging':
      return loadingView('Completing sign-in…', 'Exchanging the authorization code for tokens.');
    case 'signedOut':
      return signedOutView();
    case 'error':
      return errorStateView();
    case 'signedIn':
    case 'refreshing':
      return signedInView(state);
  }
}

function footer(): HTMLElement {
  const item = (label: string, value: string): HTMLElement => h('div', { class: 'footer-item' }, h('dt', null, label), h('dd', null, h('code', null, value)));
  return h(
    'footer',
    { class: 'footer' },
    h('dl', { class: 'footer-config' }, item('Issuer', issuer), item('Client', clientId), item('Resources', reportsUrl ? `${apiUrl} · ${reportsUrl}` : apiUrl)),
    h('p', { class: 'muted small' }, 'Demo of the browser-oauth SDK. Tokens never appear on this page.'),
  );
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** Re-renders the whole page; keeps keyboard focus on the same control across renders. */
function render(): void {
  const active = document.activeElement;
  const focusKey = active instanceof HTMLElement && app.contains(active) ? active.dataset.testid : undefined;

  const state = (model.state = auth.state);
  app.replaceChildren(header(state), h('main', { class: 'container' }, alertView(), mainView(state)), footer(), noticeView() ?? '');
  document.body.dataset.status = state.status;
  document.title = state.status === 'signedIn' || state.status === 'refreshing' ? `${displayName(state.user as Claims)} · browser-oauth demo` : 'browser-oauth demo';

  if (focusKey) {
    const again = app.querySelector<HTMLElement>(`[data-testid="${focusKey}"]`);
    again?.focus({ preventScroll: true });
  }
}

/** Once a second: only the countdown text changes. */
function tick(): void {
  const el = app.querySelector<HTMLElement>('[data-testid="expires-in"]');
  if (el) el.textContent = countdownText(model.state);
}

auth.subscribe(() => render()); // render() reads auth.state

render();
window.setInterval(tick, 1000);
document.addEventListener('visibilitychange', tick);

auth.init().then(
  () => render(),
  (err: unknown) => {
    if (!(err instanceof OAuthError)) console.error(err);
    model.actionError = { ...describe(err), action: undefined };
    render();
  },
);
