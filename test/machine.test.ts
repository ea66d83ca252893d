import { describe, expect, it } from 'vitest';
import { OAuthError } from '../src/core/errors.js';
import { initialState, transition, type AuthEvent, type SessionView } from '../src/core/machine.js';
import type { AuthState } from '../src/core/types.js';

const alice: SessionView = { user: { sub: 'alice', name: 'Alice' }, expiresAt: 1_000, tokenType: 'dpop' };
const renewed: SessionView = { user: { sub: 'alice', name: 'Alice L.' }, expiresAt: 2_000, tokenType: 'bearer' };
const failure = new OAuthError('network', 'offline');
const fatal = new OAuthError('invalid_grant', 'grant revoked');

const states = {
  loading: { status: 'loading' },
  signedOut: { status: 'signedOut' },
  signedOutWithError: { status: 'signedOut', error: fatal },
  authorizing: { status: 'authorizing' },
  exchanging: { status: 'exchanging' },
  signedIn: { status: 'signedIn', user: alice.user, expiresAt: alice.expiresAt, tokenType: 'dpop' },
  signedInWithError: { status: 'signedIn', user: alice.user, expiresAt: alice.expiresAt, tokenType: 'dpop', error: failure },
  refreshing: { status: 'refreshing', user: alice.user, expiresAt: alice.expiresAt, tokenType: 'dpop' },
  error: { status: 'error', error: failure },
} satisfies Record<string, AuthState>;
type StateName = keyof typeof states;

const events = {
  loadedSession: { type: 'SESSION_LOADED', session: renewed },
  loadedNothing: { type: 'SESSION_LOADED', session: null },
  loginStarted: { type: 'LOGIN_STARTED' },
  loginFailedWithSession: { type: 'LOGIN_FAILED', error: failure, session: alice },
  loginFailedAlone: { type: 'LOGIN_FAILED', error: failure, session: null },
  loginAbandonedWithSession: { type: 'LOGIN_ABANDONED', session: alice },
  loginAbandonedAlone: { type: 'LOGIN_ABANDONED', session: null },
  callbackStarted: { type: 'CALLBACK_STARTED' },
  callbackSucceeded: { type: 'CALLBACK_SUCCEEDED', session: renewed },
  callbackFailedWithSession: { type: 'CALLBACK_FAILED', error: failure, session: alice },
  callbackFailedAlone: { type: 'CALLBACK_FAILED', error: failure, session: null },
  refreshStarted: { type: 'REFRESH_STARTED' },
  refreshSucceeded: { type: 'REFRESH_SUCCEEDED', session: renewed },
  refreshFailedKept: { type: 'REFRESH_FAILED', error: failure, session: alice },
  refreshFailedEnded: { type: 'REFRESH_FAILED', error: fatal, session: null },
  signedOut: { type: 'SIGNED_OUT' },
  signedOutWithError: { type: 'SIGNED_OUT', error: fatal },
} satisfies Record<string, AuthEvent>;
type EventName = keyof typeof events;

// Expected results, spelled out for every pair. `same` means the state object is returned unchanged.
const same = 'same' as const;
const inWith = (s: SessionView, error?: OAuthError): AuthState =>
  error ? { status: 'signedIn', ...s, error } : { status: 'signedIn', ...s };
const out: AuthState = { status: 'signedOut' };
const outWith = (error: OAuthError): AuthState => ({ status: 'signedOut', error });
const err = (error: OAuthError): AuthState => ({ status: 'error', error });
const refreshingWith = (s: SessionView): AuthState => ({ status: 'refreshing', ...s });

