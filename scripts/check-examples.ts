// Type-checks the code the documentation shows, so that an example can never drift from the API.
//   npm run docs:check          (part of `npm run typecheck`)
//
// 1. Every public export of the entries (src/index.ts, src/react/index.ts, src/vue/index.ts, src/testing/index.ts) must have a summary and
//    an `@example` in its TSDoc.
// 2. Every ```ts / ```tsx block in a TSDoc comment under src/, in README.md, demo/README.md and docs/**/*.md
//    is written to docs/.examples/ (gitignored) as a module and compiled with `tsc --noEmit`:
//    - 'browser-oauth' and its subpaths (react, vue, testing) resolve to src/ (tsconfig paths);
//    - SDK names a block uses without importing them are imported for it (one header line);
//    - what blocks may assume without declaring it (an `auth` client, a `render` function, …) is in
//      PRELUDE below, and `./auth` is a module exporting `auth`;
//    - a block whose first line is `// @check-skip` is not compiled (use sparingly).
//    Blocks in other languages (sh, html, js, json, text) are not compiled.
//    The compiler options are those of Vite's react-ts template (create-vite 9) and stricter; an unused name
//    (noUnusedLocals/Parameters) is an error in README.md's blocks only, which are pasted into apps as they are.
// Errors are reported at the line of the source file (README.md:72:5), not of the generated file.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'docs/.examples');
const ENTRIES = {
  'browser-oauth': 'src/index.ts',
  'browser-oauth/react': 'src/react/index.ts',
  'browser-oauth/vue': 'src/vue/index.ts',
  'browser-oauth/testing': 'src/testing/index.ts',
} as const;
const LANGS: Record<string, 'ts' | 'tsx'> = { ts: 'ts', typescript: 'ts', tsx: 'tsx' };

/** What an example may use without declaring it. Keep it short: a block that needs more declares it. */
const PRELUDE = `// Names the documentation's examples may use without declaring them (scripts/check-examples.ts).
type __OAuthClient = import('browser-oauth').OAuthClient;
type __AuthState = import('browser-oauth').AuthState;
/** The app's client, created once with createOAuthClient. */
declare const auth: __OAuthClient;
/** The app's own rendering of the state. */
declare function render(state: __AuthState): void;
/** Shows a message to the user. */
declare function showMessage(text: string): void;
/** The app's root component and a loading indicator. */
declare function App(): import('react').ReactElement;
declare function Spinner(): import('react').ReactElement;
/** A Vue single-file component, as a bundler with @vitejs/plugin-vue imports it. */
declare module '*.vue' {
  const component: import('vue').Component;
  export default component;
}
/** Vite's hot-module API, as far as the examples use it. */
interface ImportMeta {
  readonly hot?: { accept(): void; dispose(callback: () => void): void };
}
`;
const AUTH_MODULE = `// \`import { auth } from './auth'\` in an example: the app's one client.
import type { OAuthClient } from 'browser-oauth';
export declare const auth: OAuthClient;
/** The app's API URL prefix (the README's src/auth.ts). */
export declare const apiUrl: string;
`;

interface Block {
  /** Repository-relative path of the file the block is in. */
  source: string;
  /** 1-based line of the block's first code line in `source`. */
  line: number;
  lang: 'ts' | 'tsx';
  code: string;
}

interface Problem {
  where: string;
  message: string;
}

const problems: Problem[] = [];

// ---------------------------------------------------------------------------------------------
// Files

function walk(dir: string, keep: (path: string) => boolean): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name === 'node_modules' || name.startsWith('.') || relative(root, path) === 'docs/api') continue;
      found.push(...walk(path, keep));
    } else if (keep(path)) {
      found.push(path);
    }
  }
  return found.sort();
}

/** Fenced blocks in Markdown lines; `offset` is the 1-based line number of `lines[0]`, `indent` strips a prefix. */
function fencedBlocks(source: string, lines: readonly string[], offset: number): Block[] {
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, info] = open;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trimStart().startsWith(fence!)) end++;
    const lang = LANGS[info!.toLowerCase()];
    if (lang) {
      const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l));
      blocks.push({ source, line: offset + i + 1, lang, code: body.join('\n') });
    }
    i = end;
  }
  return blocks;
}

function markdownBlocks(path: string): Block[] {
  return fencedBlocks(relative(root, path), readFileSync(path, 'utf8').split('\n'), 1);
}

