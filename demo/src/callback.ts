// The redirect URI: B→C→D. Validates the callback, exchanges the code, then leaves this URL
// (it holds the code) with location.replace so that Back never returns to it.

import { OAuthError } from 'browser-oauth';
import { auth } from './auth';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from callback.html`);
  return el as T;
};

/** The SDK only returns validated same-origin paths; refuse anything else anyway. */
const safePath = (path: string): string => (path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\') ? path : '/');

function showFailure(err: unknown): void {
  const code = err instanceof OAuthError ? err.code : 'unexpected';
  const description =
    err instanceof OAuthError
      ? (err.errorDescription ?? err.message)
      : 'Something unexpected went wrong while completing the sign-in.';
  // Untrusted text from the AS and the URL: textContent only, never HTML.
  if (code === 'access_denied') $('failed-title').textContent = 'Sign-in was cancelled';
  $('failed-code').textContent = code;
  $('failed-description').textContent = description;
  const failed = $('failed');
  failed.dataset.code = code;
  $('pending').hidden = true;
  failed.hidden = false;
  document.title = 'Sign-in failed · browser-oauth demo';
  // The code in the address bar is spent or forged either way: drop it from view and history.
  history.replaceState(null, '', location.pathname);
}

async function complete(): Promise<void> {
  try {
    const { returnTo, popup } = await auth.handleRedirect();
    // A popup's sign-in: the SDK told the page that opened it and closed this window; stay here.
    if (!popup) location.replace(safePath(returnTo));
  } catch (err) {
    if (!(err instanceof OAuthError)) console.error(err);
    showFailure(err);
  }
}

void complete();
