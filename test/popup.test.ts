import { describe, expect, it } from 'vitest';
import { DEFAULT_POPUP_TIMEOUT_MS, popupVerdict, SEEN_ALIVE_MS, type PopupSighting } from '../src/core/flows/popup.js';

/** loginPopup()'s decision on one poll of the popup's handle (issue 15): closed, severed by COOP, or timed out. */
const at = (sighting: Partial<PopupSighting>): PopupSighting => ({
  closed: false,
  sentAt: 100,
  awaySince: undefined,
  lastAway: undefined,
  now: 1000,
  startedAt: 0,
  timeout: DEFAULT_POPUP_TIMEOUT_MS,
  ...sighting,
});

describe('popupVerdict', () => {
  it('keeps waiting while the popup is open', () => {
    expect(popupVerdict(at({ awaySince: 200, lastAway: 900 }))).toBe('wait');
  });

  it('a popup closed on its blank page, before the login was sent there, is closed (COOP cannot sever it)', () => {
    expect(popupVerdict(at({ closed: true, sentAt: undefined }))).toBe('closed');
  });

  it('a handle that reads closed soon after the AS page appeared may be severed by COOP: keep waiting', () => {
    // Chromium: 7–28 ms (up to ~150 ms under load) after the handle first looks cross-origin.
    expect(popupVerdict(at({ closed: true, awaySince: 500, lastAway: 650 }))).toBe('wait');
    expect(popupVerdict(at({ closed: true, awaySince: 500, lastAway: 500 + SEEN_ALIVE_MS - 1 }))).toBe('wait');
  });

  it('a handle that reads closed without ever being seen at the AS may be severed too: keep waiting', () => {
    expect(popupVerdict(at({ closed: true, now: 60_000 }))).toBe('wait');
  });

  it('a popup seen alive at the AS for a while, then closed, was closed by the user', () => {
    expect(popupVerdict(at({ closed: true, awaySince: 500, lastAway: 500 + SEEN_ALIVE_MS }))).toBe('closed');
  });

  it('gives up at popupTimeout whatever the handle says, unless it is known closed', () => {
    expect(popupVerdict(at({ closed: true, awaySince: 500, lastAway: 510, now: DEFAULT_POPUP_TIMEOUT_MS }))).toBe('timeout');
    expect(popupVerdict(at({ awaySince: 500, lastAway: 90_000, now: 90_000, timeout: 90_000 }))).toBe('timeout');
    expect(popupVerdict(at({ awaySince: 500, lastAway: 89_999, now: 89_999, timeout: 90_000 }))).toBe('wait');
    expect(popupVerdict(at({ closed: true, sentAt: undefined, now: 90_000, timeout: 90_000 }))).toBe('closed');
  });
});