/** Blocks inside `/** … *\/` comments, with the leading ` * ` of each line removed. */
function tsdocBlocks(path: string): Block[] {
  const text = readFileSync(path, 'utf8');
  const blocks: Block[] = [];
  for (const match of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const startLine = text.slice(0, match.index).split('\n').length;
    const lines = match[0].split('\n').map((l) => l.replace(/^\s*\/?\*+\/?\s?/, '').replace(/\s*\*\/$/, ''));
    blocks.push(...fencedBlocks(relative(root, path), lines, startLine));
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// The public API: every export documented, with an example

interface PublicName {
  name: string;
  module: keyof typeof ENTRIES;
  isValue: boolean;
}

function publicApi(): PublicName[] {
  const program = ts.createProgram(
    Object.values(ENTRIES).map((f) => join(root, f)),
    { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, strict: true, noEmit: true, types: [] },
  );
  const checker = program.getTypeChecker();
  const names: PublicName[] = [];
  for (const [module, file] of Object.entries(ENTRIES) as Array<[keyof typeof ENTRIES, string]>) {
    const sourceFile = program.getSourceFile(join(root, file));
    const moduleSymbol = sourceFile && checker.getSymbolAtLocation(sourceFile);
    if (!moduleSymbol) throw new Error(`cannot read the exports of ${file}`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const isValue = (symbol.flags & ts.SymbolFlags.Value) !== 0;
      names.push({ name: exported.name, module, isValue });
      const declaration = symbol.declarations?.[0];
      const where = declaration
        ? `${relative(root, declaration.getSourceFile().fileName)}:${declaration.getSourceFile().getLineAndCharacterOfPosition(declaration.getStart()).line + 1}`
        : file;
      const summary = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
      // Overloads: any signature's documentation counts.
      const tags = (symbol.declarations ?? []).flatMap((d) => ts.getJSDocTags(d));
      if (!summary) problems.push({ where, message: `public export "${exported.name}" (${module}) has no summary` });
      if (!tags.some((t) => t.tagName.text === 'example')) {
        problems.push({ where, message: `public export "${exported.name}" (${module}) has no @example` });
      }
    }
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Generating the example modules

/** Identifiers a block imports itself (named, default and namespace imports). */
function importedNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/import\s+(?:type\s+)?([\s\S]*?)\s+from\s+['"][^'"]+['"]/g)) {
    const clause = m[1]!;
    const named = /\{([\s\S]*)\}/.exec(clause);
    for (const part of named ? named[1]!.split(',') : []) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()?.trim();
      if (name) names.add(name);
    }
    for (const part of clause.replace(/\{[\s\S]*\}/, '').split(',')) {
      const name = part.trim().replace(/^\*\s+as\s+/, '');
      if (/^[A-Za-z_$][\w$]*$/.test(name)) names.add(name);
    }
  }
  return names;
}

function header(block: Block, api: readonly PublicName[]): string[] {
  const own = importedNames(block.code);
  // Names declared by the block itself (`const auth = …`, `function App()`) are not imported either.
  const declared = new Set([...block.code.matchAll(/\b(?:const|let|var|function|class|type|interface)\s+([A-Za-z_$][\w$]*)/g)].map((m) => m[1]!));
  // A name mentioned only in a comment is not used: importing it would be an unused import (TS6133).
  const code = block.code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
  const lines = [`// Generated from ${block.source}:${block.line} by scripts/check-examples.ts. Do not edit.`];
  // A name two entries export (`useOAuth` of react and vue) comes from the entry the block is in, else the first.
  const modules = (Object.keys(ENTRIES) as Array<keyof typeof ENTRIES>).sort(
    (a, b) => Number(block.source.startsWith(dirname(ENTRIES[b]))) - Number(block.source.startsWith(dirname(ENTRIES[a]))),
  );
  const taken = new Set<string>();
  for (const module of modules) {
    const used = api.filter(
      (n) => n.module === module && !own.has(n.name) && !declared.has(n.name) && !taken.has(n.name) && new RegExp(`\\b${n.name}\\b`).test(code),
    );
    for (const n of used) taken.add(n.name);
    if (used.length) lines.push(`import { ${used.map((n) => (n.isValue ? n.name : `type ${n.name}`)).join(', ')} } from '${module}';`);
  }
  return lines;
}

function fileNameFor(block: Block): string {
  return `${block.source.replace(/[^\w.-]+/g, '_')}-L${block.line}.${block.lang}`;
}

// ---------------------------------------------------------------------------------------------

