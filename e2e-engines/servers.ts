/**
 * The demo's servers as the engine tests see them (same ports as playwright.config.ts, moved by
 * E2E_PORT_BASE), and the authorization server's test-control counters. Kept apart from e2e/helpers.ts,
 * which needs Playwright and Chromium.
 */
import { demoPorts } from '../scripts/demo-ports.ts';

export const ports = demoPorts(Number(process.env.E2E_PORT_BASE ?? 4100));

export const AS = `http://127.0.0.1:${ports.as}`;
export const API = `http://127.0.0.1:${ports.api}`;
export const SPA = `http://127.0.0.1:${ports.spa}`;
export const ME = `${API}/api/me`;
export const CLIENT_ID = 'browser-oauth-demo';
/** The SDK's IndexedDB database for the demo's (issuer, client). */
export const DB_NAME = `browser-oauth:${AS}:${CLIENT_ID}`;

export interface AsStats {
  authorization: number;
  token: { authorization_code: number; refresh_token: number };
  tokenErrors: Record<string, number>;
  revocation: number;
  discovery: number;
}

export interface RecordedRequest {
  path: string;
  authorization: 'none' | 'bearer' | 'dpop' | 'other';
  hasDpopHeader: boolean;
  status: number;
}

async function call(url: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response;
}

export const asStats = async (): Promise<AsStats> => (await (await call(`${AS}/__test/stats`)).json()) as AsStats;
export const apiRequests = async (): Promise<RecordedRequest[]> => (await (await call(`${API}/__test/requests`)).json()) as RecordedRequest[];

/** Zeroes the AS counters, faults and lifetime override, and the API's request log. */
export async function resetCounters(): Promise<void> {
  await Promise.all([AS, API].map((origin) => call(`${origin}/__test/reset`, { method: 'POST' })));
}

/** Lifetime of the access tokens the AS issues from now on (`null`: back to ACCESS_TOKEN_TTL). */
export async function accessTokenTtl(seconds: number | null): Promise<void> {
  await call(`${AS}/__test/access-token-ttl`, { method: 'POST', body: JSON.stringify({ seconds }) });
}

/** Delays the next token request at the AS (see demo/server/faults.ts). */
export async function delayNextTokenRequest(ms: number): Promise<void> {
  await call(`${AS}/__test/faults`, { method: 'POST', body: JSON.stringify({ token: [{ kind: 'delay', ms }] }) });
}
