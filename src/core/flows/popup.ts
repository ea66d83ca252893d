import type { Context, PopupLogin } from '../context.js';
import type { OAuthError, OAuthErrorCode, OAuthError as OAuthErrorClass } from '../errors.js';
import type { view as ViewFn } from '../session/cell.js';
import type { Loader } from '../session/load.js';
import type { login as LoginFn } from './login.js';
import type { PopupResult } from '../session/record.js';
import type { PopupLoginOptions } from '../types.js';

/**
 * `loginPopup()` after its window is open: the login sent there, then the wait for its callback page's
 * answer, which comes through storage and the tabs channel (flows/callback.ts writes it), never through
 * `window.opener` or `postMessage`: an AS that sends `Cross-Origin-Opener-Policy: same-origin` severs both.
 *
 * Loaded with `import()` by client.ts, so a page load that signs nobody in never fetches it. Therefore it
 * imports types only (a file imported by both sides would move into a chunk every load fetches:
 * docs/architecture.md) and receives the few functions of the first load it needs as arguments.
 */

/** Storage keys of flows/callback.ts and session/record.ts, repeated here (importing them would share a chunk). */
const PENDING_PREFIX = 'pending:';
const POPUP_PREFIX = 'popup:';

/** How often this page looks at the popup's handle: a closed popup is noticed well within 2 s. */
export const POLL_MS = 250;
/** Storage is read every this many polls, in case the tabs channel's news was lost (a browser without it). */
const READ_EVERY = 4;
/**
 * How long the handle must be seen alive at the AS before `closed` means the user closed it. Chromium severs
 * a popup whose page sends COOP `same-origin` 7–28 ms (up to ~150 ms under load) after it first looks like a
 * live cross-origin window, and `closed` then reads `true` while the popup is still open (issue 15). A person
 * closes the AS's page hundreds of milliseconds after it appeared, or later.
 */
export const SEEN_ALIVE_MS = 1000;
/** Default of `popupTimeout`: the only bound when COOP hides the popup from this page. */
export const DEFAULT_POPUP_TIMEOUT_MS = 5 * 60 * 1000;

/** What the watcher saw of the popup's handle, in this page's clock. */
export interface PopupSighting {
  /** `closed` as read now. */
  readonly closed: boolean;
  /** When the login was sent to the popup (`undefined`: still on its blank page, which COOP cannot sever). */
  readonly sentAt: number | undefined;
  /** When the handle was first seen alive at another origin (the AS's page), if it was. */
  readonly awaySince: number | undefined;
  /** When it was last seen alive at another origin. */
  readonly lastAway: number | undefined;
  readonly now: number;
  /** When `loginPopup()` started, and its `popupTimeout`. */
  readonly startedAt: number;
  readonly timeout: number;
}

/**
 * The pure decision of one poll: keep waiting, the user closed the popup, or the time is up. A `closed` handle
 * means "closed" before the login was sent (a blank same-origin page cannot be severed) or once the popup was
 * seen alive at the AS for {@link SEEN_ALIVE_MS}; otherwise it may be COOP's severing, and only the callback's
 * answer or the timeout can end the wait.
 */
export function popupVerdict(s: PopupSighting): 'wait' | 'closed' | 'timeout' {
  if (s.closed && (s.sentAt === undefined || (s.awaySince !== undefined && s.lastAway! - s.awaySince >= SEEN_ALIVE_MS))) return 'closed';
  return s.now - s.startedAt >= s.timeout ? 'timeout' : 'wait';
}

/** Whether the handle shows a live page of another origin: reading its location then throws. */
function isAway(win: Window): boolean {
  try {
    return !win.closed && win.location.href === undefined;
  } catch {
    return !win.closed;
  }
}

/**
 * Runs one popup login in `popup.win` (already open): replaces `previous` (a popup this page can no longer
 * see: closed, or severed by COOP), sends the login, and waits for its answer.
 */
