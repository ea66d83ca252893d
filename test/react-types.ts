// Type tests for browser-oauth/react: checked by `tsc -p test/tsconfig.json` (npm run typecheck),
// never run. Each `@ts-expect-error` is a mistake the types must refuse.
import { OAuthError, type AuthState, type User } from '../src/index.js';
import { OAuthProvider, useOAuth, type OAuthProviderProps, type UseOAuthResult } from '../src/react/index.js';

declare const auth: UseOAuthResult;
declare function expectType<T>(value: T): void;
/** Exact type equality (expectType accepts a narrower type). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// `status` narrows `user` and `state`.
if (auth.status === 'signedIn') {
  expectType<User>(auth.user);
  expectType<string | undefined>(auth.user.name);
  expectType<number>(auth.state.expiresAt);
  expectType<true>(auth.isAuthenticated);
  expectType<OAuthError | undefined>(auth.state.error);
}
if (auth.status === 'refreshing') expectType<string | undefined>(auth.user.name); // the session stays on screen
if (auth.isAuthenticated) expectType<User>(auth.user);
if (auth.status === 'error') expectType<OAuthError>(auth.state.error);
if (auth.status === 'signedOut') {
  expectType<undefined>(auth.user);
  expectType<false>(auth.isAuthenticated);
}

// Without narrowing, `user` may be missing.
expectType<User | undefined>(auth.user);
// @ts-expect-error `user` is possibly undefined until `status` is checked
auth.user.name;
if (auth.status === 'signedOut') {
  // @ts-expect-error a signed-out user has no claims
  auth.user.name;
}
if (auth.status === 'loading') {
  // `loading` carries no error: readable, always undefined.
  expectType<undefined>(auth.state.error);
  const exact: Equals<typeof auth.state.error, undefined> = true;
}
if (!auth.isAuthenticated) {
  // @ts-expect-error not authenticated: no user
  auth.user.sub;
  // Issue 12: "Errors are state (`auth.state.error`)" must compile right after this check, in every state it leaves.
  const error: Equals<typeof auth.state.error, OAuthError | undefined> = true;
  const user: Equals<typeof auth.state.user, undefined> = true;
}
if (auth.status === 'authorizing' || auth.status === 'exchanging' || auth.status === 'refreshing') {
  const exact: Equals<typeof auth.state.error, undefined> = true;
}

// The core's AuthState reads the same without narrowing: every member has the four fields.
declare const state: AuthState;
const stateFields: [
  Equals<typeof state.error, OAuthError | undefined>,
  Equals<typeof state.user, User | undefined>,
  Equals<typeof state.expiresAt, number | undefined>,
  Equals<typeof state.tokenType, 'bearer' | 'dpop' | undefined>,
] = [true, true, true, true];
if (state.status === 'signedIn' || state.status === 'refreshing') expectType<User>(state.user);
if (state.status === 'error') expectType<OAuthError>(state.error);
// States that cannot have an error, a user or an expiry refuse them.
const cause = new OAuthError('network', 'x');
// @ts-expect-error `loading` has no error
export const loadingWithError: AuthState = { status: 'loading', error: cause };
// @ts-expect-error `refreshing` has no error (its outcome carries it)
export const refreshingWithError: AuthState = { status: 'refreshing', user: {}, expiresAt: 0, tokenType: 'bearer', error: cause };
// @ts-expect-error `signedOut` has no user
export const signedOutWithUser: AuthState = { status: 'signedOut', user: { sub: 'x' } };
// @ts-expect-error `signedIn` needs its user
export const signedInWithoutUser: AuthState = { status: 'signedIn', expiresAt: 0, tokenType: 'bearer' };
// @ts-expect-error not a status
if (auth.status === 'authenticated') void 0;

// The methods are the client's.
expectType<Promise<void>>(auth.login({ returnTo: '/inbox', prompt: 'login' }));
expectType<Promise<void>>(auth.logout({ endSession: true }));
expectType<Promise<string>>(auth.getAccessToken({ forceRefresh: true }));
expectType<Promise<Response>>(auth.fetch('https://api.example/me'));
// @ts-expect-error not a login option
void auth.login({ returnto: '/' });

// The selector's type is the hook's.
export function Selectors(): void {
  expectType<boolean>(useOAuth((a) => a.isAuthenticated));
  expectType<string | undefined>(useOAuth((a) => (a.status === 'signedIn' ? a.user.name : undefined)));
  expectType<UseOAuthResult>(useOAuth());
  // @ts-expect-error the selector sees the narrowed union too
  useOAuth((a) => a.user.name);
}

// The provider needs a client.
declare const props: OAuthProviderProps;
expectType<OAuthProviderProps['client']>(props.client);
// @ts-expect-error `client` is required
OAuthProvider({ throwErrors: true });
