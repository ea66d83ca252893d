import type { OAuthError } from './errors.js';
import type { AuthState, User } from './types.js';

/** What the machine needs to know of a stored session: never the tokens themselves. */
export interface SessionView {
  readonly user: User;
  readonly expiresAt: number;
  readonly tokenType: 'bearer' | 'dpop';
}

/**
 * Everything that can happen to a client. Events that carry `session` describe what storage holds
 * at that moment, so the machine never has to remember a previous state to recover to.
 */
export type AuthEvent =
  /** Storage was read (at start, on wake-up, or because another tab changed it). */
  | { readonly type: 'SESSION_LOADED'; readonly session: SessionView | null }
  | { readonly type: 'LOGIN_STARTED' }
  /** The login could not navigate (discovery failed, storage failed). */
  | { readonly type: 'LOGIN_FAILED'; readonly error: OAuthError; readonly session: SessionView | null }
  /** The page came back (back button, bfcache) without the login having navigated away for good. */
  | { readonly type: 'LOGIN_ABANDONED'; readonly session: SessionView | null }
  | { readonly type: 'CALLBACK_STARTED' }
  | { readonly type: 'CALLBACK_SUCCEEDED'; readonly session: SessionView }
  /** A rejected callback never touches a live session: `session` is whatever was stored before it. */
  | { readonly type: 'CALLBACK_FAILED'; readonly error: OAuthError; readonly session: SessionView | null }
  | { readonly type: 'REFRESH_STARTED' }
  | { readonly type: 'REFRESH_SUCCEEDED'; readonly session: SessionView }
  /** `session` is null when the failure ended the session (e.g. `invalid_grant`). */
  | { readonly type: 'REFRESH_FAILED'; readonly error: OAuthError; readonly session: SessionView | null }
  | { readonly type: 'SIGNED_OUT'; readonly error?: OAuthError };

export type AuthEventType = AuthEvent['type'];

export const initialState: AuthState = { status: 'loading' };

const signedIn = ({ user, expiresAt, tokenType }: SessionView, error?: OAuthError): AuthState =>
  error === undefined ? { status: 'signedIn', user, expiresAt, tokenType } : { status: 'signedIn', user, expiresAt, tokenType, error };

const fromSession = (session: SessionView | null, error?: OAuthError): AuthState =>
  session ? signedIn(session, error) : error === undefined ? { status: 'signedOut' } : { status: 'signedOut', error };

/**
 * The client's one pure transition function. Events that make no sense in the current state
 * (a refresh result arriving after logout, say) leave the state as it is: a stale answer must
 * never resurrect or overwrite a session.
 */
export function transition(state: AuthState, event: AuthEvent): AuthState {
  switch (event.type) {
    case 'SESSION_LOADED':
      // A callback or a login in flight owns the state; storage news reaches it when it ends.
      if (state.status === 'exchanging' || state.status === 'authorizing') return state;
      // Keep a refresh visible: the refresh's own result ends it.
      if (state.status === 'refreshing' && event.session) {
        const { user, expiresAt, tokenType } = event.session;
        return { status: 'refreshing', user, expiresAt, tokenType };
      }
      if (state.status === 'error' && !event.session) return state;
      if (state.status === 'signedOut' && !event.session) return state;
      return fromSession(event.session);

    case 'LOGIN_STARTED':
      return state.status === 'exchanging' ? state : { status: 'authorizing' };

    case 'LOGIN_FAILED':
      if (state.status !== 'authorizing') return state;
      return event.session ? signedIn(event.session, event.error) : { status: 'error', error: event.error };

    case 'LOGIN_ABANDONED':
      return state.status === 'authorizing' ? fromSession(event.session) : state;

    case 'CALLBACK_STARTED':
      return { status: 'exchanging' };

    case 'CALLBACK_SUCCEEDED':
      return state.status === 'exchanging' ? signedIn(event.session) : state;

    case 'CALLBACK_FAILED':
      if (state.status !== 'exchanging') return state;
      return event.session ? signedIn(event.session, event.error) : { status: 'error', error: event.error };

    case 'REFRESH_STARTED':
      if (state.status !== 'signedIn') return state;
      return { status: 'refreshing', user: state.user, expiresAt: state.expiresAt, tokenType: state.tokenType };

    case 'REFRESH_SUCCEEDED':
      return state.status === 'refreshing' || state.status === 'signedIn' ? signedIn(event.session) : state;

    case 'REFRESH_FAILED':
      if (state.status !== 'refreshing' && state.status !== 'signedIn') return state;
      return fromSession(event.session, event.error);

    case 'SIGNED_OUT':
      return event.error === undefined ? { status: 'signedOut' } : { status: 'signedOut', error: event.error };

    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