export async function popupLogin(
  ctx: Context,
  loader: Loader,
  popup: PopupLogin,
  previous: PopupLogin | undefined,
  options: PopupLoginOptions,
  // The first load's own functions, handed over one by one, by position (see the module comment).
  login: typeof LoginFn,
  view: typeof ViewFn,
  Failure: typeof OAuthErrorClass,
): Promise<void> {
  const { effects } = ctx;
  const { win } = popup;
  const startedAt = effects.now();
  const timeout = options.popupTimeout ?? DEFAULT_POPUP_TIMEOUT_MS;
  let state: string | undefined;
  let sentAt: number | undefined;
  let awaySince: number | undefined;
  let lastAway: number | undefined;
  const cleanups: Array<() => void> = [];
  let replaced = false;
  try {
    // Its pending login is dropped, so that it cannot be completed too if it was only severed: one exchange.
    previous?.cancel?.();
    if (ctx.config.storage === 'memory') {
      throw new Failure('storage_unavailable', 'A popup login needs the session in IndexedDB');
    }
    await login(ctx, loader, options, (url, sent) => {
      state = sent;
      sentAt = effects.now();
      win.location.href = url.href;
    });
    const answer = await new Promise<PopupResult>((resolve, reject) => {
      let polls = 0;
      const look = (): void =>
        void ctx
          .durable()
          .then((kv) => kv.get(POPUP_PREFIX + state))
          .then((result) => {
            if (Array.isArray(result)) resolve(result as unknown as PopupResult);
          }, reject);
      const poll = (): void => {
        const now = effects.now();
        if (isAway(win)) {
          awaySince ??= now;
          lastAway = now;
        }
        const verdict = popupVerdict({ closed: win.closed, sentAt, awaySince, lastAway, now, startedAt, timeout });
        if (verdict === 'wait') {
          if (++polls % READ_EVERY === 0) look();
          cleanups.push(effects.setTimer(poll, POLL_MS));
          return;
        }
        // The answer may have landed just before the popup closed itself: read it once more first.
        void ctx
          .durable()
          .then((kv) => kv.get(POPUP_PREFIX + state))
          .then((result) => {
            if (Array.isArray(result)) resolve(result as unknown as PopupResult);
            else if (verdict === 'closed') reject(new Failure('popup_closed', 'The popup was closed before the sign-in finished'));
            else reject(new Failure('popup_timeout', 'No answer from the popup in time'));
          }, reject);
      };
      popup.cancel = () => {
        replaced = true;
        reject(new Failure('popup_closed', 'Another popup login replaced this one'));
      };
      cleanups.push(ctx.channel().listen(look));
      poll();
    });
    const [code, error, errorDescription] = answer;
    if (code !== undefined) {
      // Untrusted text either way (the AS's, through storage): bounded as OAuthError's own were.
      throw new Failure(code as OAuthErrorCode, 'The authorization server refused the request', {
        ...(typeof error === 'string' && { error: error.slice(0, 300) }),
        ...(typeof errorDescription === 'string' && { errorDescription: errorDescription.slice(0, 300) }),
      });
    }
    await loader.reload();
    if (!ctx.session) throw new Failure('storage_unavailable', 'The popup\u2019s session is not in storage');
    // The login in flight owned the state (the machine ignored the storage news meanwhile): show the session.
    ctx.dispatch({ type: 'LOGIN_ABANDONED', session: view(ctx.session) });
  } catch (err) {
    const error = err as OAuthError;
    // A replaced login leaves the state to the one that replaced it (already `authorizing`).
    if (!replaced) {
      await loader.ensureLoaded().catch(() => undefined);
      // A no-op when login() failed: it dispatched LOGIN_FAILED itself, the state is no longer `authorizing`.
      ctx.dispatch({ type: 'LOGIN_FAILED', error, session: view(ctx.session) });
    }
    throw error;
  } finally {
    for (const cleanup of cleanups) cleanup();
    if (ctx.popup === popup) ctx.popup = undefined;
    // Single use: a late callback finds no pending login (no second exchange), and no answer is left behind.
    if (state !== undefined) {
      void ctx
        .durable()
        .then((kv) => kv.delete([PENDING_PREFIX + state, POPUP_PREFIX + state]))
        .catch(() => undefined);
    }
    // Ours to close when this page can still see it (an error, a timeout); a no-op when severed or closed.
    win.close();
  }
}
