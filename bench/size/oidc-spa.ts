// oidc-spa (v10): framework-agnostic "oidc-spa/core" adapter. createOidc() completes the callback itself
// (oidcEarlyInit captures the response before the app loads); the redirect URI is the app's root.
import { createOidc, oidcEarlyInit } from 'oidc-spa/core';

export async function run(): Promise<unknown> {
  const { shouldLoadApp } = oidcEarlyInit({ BASE_URL: '/' });
  if (!shouldLoadApp) return;
  const oidc = await createOidc({
    issuerUri: 'https://id.example.com',
    clientId: 'spa',
    scopes: ['profile', 'offline_access'],
  });
  if (!oidc.isUserLoggedIn) return await oidc.login(); // redirect login with PKCE
  await oidc.renewTokens(); // renewal
  const { accessToken } = await oidc.getTokens();
  const me = await (await fetch('https://api.example.com/me', { headers: { Authorization: `Bearer ${accessToken}` } })).json();
  await oidc.logout({ redirectTo: 'home' });
  return me;
}
