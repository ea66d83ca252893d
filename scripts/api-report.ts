/**
 * The public API reports: `api/*.api.md`, one per `package.json` export, written by API Extractor from the
 * built declarations (`dist/**\/*.d.ts`, emitted by `npm run build`).
 *
 *   npx tsx scripts/api-report.ts           # npm run api:check — fails if an exported type changed
 *   npx tsx scripts/api-report.ts --local   # npm run api:update — rewrites the reports; review and commit them
 *
 * Why a committed report: an accidental change to an exported type (a field renamed while moving code, an option
 * made required, a union member dropped) breaks every app that upgrades, yet compiles and passes every test here.
 * The report turns it into a diff that `npm test` refuses until someone runs `npm run api:update` and commits it.
 *
 * What the report holds, on purpose: signatures only. API Extractor rolls each entry point up into one listing
 * (no source file names: moving a type to another module changes nothing), and withoutDocText() drops what
 * depends on TSDoc wording. Types an export uses without the entry exporting them are listed too, unexported
 * (`includeForgottenExports`), so changing one of those is caught as well.
 *
 * API Extractor always runs in its "local" mode here, writing into a temporary folder; this script does the
 * comparison, because the committed text is API Extractor's output after withoutDocText().
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CompilerState,
  ConsoleMessageId,
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type ExtractorMessage,
  type IConfigFile,
} from '@microsoft/api-extractor';
import { lineDiff, withoutDocText } from './api-report-text.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * One report per entry of `package.json` `exports` (its `types` file). `forgotten`: how to treat a type that an
 * export uses but the entry does not export. For `"."` that is a defect (users cannot name the type), so the check
 * fails on it; the adapters use the core's types, which `"."` exports, on purpose.
 */
const entries = [
  { specifier: 'browser-oauth', report: 'browser-oauth', types: 'dist/index.d.ts', forgotten: ExtractorLogLevel.Warning },
  { specifier: 'browser-oauth/react', report: 'browser-oauth-react', types: 'dist/react/index.d.ts', forgotten: ExtractorLogLevel.None },
  { specifier: 'browser-oauth/vue', report: 'browser-oauth-vue', types: 'dist/vue/index.d.ts', forgotten: ExtractorLogLevel.None },
  { specifier: 'browser-oauth/testing', report: 'browser-oauth-testing', types: 'dist/testing/index.d.ts', forgotten: ExtractorLogLevel.None },
] as const;

const update = process.argv.includes('--local');
const unknown = process.argv.slice(2).filter((arg) => arg !== '--local');
if (unknown.length > 0) {
  console.error(`api-report: unknown argument ${unknown.join(' ')} (only --local)`);
  process.exit(2);
}
const missing = entries.filter((e) => !existsSync(join(root, e.types)));
if (missing.length > 0) {
  console.error(`api-report: ${missing.map((e) => e.types).join(', ')} not found: run \`npm run build\` first.`);
  process.exit(2);
}

function config(entry: (typeof entries)[number], outFolder: string): ExtractorConfig {
  const configObject: IConfigFile = {
    projectFolder: root,
    mainEntryPointFilePath: join(root, entry.types),
    bundledPackages: [],
    newlineKind: 'lf',
    // Own settings for reading declaration files, so that tsconfig.json (which is about the sources) cannot
    // change the report.
    compiler: {
      overrideTsconfig: {
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: ['ES2022', 'DOM', 'DOM.Iterable'],
          strict: true,
          skipLibCheck: true,
          types: [],
        },
        files: entries.map((e) => e.types),
      },
    },
    apiReport: {
      enabled: true,
      reportFileName: entry.report,
      reportFolder: outFolder,
      reportTempFolder: join(outFolder, 'temp'),
      includeForgottenExports: true,
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    messages: {
      compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Error } },
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.Warning },
        // Release tags (@public/@beta) are not how this package marks its API: what an entry exports is public.
        'ae-missing-release-tag': { logLevel: ExtractorLogLevel.None },
        // Never written into the report: its text names dist/ files and line numbers, which move with comments.
        'ae-forgotten-export': { logLevel: entry.forgotten, addToApiReportFile: false },
        // Documentation is checked by TypeDoc (`npm run docs`, warnings are errors) and docs:check, not here.
        'ae-unresolved-link': { logLevel: ExtractorLogLevel.None },
        'ae-undocumented': { logLevel: ExtractorLogLevel.None },
      },
      // TSDoc's grammar is stricter than TypeDoc's (`@module`, `{@link}` targets): not an API matter.
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
    },
  };
  return ExtractorConfig.prepare({ configObject, configObjectFullPath: undefined, packageJsonFullPath: join(root, 'package.json') });
}

