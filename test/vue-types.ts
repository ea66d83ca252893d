// Type tests for browser-oauth/vue: checked by `tsc -p test/tsconfig.json` (npm run typecheck), never
// run. Each `@ts-expect-error` is a mistake the types must refuse.
import type { OAuthError, User } from '../src/index.js';
import { createOAuthPlugin, type OAuthPluginOptions, type UseOAuthResult } from '../src/vue/index.js';

declare const auth: UseOAuthResult;
declare function expectType<T>(value: T): void;
/** Exact type equality (expectType accepts a narrower type). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// `isAuthenticated` and `status` narrow `user`, `error` and `state`.
if (auth.isAuthenticated) {
  expectType<User>(auth.user);
  expectType<number>(auth.state.expiresAt);
}
if (auth.status === 'refreshing') expectType<string | undefined>(auth.user.name); // the session stays on screen
if (auth.status === 'error') {
  expectType<OAuthError>(auth.error);
  expectType<false>(auth.isAuthenticated);
}
if (auth.status === 'loading') {
  const exact: Equals<typeof auth.error, undefined> = true;
}
// Without narrowing, `user` and `error` may be missing.
const unnarrowed: [Equals<typeof auth.user, User | undefined>, Equals<typeof auth.error, OAuthError | undefined>] = [true, true];
// @ts-expect-error `user` is possibly undefined until `status` or `isAuthenticated` is checked
auth.user.name;
if (!auth.isAuthenticated) {
  // @ts-expect-error not authenticated: no user
  auth.user.sub;
}
// The fields are read-only: the state changes only through the client.
// @ts-expect-error read-only
auth.status = 'signedIn';

// onLoginComplete: a handler or `false`, nothing else.
const options: OAuthPluginOptions[] = [{}, { onLoginComplete: false }, { onLoginComplete: ({ returnTo }) => expectType<string>(returnTo) }];
// @ts-expect-error `true` is not an option: the default is to omit it
createOAuthPlugin({} as Parameters<typeof createOAuthPlugin>[0], { onLoginComplete: true });
