// Everything on screen comes from useOAuth(): the state (which follows every other tab), the user's
// claims, and the client's methods. The page never sees a token.

import { useCallback, useEffect, useState } from 'react';
import { useOAuth, type UseOAuthResult } from 'browser-oauth/react';
import { apiUrl } from '../config';
import { callApi, type Call } from '../present';
import { PAGE } from './auth';
import { describe, displayName, Icon, initials, Layout, LoadingCard, Spinner, type Shown } from './ui';

type Session = Extract<UseOAuthResult, { isAuthenticated: true }>;

/** Runs a user action; its failure is shown until the next action or a dismissal. */
function useAction(): [busy: string | undefined, error: Shown | undefined, run: (name: string, task: () => Promise<unknown>) => void, dismiss: () => void] {
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<Shown>();
  const run = useCallback((name: string, task: () => Promise<unknown>) => {
    setBusy(name);
    setError(undefined);
    task().then(
      () => setBusy(undefined),
      (err: unknown) => {
        setBusy(undefined);
        setError(describe(err));
      },
    );
  }, []);
  return [busy, error, run, useCallback(() => setError(undefined), [])];
}

export function App() {
  const auth = useOAuth();
  const [busy, actionError, run, dismiss] = useAction();
  // No returnTo: login() comes back to this address (query and hash included); the provider puts it back.
  const login = () => run('login', () => auth.login());
  // In the click itself: loginPopup() opens its window before any await (popup blockers allow only that).
  const loginPopup = () => run('login-popup', () => auth.loginPopup());

  useEffect(() => {
    document.title = auth.isAuthenticated ? `${displayName(auth.user)} · React · browser-oauth demo` : 'React · browser-oauth demo';
  }, [auth.isAuthenticated, auth.user]);

  // A failure the state carries: a renewal that failed but kept the session, or why it ended.
  const stateError = auth.status === 'error' ? undefined : auth.state.error; // `error` itself goes to the boundary
  const shown = actionError ?? (stateError && describe(stateError));

  let view;
  switch (auth.status) {
    case 'loading':
    case 'exchanging':
      view = <LoadingCard title="Completing sign-in…" text="Exchanging the authorization code for tokens." />;
      break;
    case 'authorizing':
      view =
        busy === 'login-popup' ? (
          <LoadingCard title="Signing in in the popup…" text="Finish signing in in the window that opened; this page follows." />
        ) : (
          <LoadingCard title="Redirecting to sign in…" text="You are being sent to the authorization server." />
        );
      break;
    case 'error': // only without throwErrors: this page's provider rethrows it to the error boundary
    case 'signedOut':
      view = <SignedOut onLogin={login} onLoginPopup={loginPopup} busy={busy === 'login' || busy === 'login-popup'} />;
      break;
    case 'signedIn':
    case 'refreshing':
      view = <SignedIn auth={auth} busy={busy} run={run} />;
      break;
  }

  return (
    <Layout status={auth.status} user={auth.user}>
      {shown && (
        <div className={`alert alert-${auth.status === 'signedIn' && !actionError ? 'warning' : 'danger'}`} role="alert" data-testid="error" data-code={shown.code}>
          <Icon name="alert" className="icon alert-icon" />
          <div className="alert-body">
            <strong className="alert-title">{actionError ? 'That did not work' : auth.isAuthenticated ? 'The session is kept, but the last renewal failed' : 'Your session has ended'}</strong>
            <p className="alert-text">
              <code className="error-code-chip">{shown.code}</code> {shown.description}
            </p>
          </div>
          {actionError && (
            <button type="button" className="icon-button" aria-label="Dismiss" onClick={dismiss}>
              <Icon name="close" />
            </button>
          )}
        </div>
      )}
      {view}
    </Layout>
  );
}

function SignedOut({ onLogin, onLoginPopup, busy }: { onLogin: () => void; onLoginPopup: () => void; busy: boolean }) {
  return (
    <div className="stack">
      <section className="hero card">
        <p className="eyebrow">React 19 · StrictMode · useOAuth()</p>
        <h1 className="hero-title">
          The same session, <span className="accent">as a hook.</span>
        </h1>
        <p className="hero-text">
          This page renders the client’s state with <code>useOAuth()</code> inside <code>&lt;StrictMode&gt;</code>. It completes its own sign-in
          (effects run twice, the code is exchanged once), and it follows every other tab: sign in or out on any demo page and this one changes too.
        </p>
        <div className="hero-actions">
          <button type="button" className="button button-primary" data-testid="sign-in" onClick={onLogin} disabled={busy} aria-busy={busy || undefined}>
            {busy ? <Spinner small /> : <Icon name="login" />}
            <span>{busy ? 'Redirecting…' : 'Sign in'}</span>
          </button>
          <button type="button" className="button button-secondary" data-testid="sign-in-popup" onClick={onLoginPopup} disabled={busy}>
            <Icon name="login" />
            <span>Sign in with a popup</span>
          </button>
          <span className="muted small">
            Demo account: <code>alice</code> / <code>alice</code>
          </span>
        </div>
      </section>
      <HookCard />
    </div>
  );
}

