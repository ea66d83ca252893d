// browser-oauth core: a returning visit only (restore the session, renew, API call) through ".".
// What a signed-in page load fetches and runs; login, callback and logout are not called (issue 13).
import { createOAuthClient } from '../../src/index.ts';

export async function run(): Promise<unknown> {
  const auth = createOAuthClient({
    issuer: 'https://id.example.com',
    clientId: 'spa',
    redirectUri: 'https://app.example.com/callback',
    scope: 'openid profile offline_access',
    resources: ['https://api.example.com/'],
  });
  await auth.init(); // restores the session
  await auth.getAccessToken({ forceRefresh: true }); // renewal (refresh grant)
  return (await auth.fetch('https://api.example.com/me')).json(); // API call with the token
}
