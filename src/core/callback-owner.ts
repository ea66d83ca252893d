/**
 * Several clients on one page (two issuers, or two clients of one) may share a redirect URI. A callback
 * then reaches every client's `init()`, and only the one that started the login holds its pending record.
 * Without help, whichever client looked first would strip `code` and `state` from the address bar and fail
 * with `state_mismatch`, and the right client would never see its callback (issue 17).
 *
 * So each client's `state` starts with a short tag of its (issuer, client id), and the clients alive in
 * this page register their tags here: a client leaves alone a callback whose tag belongs to another live
 * client. A state with no live client's tag (forged, replayed, from a closed client) is handled exactly as
 * before, by every client: an error, nothing stored (SECURITY.md 2, 4).
 */
import type { ClientConfig } from './config.js';

/** Live clients of this page (this JavaScript realm), by tag; a count, as one config may have two clients. */
const live = new Map<string, number>();

/** A short, stable tag of `config.name` (FNV-1a, 32 bits): tells clients apart, proves nothing, hides nothing the AS does not know. */
export function callbackTag(config: ClientConfig): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < config.name.length; i++) hash = Math.imul(hash ^ config.name.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(36);
}

/** A fresh `state` for a login of this client: its tag, a dot, then oauth4webapi's random value. */
export const taggedState = (config: ClientConfig, random: string): string => `${callbackTag(config)}.${random}`;

/** Registers a live client of this page; the returned function, run once by `destroy()`, unregisters it. */
export function registerClient(config: ClientConfig): () => void {
  const tag = callbackTag(config);
  live.set(tag, (live.get(tag) ?? 0) + 1);
  return () => {
    const left = live.get(tag)! - 1;
    if (left > 0) live.set(tag, left);
    else live.delete(tag);
  };
}

/** True when `url` answers a login of another live client of this page: that client's to complete. */
export function isOtherClientsCallback(config: ClientConfig, url: URL): boolean {
  const states = url.searchParams.getAll('state');
  const tag = states.length === 1 ? states[0]!.split('.')[0]! : '';
  return tag !== callbackTag(config) && live.has(tag);
}
