import { describe, expect, it } from 'vitest';
import { lineDiff, withoutDocText } from '../scripts/api-report-text.ts';

// The committed API reports (api/*.api.md) must change when a type does and only then: these pin what
// scripts/api-report.ts removes from API Extractor's output before comparing.
describe('withoutDocText', () => {
  const generated = [
    '## API Report File for "browser-oauth"',
    '',
    '```ts',
    '',
    '// @public',
    'export type AuthState =',
    '/** `init()` has not read the stored session yet. */',
    '    {',
    "    readonly status: 'loading';",
    '}',
    '/**',
    ' * No session. `error` says why: a `*` and a `/` inside do not end it.',
    ' */',
    '| {',
    "    readonly status: 'signedOut'; /** inline */ readonly error?: OAuthError;",
    '};',
    '',
    '// @public (undocumented)',
    'export function useOAuth<T>(selector: (auth: UseOAuthResult) => T): T;',
    '',
    '// @public @deprecated (undocumented)',
    'export function old(): void;',
    '',
    '// @public',
    'export class OAuthError extends Error {',
    '    // (undocumented)',
    '    readonly code: OAuthErrorCode;',
    '}',
    '',
    '// (No @packageDocumentation comment for this package)',
    '',
    '```',
    '',
  ].join('\r\n');

  it('drops doc comments, "(undocumented)" marks and the package-doc note, keeping every type and tag', () => {
    expect(withoutDocText(generated)).toBe(
      [
        '## API Report File for "browser-oauth"',
        '',
        '```ts',
        '',
        '// @public',
        'export type AuthState =',
        '    {',
        "    readonly status: 'loading';",
        '}',
        '| {',
        "    readonly status: 'signedOut'; readonly error?: OAuthError;",
        '};',
        '',
        '// @public',
        'export function useOAuth<T>(selector: (auth: UseOAuthResult) => T): T;',
        '',
        '// @public @deprecated',
        'export function old(): void;',
        '',
        '// @public',
        'export class OAuthError extends Error {',
        '    readonly code: OAuthErrorCode;',
        '}',
        '',
        '```',
        '',
      ].join('\n'),
    );
  });

  it('gives the same text for two wordings of the same types', () => {
    const reworded = generated.replace('has not read the stored session yet', 'is still reading').replace('No session.', 'Signed out.');
    expect(withoutDocText(reworded)).toBe(withoutDocText(generated));
  });

  it('still differs when a type does', () => {
    const changed = generated.replace("readonly status: 'loading';", "readonly status: 'starting';");
    expect(withoutDocText(changed)).not.toBe(withoutDocText(generated));
  });
});

describe('lineDiff', () => {
  it('is empty for equal texts', () => {
    expect(lineDiff('a\nb\n', 'a\nb\n')).toBe('');
  });

  it('shows a removed and an added line with their context and where the hunk starts', () => {
    const before = ['1', '2', '3', 'interface A {', '    x: string;', '}', '7', '8', '9', '10'].join('\n');
    const after = ['1', '2', '3', 'interface A {', '    x: number;', '    y?: string;', '}', '7', '8', '9', '10'].join('\n');
    expect(lineDiff(before, after, 1)).toBe(
      ['@@ line 4', '  interface A {', '-     x: string;', '+     x: number;', '+     y?: string;', '  }'].join('\n'),
    );
  });

  it('separates distant changes into hunks', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].join('\n');
    const after = ['A', 'b', 'c', 'd', 'e', 'f', 'g', 'H'].join('\n');
    expect(lineDiff(before, after, 1)).toBe(['@@ line 1', '- a', '+ A', '  b', '@@ line 7', '  g', '- h', '+ H'].join('\n'));
  });
});