const expected: Record<EventName, Record<StateName, AuthState | typeof same>> = {
  loadedSession: {
    loading: inWith(renewed), signedOut: inWith(renewed), signedOutWithError: inWith(renewed), authorizing: same, exchanging: same,
    signedIn: inWith(renewed), signedInWithError: inWith(renewed), refreshing: refreshingWith(renewed), error: inWith(renewed),
  },
  loadedNothing: {
    loading: out, signedOut: same, signedOutWithError: same, authorizing: same, exchanging: same,
    signedIn: out, signedInWithError: out, refreshing: out, error: same,
  },
  loginStarted: {
    loading: { status: 'authorizing' }, signedOut: { status: 'authorizing' }, signedOutWithError: { status: 'authorizing' },
    authorizing: { status: 'authorizing' }, exchanging: same, signedIn: { status: 'authorizing' },
    signedInWithError: { status: 'authorizing' }, refreshing: { status: 'authorizing' }, error: { status: 'authorizing' },
  },
  loginFailedWithSession: {
    loading: same, signedOut: same, signedOutWithError: same, authorizing: inWith(alice, failure), exchanging: same,
    signedIn: same, signedInWithError: same, refreshing: same, error: same,
  },
  loginFailedAlone: {
    loading: same, signedOut: same, signedOutWithError: same, authorizing: err(failure), exchanging: same,
    signedIn: same, signedInWithError: same, refreshing: same, error: same,
  },
  loginAbandonedWithSession: {
    loading: same, signedOut: same, signedOutWithError: same, authorizing: inWith(alice), exchanging: same,
    signedIn: same, signedInWithError: same, refreshing: same, error: same,
  },
  loginAbandonedAlone: {
    loading: same, signedOut: same, signedOutWithError: same, authorizing: out, exchanging: same,
    signedIn: same, signedInWithError: same, refreshing: same, error: same,
  },
  callbackStarted: {
    loading: { status: 'exchanging' }, signedOut: { status: 'exchanging' }, signedOutWithError: { status: 'exchanging' },
    authorizing: { status: 'exchanging' }, exchanging: { status: 'exchanging' }, signedIn: { status: 'exchanging' },
    signedInWithError: { status: 'exchanging' }, refreshing: { status: 'exchanging' }, error: { status: 'exchanging' },
  },
  callbackSucceeded: {
    loading: same, signedOut: same, signedOutWithError: same, authorizing: same, exchanging: inWith(renewed),
    signedIn: same, signedInWithError: same, refreshing: same, error: same,
  },
  callbackFailedWithSession: {
    loading: same, signedOut: same, signedOutWithError: same, authorizing: same, exchanging: inWith(alice, failure),
    signedIn: same, signedInWithError: same, refreshing: same, error: same,
  },
  callbackFailedAlone: {
    loading: same, signedOut: same, signedOutWithError: same, authorizing: same, exchanging: err(failure),
    signedIn: same, signedInWithError: same, refreshing: same, error: same,
  },
  refreshStarted: {
    loading: same, signedOut: same, signedOutWithError: same, authorizing: same, exchanging: same,
    signedIn: refreshingWith(alice), signedInWithError: refreshingWith(alice), refreshing: same, error: same,
  },
  refreshSucceeded: {
    loading: same, signedOut: same, signedOutWithError: same, authorizing: same, exchanging: same,
    signedIn: inWith(renewed), signedInWithError: inWith(renewed), refreshing: inWith(renewed), error: same,
  },
  refreshFailedKept: {
    loading: same, signedOut: same, signedOutWithError: same, authorizing: same, exchanging: same,
    signedIn: inWith(alice, failure), signedInWithError: inWith(alice, failure), refreshing: inWith(alice, failure), error: same,
  },
  refreshFailedEnded: {
    loading: same, signedOut: same, signedOutWithError: same, authorizing: same, exchanging: same,
    signedIn: outWith(fatal), signedInWithError: outWith(fatal), refreshing: outWith(fatal), error: same,
  },
  signedOut: {
    loading: out, signedOut: out, signedOutWithError: out, authorizing: out, exchanging: out,
    signedIn: out, signedInWithError: out, refreshing: out, error: out,
  },
  signedOutWithError: {
    loading: outWith(fatal), signedOut: outWith(fatal), signedOutWithError: outWith(fatal), authorizing: outWith(fatal),
    exchanging: outWith(fatal), signedIn: outWith(fatal), signedInWithError: outWith(fatal), refreshing: outWith(fatal), error: outWith(fatal),
  },
};

describe('transition', () => {
  it('starts in loading', () => {
    expect(initialState).toEqual({ status: 'loading' });
  });

  const cases = (Object.keys(expected) as EventName[]).flatMap((e) =>
    (Object.keys(states) as StateName[]).map((s) => [s, e, expected[e][s]] as const),
  );
  it('covers every state × event pair', () => {
    expect(cases).toHaveLength(Object.keys(states).length * Object.keys(events).length);
  });

  it.each(cases)('%s + %s', (stateName, eventName, want) => {
    // Pure: frozen inputs would throw on any mutation (ES modules run in strict mode).
    const before = Object.freeze({ ...states[stateName] });
    const after = transition(before, Object.freeze({ ...events[eventName] }));
    if (want === same) expect(after).toBe(before);
    else expect(after).toEqual(want);
  });

  it('never copies a previous error into a successful state', () => {
    const after = transition(states.signedInWithError, events.refreshSucceeded);
    expect(after).not.toHaveProperty('error');
  });

  it('every reachable state carries only its own data', () => {
    const allowed: Record<AuthState['status'], string[]> = {
      loading: ['status'],
      signedOut: ['status', 'error'],
      authorizing: ['status'],
      exchanging: ['status'],
      signedIn: ['status', 'user', 'expiresAt', 'tokenType', 'error'],
      refreshing: ['status', 'user', 'expiresAt', 'tokenType'],
      error: ['status', 'error'],
    };
    for (const [, , want] of cases) {
      if (want === same) continue;
      for (const key of Object.keys(want)) expect(allowed[want.status]).toContain(key);
    }
  });
});