const api = publicApi();
const sources = [
  ...walk(join(root, 'src'), (p) => /\.tsx?$/.test(p)).flatMap(tsdocBlocks),
  ...[join(root, 'README.md'), join(root, 'demo/README.md')].filter((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  }).flatMap(markdownBlocks),
  ...walk(join(root, 'docs'), (p) => p.endsWith('.md')).flatMap(markdownBlocks),
];

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'prelude.d.ts'), PRELUDE);
writeFileSync(join(outDir, 'auth.ts'), AUTH_MODULE);
const generated = new Map<string, { block: Block; headerLines: number }>();
let skipped = 0;
for (const block of sources) {
  if (/^\s*\/\/\s*@check-skip\b/.test(block.code)) {
    skipped++;
    continue;
  }
  const head = header(block, api);
  const name = fileNameFor(block);
  writeFileSync(join(outDir, name), `${head.join('\n')}\n${block.code}\nexport {};\n`);
  generated.set(name, { block, headerLines: head.length });
}

const toRepo = (p: string): string => relative(outDir, join(root, p));
writeFileSync(
  join(outDir, 'tsconfig.json'),
  `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'Bundler',
        lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        jsx: 'react-jsx',
        strict: true,
        // Vite's react-ts template's checks (create-vite 9, tsconfig.app.json), so that an example pasted
        // into a fresh app compiles there too (an unused import is an error, TS6133):
        noUnusedLocals: true,
        noUnusedParameters: true,
        erasableSyntaxOnly: true,
        noFallthroughCasesInSwitch: true,
        moduleDetection: 'force',
        allowImportingTsExtensions: true,
        noUncheckedIndexedAccess: true,
        noImplicitOverride: true,
        isolatedModules: true,
        verbatimModuleSyntax: true,
        skipLibCheck: true,
        noEmit: true,
        types: [],
        paths: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, [toRepo(file)]])),
      },
      // A list, not a pattern: TypeScript's patterns skip directories whose name starts with a dot.
      files: ['prelude.d.ts', 'auth.ts', ...generated.keys()],
    },
    null,
    2,
  )}\n`,
);

/** TS6133 and friends: a declared name, import or parameter that is never read. */
const UNUSED = /^error TS(6133|6192|6196|6198|6199|6205):/;
/** Sources whose blocks are complete files or lines to paste: compiled with every check of Vite's template. */
const PASTED = new Set(['README.md']);
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(outDir, 'tsconfig.json'), '--pretty', 'false'], { cwd: root, encoding: 'utf8' });
const output = `${result.stdout}${result.stderr}`;
let ignored = 0;
for (const line of output.split('\n')) {
  if (!line.trim()) continue;
  const m = /^(.*?)\((\d+),(\d+)\): (.*)$/.exec(line);
  const file = m && generated.get(relative(outDir, join(root, m[1]!)));
  // noUnusedLocals/Parameters hold for the README's blocks, which are pasted into apps as they are. TSDoc and
  // docs/ examples are fragments that declare a name to show its type or value: an unused one is fine there.
  if (m && file && UNUSED.test(m[4]!) && !PASTED.has(file.block.source)) {
    ignored++;
    continue;
  }
  if (m && file) {
    const sourceLine = file.block.line + Number(m[2]) - 1 - file.headerLines;
    problems.push({ where: `${file.block.source}:${sourceLine}:${m[3]}`, message: m[4]! });
  } else if (m || /error TS/.test(line)) {
    problems.push({ where: m ? `${m[1]}:${m[2]}:${m[3]}` : 'tsc', message: m ? m[4]! : line });
  } else if (problems.length && !/^\S/.test(line)) {
    problems[problems.length - 1]!.message += `\n  ${line.trim()}`;
  }
}
if (result.status !== 0 && problems.length === 0 && ignored === 0) problems.push({ where: 'tsc', message: output || `exited with ${result.status}` });

const bySource = new Map<string, number>();
for (const { block } of generated.values()) bySource.set(block.source, (bySource.get(block.source) ?? 0) + 1);
const summary = [...bySource].map(([s, n]) => `${s} ${n}`).join(', ');
if (problems.length) {
  for (const p of problems) console.error(`${p.where}: ${p.message}`);
  console.error(`\ndocs:check: ${problems.length} problem(s) in ${generated.size} examples (${summary}); generated files in ${relative(root, outDir)}/`);
  process.exit(1);
}
console.log(`docs:check: ${api.length} public exports documented with examples; ${generated.size} examples type-check (${summary})${skipped ? `; ${skipped} marked @check-skip` : ''}`);
