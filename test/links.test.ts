import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every relative link of the documentation must lead somewhere in this repository: a file that exists (not
// outside the repository, as `../shared/SECURITY.md` once did), and a `#heading` that exists in its target.

const root = fileURLToPath(new URL('..', import.meta.url));

/** README.md, demo/README.md and every Markdown file under docs/ (not the generated docs/api/, docs/.examples/). */
function documents(): string[] {
  const found = ['README.md', 'demo/README.md'];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(root, dir))) {
      const path = `${dir}/${name}`;
      if (statSync(join(root, path)).isDirectory()) {
        if (path !== 'docs/api' && !name.startsWith('.')) walk(path);
      } else if (name.endsWith('.md')) {
        found.push(path);
      }
    }
  };
  walk('docs');
  return found;
}

/** The Markdown without code: links shown inside code blocks or `code spans` are examples, not links. */
function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '');
}

function withoutFences(markdown: string): string {
  return markdown.replace(/^ *(```|~~~)[\s\S]*?^ *\1 *$/gm, '');
}

/** Targets of inline links and images, `[text](target "title")`, and of HTML `href`/`src` attributes. */
function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const targets = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  targets.push(...[...text.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((m) => m[1]!));
  return targets;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const m of withoutFences(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** What is wrong with one relative link of `from` (a repository path), or undefined when it is fine. */
function problem(from: string, target: string): string | undefined {
  const [pathPart, fragment] = target.split('#', 2) as [string, string | undefined];
  const path = pathPart === '' ? join(root, from) : resolve(root, dirname(from), decodeURIComponent(pathPart));
  const rel = relative(root, path);
  if (rel.startsWith('..') || rel.startsWith(sep)) return `${target}: outside the repository`;
  if (!existsSync(path)) return `${target}: ${rel} does not exist`;
  if (fragment !== undefined && path.endsWith('.md') && !anchors(readFileSync(path, 'utf8')).has(fragment)) {
    return `${target}: ${rel} has no heading #${fragment}`;
  }
  return undefined;
}

describe('relative links in README.md, demo/README.md and docs/', () => {
  const docs = documents();

  it('finds the documents and their links', () => {
    expect(docs).toEqual(expect.arrayContaining(['README.md', 'docs/security.md', 'docs/recipes.md']));
    expect(linkTargets(readFileSync(join(root, 'README.md'), 'utf8')).filter((t) => !isExternal(t)).length).toBeGreaterThan(5);
  });

  it.each(docs)('%s: every relative link resolves', (doc) => {
    const problems = linkTargets(readFileSync(join(root, doc), 'utf8'))
      .filter((t) => !isExternal(t))
      .map((t) => problem(doc, t))
      .filter((p): p is string => p !== undefined);
    expect(problems).toEqual([]);
  });
});

describe('the link checker itself', () => {
  it('reads links and images, not code', () => {
    const md = 'See [a](docs/a.md#x) and ![b](img.png "t").\n\n```md\n[c](nowhere.md)\n```\n`[d](nowhere.md)` <a href="e.md">e</a>';
    expect(linkTargets(md)).toEqual(['docs/a.md#x', 'img.png', 'e.md']);
  });

  it("makes GitHub's anchors", () => {
    expect([...anchors('# Quick start\n## `<script>`, no bundler\n### Try it in your own app in five minutes\n## Quick start\n')]).toEqual([
      'quick-start',
      'script-no-bundler',
      'try-it-in-your-own-app-in-five-minutes',
      'quick-start-1',
    ]);
  });

  it('refuses a link out of the repository, a missing file and a missing heading', () => {
    expect(problem('README.md', '../shared/SECURITY.md')).toMatch(/outside the repository/);
    expect(problem('README.md', 'docs/nope.md')).toMatch(/does not exist/);
    expect(problem('README.md', '#no-such-heading')).toMatch(/no heading/);
    expect(problem('README.md', 'docs/security.md')).toBeUndefined();
  });
});
