/** Command line → {@link DoctorOptions}, or the message for a usage error (exit 2). */
import { parseArgs } from 'node:util';

export interface DoctorOptions {
  readonly issuer: string;
  readonly clientId: string;
  /** The SPA's origin, as the browser sends it in `Origin`. */
  readonly origin: string;
  readonly redirectUri?: string;
  /** Protected APIs the app calls with `auth.fetch` (the `resources` option). */
  readonly resources: readonly string[];
  readonly json: boolean;
  /** Per request, in milliseconds. */
  readonly timeoutMs: number;
}

export const USAGE = `Usage: browser-oauth doctor --issuer URL --client-id ID --origin ORIGIN
                            [--redirect-uri URL] [--resource URL]... [--json] [--timeout SECONDS]

Checks an authorization server (and your APIs) for what a browser app signing in with browser-oauth needs:
discovery, PKCE, DPoP, CORS for your origin, the client's registration. Exit status 0 when nothing fails.`;

export type ParsedArgs = { readonly ok: true; readonly options: DoctorOptions } | { readonly ok: false; readonly message: string; readonly help?: true };

export function parseDoctorArgs(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        issuer: { type: 'string' },
        'client-id': { type: 'string' },
        origin: { type: 'string' },
        'redirect-uri': { type: 'string' },
        resource: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { ok: false, message: USAGE, help: true };
  if (positionals.length !== 1 || positionals[0] !== 'doctor') return { ok: false, message: `expected the command "doctor", got ${positionals.length ? `"${positionals.join(' ')}"` : 'none'}` };
  const missing = (['issuer', 'client-id', 'origin'] as const).filter((name) => !values[name]);
  if (missing.length > 0) return { ok: false, message: `missing ${missing.map((name) => `--${name}`).join(', ')}` };
  const seconds = values.timeout === undefined ? 10 : Number(values.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 120) return { ok: false, message: '--timeout must be a number of seconds from 1 to 120' };
  return {
    ok: true,
    options: {
      issuer: values.issuer!,
      clientId: values['client-id']!,
      origin: values.origin!,
      ...(values['redirect-uri'] !== undefined && { redirectUri: values['redirect-uri'] }),
      resources: values.resource ?? [],
      json: values.json,
      timeoutMs: seconds * 1000,
    },
  };
}
