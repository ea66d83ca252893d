import type { Page, Request } from '@playwright/test';
import { storedEntries, type StoredSessionShape } from './helpers';

/**
 * Helpers of the specs that run the demo against another real authorization server (glewlwyd.spec.ts,
 * lemonldap-ng.spec.ts): each server has its own issuer, so its own IndexedDB database.
 */

/** Every request the page makes under `prefix` (the server's own pages included), as they happen. */
export function requestsTo(page: Page, prefix: string): Request[] {
  const seen: Request[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(prefix)) seen.push(request);
  });
  return seen;
}

/** The SDK's database for (issuer, client). */
export const databaseOf = (issuer: string, clientId: string): string => `browser-oauth:${issuer}:${clientId}`;

/** The stored session in that database. */
export async function sessionIn(page: Page, database: string): Promise<(StoredSessionShape & { idToken?: string }) | undefined> {
  return (await storedEntries(page, database)).session as (StoredSessionShape & { idToken?: string }) | undefined;
}

/** `auth.fetch(url)` in the page: the status and JSON body. */
export function fetchJson(page: Page, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return page.evaluate(async (u) => {
    const response = await window.__auth.fetch(u);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }, url);
}
