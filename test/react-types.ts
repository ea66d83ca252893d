// Type tests for browser-oauth/react: checked by `tsc -p test/tsconfig.json` (npm run typecheck),
// never run. Each `@ts-expect-error` is a mistake the types must refuse.
import type { OAuthError, User } from '../src/index.js';
import { OAuthProvider, useOAuth, type OAuthProviderProps, type UseOAuthResult } from '../src/react/index.js';

declare const auth: UseOAuthResult;
declare function expectType<T>(value: T): void;

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
  // @ts-expect-error `loading` carries no error
  auth.state.error;
}
if (!auth.isAuthenticated) {
  // @ts-expect-error not authenticated: no user
  auth.user.sub;
}
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