function SignedIn({ auth, busy, run }: { auth: Session; busy: string | undefined; run: (name: string, task: () => Promise<unknown>) => void }) {
  const email = typeof auth.user.email === 'string' ? auth.user.email : '';
  const name = displayName(auth.user);
  return (
    <div className="dashboard">
      <div className="column column-side">
        <section className="card profile">
          <div className="avatar" aria-hidden="true">
            {initials(name)}
          </div>
          <div className="profile-text">
            <h2 className="profile-name" data-testid="user-name">
              {name}
            </h2>
            <p className="profile-email" data-testid="user-email">
              {email || 'no email claim'}
            </p>
            {typeof auth.user.sub === 'string' && (
              <p className="profile-sub">
                sub <code>{auth.user.sub}</code>
              </p>
            )}
          </div>
        </section>
        <section className="card session">
          <div className="card-head">
            <h2>Session</h2>
            <span className="muted small">renewed automatically</span>
          </div>
          <Countdown />
          <div className="button-row">
            <button
              type="button"
              className="button button-ghost"
              data-testid="sign-out"
              disabled={busy === 'logout'}
              onClick={() => run('logout', () => auth.logout({ endSession: true, returnTo: PAGE }))}
            >
              {busy === 'logout' ? <Spinner small /> : <Icon name="logout" />}
              <span>{busy === 'logout' ? 'Signing out…' : 'Sign out'}</span>
            </button>
          </div>
        </section>
      </div>
      <div className="column column-main">
        <ApiCard fetch={auth.fetch} />
        <HookCard />
      </div>
    </div>
  );
}

/** Ticks every second; reads just what it shows through selectors (re-rendered when those change). */
function Countdown() {
  const expiresAt = useOAuth((a) => (a.isAuthenticated ? a.state.expiresAt : undefined));
  const refreshing = useOAuth((a) => a.status === 'refreshing');
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  if (expiresAt === undefined) return null;
  const seconds = Math.max(0, Math.floor((expiresAt - now) / 1000));
  return (
    <>
      <div className={`countdown${refreshing ? ' is-refreshing' : ''}`}>
        {refreshing ? <Spinner small /> : <Icon name="clock" />}
        <span className="countdown-text" data-testid="expires-in" aria-live="off">
          {refreshing ? `refreshing… (expires in ${seconds}s)` : `access token expires in ${seconds}s`}
        </span>
      </div>
      <p className="muted small">Expires at {new Date(expiresAt).toLocaleTimeString()}</p>
    </>
  );
}

function ApiCard({ fetch }: { fetch: Session['fetch'] }) {
  const url = `${apiUrl}me`;
  const [call, setCall] = useState<Call>();
  const send = async () => {
    setCall({ pending: true });
    setCall(await callApi(fetch, url));
  };
  const tone = call?.status === undefined ? 'bad' : call.status < 300 ? 'ok' : call.status >= 400 ? 'bad' : 'neutral';
  return (
    <section className="card api">
      <div className="card-head">
        <h2>Call the API</h2>
        <span className="muted small">via useOAuth().fetch</span>
      </div>
      <div className="button-row">
        <button type="button" className="api-button api-button-primary" data-testid="call-api" title={`GET ${url}`} disabled={call?.pending} onClick={() => void send()}>
          <span className="api-button-icon">{call?.pending ? <Spinner small /> : <Icon name="lock" />}</span>
          <span className="api-button-text">
            <span className="api-button-label">Call protected API</span>
            <span className="api-button-hint">GET {url} with the access token</span>
          </span>
        </button>
      </div>
      {!call ? (
        <div className="result result-empty">
          <p>The response appears here.</p>
        </div>
      ) : (
        <div className="result">
          <div className="result-head">
            <span className="method">GET</span>
            <span className="result-url" title={url}>
              {url}
            </span>
            {call.pending ? (
              <span className="badge badge-neutral">
                <Spinner small />
                sending
              </span>
            ) : (
              <span className={`badge badge-${tone}`} data-testid="api-status">
                {call.status ?? 'failed'}
              </span>
            )}
            {call.ms !== undefined && <span className="muted small">{Math.round(call.ms)} ms</span>}
          </div>
          {!call.pending && (
            <pre className="result-body" data-testid="api-result" tabIndex={0}>
              {call.body}
            </pre>
          )}
        </div>
      )}
    </section>
  );
}

const SNIPPET = `import { OAuthProvider, useOAuth } from 'browser-oauth/react';

root.render(
  <StrictMode>
    <OAuthProvider client={auth} suspense throwErrors>
      <App />
    </OAuthProvider>
  </StrictMode>,
);

function Profile() {
  const auth = useOAuth();
  if (!auth.isAuthenticated) return <SignIn login={auth.login} />;
  return <p>{auth.user.name}</p>; // narrowed: \`user\` is set
}`;

function HookCard() {
  return (
    <section className="card">
      <div className="card-head">
        <h2>How this page uses it</h2>
        <span className="muted small">browser-oauth/react</span>
      </div>
      <pre className="result-body">{SNIPPET}</pre>
    </section>
  );
}
