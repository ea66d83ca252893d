/**
 * `pretest` of `npm test`: makes sure every program of scripts/system-deps.ts is on this machine before any
 * test runs. Missing ones are installed with one `apt-get install` when this runs as root on Debian; otherwise
 * it stops with the exact command to run. Nothing is ever skipped silently.
 *
 *   npx tsx scripts/ensure-system-deps.ts           check, install what is missing (root + apt-get)
 *   npx tsx scripts/ensure-system-deps.ts --check   check only; exit 1 with the command when something is missing
 */
import { spawnSync } from 'node:child_process';
import { resolve, SYSTEM_DEPENDENCIES, which, type Resolved } from './system-deps.ts';

const checkOnly = process.argv.includes('--check');

function report(resolved: readonly Resolved[]): void {
  for (const { dependency, path, source } of resolved) {
    const where = path ? `${path}${source === 'env' ? ` (${dependency.env})` : ''}` : source === 'env-missing' ? `${dependency.env} points to a missing file` : 'missing';
    console.log(`  ${path ? 'ok     ' : 'MISSING'} ${dependency.name.padEnd(16)} ${where}`);
  }
}

function run(command: string, args: readonly string[]): boolean {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

const resolved = SYSTEM_DEPENDENCIES.map((dependency) => resolve(dependency));
const broken = resolved.filter((r) => r.source === 'env-missing');
const missing = resolved.filter((r) => r.source === 'missing');

if (broken.length > 0) {
  // An explicit override that points nowhere is a mistake to fix, not something to paper over with an install.
  console.log('System dependencies of the test suite:');
  report(resolved);
  for (const { dependency } of broken) console.error(`${dependency.env}=${process.env[dependency.env!]} does not exist: fix or unset it.`);
  process.exit(1);
}

if (missing.length === 0) {
  if (process.env.CI || process.argv.includes('--verbose')) {
    console.log('System dependencies of the test suite:');
    report(resolved);
  }
  process.exit(0);
}

const packages = [...new Set(missing.flatMap((r) => r.dependency.packages))];
const command = `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
console.log('System dependencies of the test suite:');
report(resolved);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const canInstall = !checkOnly && isRoot && which('apt-get') !== undefined;
if (!canInstall) {
  const why = checkOnly ? '--check given' : !isRoot ? 'not running as root' : 'apt-get is not available';
  console.error(`\nMissing programs (${missing.map((r) => r.dependency.name).join(', ')}); not installing them (${why}). Run:\n\n  ${isRoot ? '' : 'sudo sh -c "'}${command}${isRoot ? '' : '"'}\n`);
  console.error('or point the env vars above at existing binaries. No test was run.');
  process.exit(1);
}

console.log(`\nInstalling ${packages.length} Debian package(s) for ${missing.map((r) => r.dependency.name).join(', ')}: ${packages.join(' ')}`);
const started = Date.now();
if (!run('apt-get', ['update', '-qq']) || !run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages])) {
  console.error(`\nThe install failed. Run it yourself and look at its output:\n\n  ${command}\n\nNo test was run.`);
  process.exit(1);
}
const after = SYSTEM_DEPENDENCIES.map((dependency) => resolve(dependency));
const still = after.filter((r) => !r.path);
report(after);
if (still.length > 0) {
  console.error(`\nStill missing after the install: ${still.map((r) => r.dependency.name).join(', ')}. No test was run.`);
  process.exit(1);
}
console.log(`Installed in ${Math.round((Date.now() - started) / 1000)} s.`);
