// bench/RESULTS.md holds one section per benchmark; each bench rewrites only its own.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './bundle.ts';

/** Replaces (or appends) the section `## <heading>` of bench/RESULTS.md, leaving the others untouched. */
export function writeResultsSection(heading: string, body: string): string {
  const file = join(BENCH_DIR, 'RESULTS.md');
  const section = `## ${heading}\n\n${body.trim()}\n`;
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const escaped = heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = previous.search(new RegExp(`^## ${escaped}[ \\t]*$`, 'm'));
  let next: string;
  if (start < 0) {
    next = `${previous.trimEnd()}\n\n${section}`;
  } else {
    const after = previous.slice(start + 1).search(/^## /m);
    const end = after < 0 ? previous.length : start + 1 + after;
    next = `${previous.slice(0, start)}${section}\n${after < 0 ? '' : previous.slice(end)}`;
  }
  writeFileSync(file, `${next.trimEnd()}\n`);
  return file;
}
