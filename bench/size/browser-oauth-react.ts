// browser-oauth core + React adapter ("./react"). `react` itself is left external for this entry
// only: an app that uses the adapter already ships React, and the budget is what the adapter adds.
// <OAuthProvider> starts the client (init(): session restore, callback completion).
import { createElement, useEffect } from 'react';
import { createOAuthClient } from '../../src/index.ts';
import { OAuthProvider, useOAuth } from '../../src/react/index.ts';

const auth = createOAuthClient({
  issuer: 'https://id.example.com',
  clientId: 'spa',
  redirectUri: 'https://app.example.com/callback',
  scope: 'openid profile offline_access',
  resources: ['https://api.example.com/'],
  postLogoutRedirectUri: 'https://app.example.com/',
});

function Profile() {
  const { status, user, isAuthenticated, login, logout, getAccessToken, fetch } = useOAuth();
  useEffect(() => {
    if (status === 'signedOut') void login({ returnTo: '/' }); // redirect login with PKCE
    if (!isAuthenticated) return;
    void (async () => {
      await getAccessToken({ forceRefresh: true }); // renewal
      await (await fetch('https://api.example.com/me')).json(); // API call with the token
    })();
  }, [status, isAuthenticated]);
  const onClick = () => void logout({ revoke: true, endSession: true });
  return createElement('button', { onClick }, String(user?.name ?? status));
}

export function App() {
  return createElement(OAuthProvider, { client: auth }, createElement(Profile));
}
