import { checkExtraParams } from './authorization-params.js';
import type { OAuthClientOptions } from './types.js';
import { configUrl, parseResources, type ResourcePrefix } from './url.js';

/** Validated, normalised options. */
export interface ClientConfig {
  readonly issuer: URL;
  readonly clientId: string;
  readonly redirectUri: URL;
  readonly scope: string;
  readonly resources: readonly ResourcePrefix[];
  readonly postLogoutRedirectUri?: URL;
  readonly storage: 'indexeddb' | 'memory';
  readonly allowInsecureLoopback: boolean;
  readonly timeout: number;
  readonly maxResponseBytes: number;
  readonly clockSkew: number;
  readonly idTokenSigningAlg?: string;
  readonly dpop?: boolean;
  /** Pushed authorization requests (RFC 9126): see flows/par.ts. */
  readonly par: 'auto' | boolean;
  /** Extra parameters of every authorization request (checked: none of the SDK's own). */
  readonly authorizationParams: Readonly<Record<string, string>>;
  /** Name of the IndexedDB database, the Web Lock and the BroadcastChannel of this (issuer, client). */
  readonly name: string;
}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`browser-oauth: "${option}" must be a positive number`);
  return value;
}

/** Validates the options; every mistake is a `TypeError` at creation, not a surprise at login. */
export function resolveConfig(options: OAuthClientOptions): ClientConfig {
  if (typeof options !== 'object' || options === null) throw new TypeError('browser-oauth: options are required');
  const loopback = options.allowInsecureLoopback === true;
  const issuer = configUrl(options.issuer, 'issuer', loopback);
  if (issuer.search !== '') throw new TypeError('browser-oauth: "issuer" must not have a query');
  if (typeof options.clientId !== 'string' || options.clientId === '') throw new TypeError('browser-oauth: "clientId" must be a non-empty string');
  const scope = options.scope ?? 'openid';
  if (typeof scope !== 'string' || scope.trim() === '') throw new TypeError('browser-oauth: "scope" must be a non-empty string');
  if (options.storage !== undefined && options.storage !== 'indexeddb' && options.storage !== 'memory') {
    throw new TypeError('browser-oauth: "storage" must be "indexeddb" or "memory"');
  }
  if (options.par !== undefined && options.par !== 'auto' && typeof options.par !== 'boolean') throw new TypeError('browser-oauth: "par" must be "auto", true or false');
  if (options.navigate !== undefined && typeof options.navigate !== 'function') throw new TypeError('browser-oauth: "navigate" must be a function');
  const resources = parseResources(options.resources, loopback);
  const config: ClientConfig = {
    // The issuer is compared byte for byte with the metadata's, so keep it exactly as given.
    issuer: new URL(options.issuer),
    clientId: options.clientId,
    redirectUri: configUrl(options.redirectUri, 'redirectUri', loopback, true),
    scope,
    resources,
    authorizationParams: checkExtraParams(options.authorizationParams, 'authorizationParams', resources[0]?.resource !== undefined),
    storage: options.storage ?? 'indexeddb',
    allowInsecureLoopback: loopback,
    timeout: positive(options.timeout, 10_000, 'timeout'),
    maxResponseBytes: positive(options.maxResponseBytes, 1024 * 1024, 'maxResponseBytes'),
    clockSkew: options.clockSkew ?? 0,
    par: options.par ?? 'auto',
    name: `browser-oauth:${options.issuer}:${options.clientId}`,
  };
  return {
    ...config,
    ...(options.postLogoutRedirectUri !== undefined && { postLogoutRedirectUri: configUrl(options.postLogoutRedirectUri, 'postLogoutRedirectUri', loopback, true) }),
    ...(options.idTokenSigningAlg !== undefined && { idTokenSigningAlg: options.idTokenSigningAlg }),
    ...(options.dpop !== undefined && { dpop: options.dpop === true }),
  };
}

/** Whether `scope` asks for OpenID Connect (an ID token, a nonce). */
export const hasOpenId = (scope: string): boolean => scope.split(' ').includes('openid');
