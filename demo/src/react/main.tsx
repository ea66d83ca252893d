// The React page: React 19 in <StrictMode>, with browser-oauth/react. The provider starts the
// client (restores the session, completes the callback when the URL holds one, then puts the address
// login() was called from back in the address bar); `suspense` shows
// the fallback until that is done, and `throwErrors` sends a failed sign-in to the error boundary.

import { StrictMode, Suspense, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { OAuthError } from 'browser-oauth';
import { OAuthProvider } from 'browser-oauth/react';
import { App } from './App';
import { auth } from './auth';
import { AuthErrorBoundary, ErrorCard, Layout, LoadingCard } from './ui';

const retry = (): void => {
  // Not useOAuth(): inside the boundary's fallback the hook would rethrow the same error.
  auth.login().catch((err: unknown) => console.error(err));
};

/**
 * Counts the runs of a mount effect in `data-mount-effects` on <body>: 2 shows that StrictMode's
 * development double-run is on, which is what the tests need to see before they count code exchanges.
 */
function StrictModeProbe() {
  useEffect(() => {
    const data = document.body.dataset;
    data.mountEffects = String(Number(data.mountEffects ?? 0) + 1);
  }, []);
  return null;
}

const root = createRoot(document.getElementById('app')!, {
  // A failed sign-in is state the error boundary shows, not a bug: log only the unexpected.
  onCaughtError: (error, info) => {
    if (!(error instanceof OAuthError)) console.error(error, info.componentStack);
  },
});

root.render(
  <StrictMode>
    <StrictModeProbe />
    <OAuthProvider client={auth} suspense throwErrors>
      <AuthErrorBoundary
        client={auth}
        fallback={(error) => (
          <Layout status="error">
            <ErrorCard error={error} onRetry={retry} />
          </Layout>
        )}
      >
        <Suspense
          fallback={
            <Layout status="loading">
              <LoadingCard title="Checking your session…" text="Restoring it from this browser’s storage, or completing the sign-in." />
            </Layout>
          }
        >
          <App />
        </Suspense>
      </AuthErrorBoundary>
    </OAuthProvider>
  </StrictMode>,
);
