// Presentational pieces of the React page, in the main page's classes (demo/src/style.css).
// None of them call useOAuth(): the Suspense and error-boundary fallbacks render them too, and
// there the hook would suspend or throw again.

import { Component, type ReactNode } from 'react';
import type { AuthStatus, OAuthClient, User } from 'browser-oauth';
import { apiUrl, clientId, issuer } from '../config';
import { icons } from '../dom';
import { describe, displayName, initials, STATUS_LABEL } from '../present';

export { describe, displayName, initials, type Shown } from '../present';

export function Icon({ name, className = 'icon' }: { name: keyof typeof icons; className?: string }) {
  return (
    <svg viewBox="0 0 24 24" className={className} aria-hidden="true">
      {icons[name].map((d) => (
        <path key={d} d={d} />
      ))}
    </svg>
  );
}

export const Spinner = ({ small = false }: { small?: boolean }) => <span className={small ? 'spinner spinner-sm' : 'spinner'} aria-hidden="true" />;

/** The demo's four pages, one session: the same links on each (hidden on phones, like the user name). */
export function PageNav({ current }: { current: '/' | '/react.html' | '/vue.html' | '/script-tag.html' }) {
  const link = (href: typeof current, label: string) => (
    <a href={href} aria-current={href === current ? 'page' : undefined} className={href === current ? undefined : 'muted'}>
      {label}
    </a>
  );
  return (
    <nav className="topbar-user" aria-label="Demo pages">
      {link('/', 'TypeScript')}
      {link('/react.html', 'React')}
      {link('/vue.html', 'Vue')}
      {link('/script-tag.html', '<script>')}
    </nav>
  );
}

/** The page frame: header with the status pill, content, footer. */
export function Layout({ status, user, children }: { status: AuthStatus; user?: User | undefined; children: ReactNode }) {
  return (
    <>
      <header className="topbar">
        <div className="topbar-inner">
          <a className="brand" href="/">
            <img src="/favicon.svg" alt="" width={28} height={28} />
            <span>browser-oauth demo</span>
            {/* topbar-user: hidden on phones, where the header has no room for it */}
            <span className="eyebrow topbar-user">React</span>
          </a>
          <PageNav current="/react.html" />
          <div className="topbar-right">
            {user && (
              <span className="topbar-user">
                <span className="avatar avatar-sm" aria-hidden="true">
                  {initials(displayName(user))}
                </span>
                <span className="topbar-user-name">{displayName(user)}</span>
              </span>
            )}
            <span className={`pill pill-${status}`} data-testid="status" title={STATUS_LABEL[status]} role="status">
              {status}
            </span>
          </div>
        </div>
      </header>
      <main className="container">{children}</main>
      <footer className="footer">
        <dl className="footer-config">
          {(
            [
              ['Issuer', issuer],
              ['Client', clientId],
              ['Resource', apiUrl],
            ] as const
          ).map(([label, value]) => (
            <div className="footer-item" key={label}>
              <dt>{label}</dt>
              <dd>
                <code>{value}</code>
              </dd>
            </div>
          ))}
        </dl>
        <p className="muted small">React 19 in StrictMode, with browser-oauth/react. Tokens never appear on this page.</p>
      </footer>
    </>
  );
}

export function LoadingCard({ title, text, children }: { title: string; text: string; children?: ReactNode }) {
  return (
    <section className="card center-card">
      <Spinner />
      <h1 className="center-title">{title}</h1>
      <p className="muted">{text}</p>
      {children}
    </section>
  );
}

/** The card of the `error` state, rendered by the error boundary that `throwErrors` reaches. */
export function ErrorCard({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const shown = describe(error);
  return (
    <section className="card center-card error-card" role="alert" data-testid="error" data-code={shown.code}>
      <div className="error-badge" aria-hidden="true">
        <Icon name="alert" />
      </div>
      <h1 className="center-title">Sign-in didn’t complete</h1>
      <p className="error-code">
        <code className="error-code-chip">{shown.code}</code>
      </p>
      <p className="muted error-description">{shown.description}</p>
      {shown.status !== undefined && <p className="alert-meta">HTTP {shown.status}</p>}
      <div className="center-actions">
        <button type="button" className="button button-primary" data-testid="sign-in" onClick={onRetry}>
          <Icon name="login" />
          <span>Try again</span>
        </button>
      </div>
    </section>
  );
}

/**
 * Catches what `<OAuthProvider throwErrors>` rethrows (and any other render error). While it shows
 * the fallback it watches the client, and steps aside as soon as the state is no longer `error`
 * (a retry, or a sign-in in another tab).
 */
export class AuthErrorBoundary extends Component<{ client: OAuthClient; fallback: (error: unknown) => ReactNode; children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: undefined };
  private unsubscribe: (() => void) | undefined;

  static getDerivedStateFromError(error: unknown): { error: unknown } {
    return { error: error ?? new Error('unknown error') };
  }

  override componentDidCatch(): void {
    this.unsubscribe ??= this.props.client.subscribe((state) => {
      if (state.status === 'error') return;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      this.setState({ error: undefined });
    });
  }

  override componentWillUnmount(): void {
    this.unsubscribe?.();
  }

  override render(): ReactNode {
    return this.state.error === undefined ? this.props.children : this.props.fallback(this.state.error);
  }
}
