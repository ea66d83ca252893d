// Deliberate setup mistakes of the demo AS, for the doctor CLI's tests (e2e/doctor-cli.spec.ts): the ones
// that make a browser's sign-in fail with an opaque "Failed to fetch". TEST_CONTROL only, never in `npm run demo`:
//   MISCONFIGURE=token-cors,dpop-nonce-hidden,pkce-off at start, or POST /__test/misconfigure {"set": [...]};
//   POST /__test/reset goes back to what MISCONFIGURE said.
import type { KoaContext } from 'oidc-provider';

export const MISCONFIGURATIONS = ['token-cors', 'dpop-nonce-hidden', 'pkce-off'] as const;
export type Misconfiguration = (typeof MISCONFIGURATIONS)[number];

export function parseMisconfigurations(raw: unknown): Misconfiguration[] {
  const names = typeof raw === 'string' ? raw.split(',').map((s) => s.trim()).filter(Boolean) : raw;
  if (!Array.isArray(names)) throw new Error(`misconfigurations: expected a list of ${MISCONFIGURATIONS.join(', ')}`);
  for (const name of names) {
    if (!MISCONFIGURATIONS.includes(name)) throw new Error(`misconfigurations: unknown ${JSON.stringify(name)} (known: ${MISCONFIGURATIONS.join(', ')})`);
  }
  return names as Misconfiguration[];
}

export interface Misconfigure {
  has(name: Misconfiguration): boolean;
  set(names: readonly Misconfiguration[]): void;
  reset(): void;
  /** Runs after oidc-provider has answered: takes back what a correct setup would have sent. */
  after(ctx: KoaContext): void;
}

export function createMisconfigure(initial: readonly Misconfiguration[]): Misconfigure {
  let active = new Set(initial);
  return {
    has: (name) => active.has(name),
    set: (names) => {
      active = new Set(names);
    },
    reset: () => {
      active = new Set(initial);
    },
    after(ctx) {
      if (active.has('dpop-nonce-hidden') && ctx.path === '/token') {
        // Koa keeps response headers on the raw response. oidc-provider exposes DPoP-Nonce whenever it has a nonce secret; a proxy that rewrites CORS drops it.
        const exposed = String(ctx.res.getHeader('Access-Control-Expose-Headers') ?? '')
          .split(',')
          .map((h) => h.trim())
          .filter((h) => h !== '' && h.toLowerCase() !== 'dpop-nonce');
        if (exposed.length) ctx.set('Access-Control-Expose-Headers', exposed.join(', '));
        else ctx.res.removeHeader('Access-Control-Expose-Headers');
      }
      if (active.has('pkce-off') && ctx.path === '/.well-known/openid-configuration') {
        // With PKCE not required, the metadata should not promise it either (what such servers publish).
        const body = ctx.body as Record<string, unknown> | undefined;
        if (body && typeof body === 'object') delete body.code_challenge_methods_supported;
      }
    },
  };
}