/** API Extractor's notices about its own bookkeeping: its compiler's version, the new file in the temporary folder. */
function quiet(message: ExtractorMessage): void {
  if (message.messageId === ConsoleMessageId.Preamble || message.messageId === ConsoleMessageId.ApiReportCreated) {
    message.logLevel = ExtractorLogLevel.None;
    message.handled = true;
  }
}

const outFolder = mkdtempSync(join(tmpdir(), 'browser-oauth-api-'));
const changed: { file: string; diff: string }[] = [];
const problems: string[] = [];
let errors = 0;
try {
  const configs = entries.map((entry) => config(entry, outFolder));
  // One TypeScript program for all three entries: the adapters import the core's declarations anyway.
  const compilerState = CompilerState.create(configs[0]!, {
    additionalEntryPoints: entries.slice(1).map((e) => join(root, e.types)),
  });
  entries.forEach((entry, i) => {
    const result = Extractor.invoke(configs[i]!, { localBuild: true, compilerState, messageCallback: quiet });
    errors += result.errorCount;
    if (result.errorCount + result.warningCount > 0) {
      problems.push(`${entry.types}: ${result.errorCount} error(s), ${result.warningCount} warning(s), printed above`);
    }
    const generated = readFileSync(join(outFolder, `${entry.report}.api.md`), 'utf8');
    const report = withoutDocText(generated).replace(
      /^## API Report File for "[^"]*"/,
      `## API Report File for "${entry.specifier}"`,
    );
    const file = `api/${entry.report}.api.md`;
    const committed = existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf8').replace(/\r\n/g, '\n') : '';
    if (committed === report) return;
    changed.push({ file, diff: lineDiff(committed, report) });
    if (update) {
      mkdirSync(join(root, 'api'), { recursive: true });
      writeFileSync(join(root, file), report);
    }
  });
} finally {
  rmSync(outFolder, { recursive: true, force: true });
}

const names = changed.map((c) => c.file).join(', ');
if (update) {
  if (problems.length > 0) console.error(`\napi-report: API Extractor reported problems:\n  ${problems.join('\n  ')}`);
  console.log(changed.length > 0 ? `api-report: updated ${names}: review the diff and commit it.` : 'api-report: the API reports are up to date.');
  // Like API Extractor's own local mode: warnings do not stop an update (the check still fails on them).
  process.exit(errors > 0 ? 1 : 0);
}
for (const { file, diff } of changed) console.error(`\n--- ${file} (committed)\n+++ ${file} (from the built dist/*.d.ts)\n${diff}`);
if (changed.length > 0) {
  console.error(
    `\napi-report: the public API changed: ${names} ${changed.length === 1 ? 'does' : 'do'} not match the built declarations (diff above).\n` +
      'If the change is intended, run `npm run build && npm run api:update` and commit the updated report with it;\n' +
      'if not, restore the exported type.',
  );
}
if (problems.length > 0) console.error(`\napi-report: API Extractor reported problems:\n  ${problems.join('\n  ')}`);
if (changed.length > 0 || problems.length > 0) process.exit(1);
console.log('api-report: the public API matches api/*.api.md.');
