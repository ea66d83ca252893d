/**
 * The text side of the API reports (scripts/api-report.ts): what is removed from API Extractor's output so that a
 * report changes only when a type does, and the line diff printed when it did. Pure functions, unit-tested in
 * test/api-report.test.ts.
 */

/** A `/** … *\/` comment, ending at its first `*\/`: never spans code between two comments. */
const docComment = String.raw`\/\*\*(?:[^*]|\*(?!\/))*\*\/`;

/**
 * The report without the text of doc comments. API Extractor leaves out the TSDoc of each declaration and member,
 * but copies a type alias's body verbatim, comments included (the summary of each `AuthState` member), and marks
 * a declaration without TSDoc `(undocumented)`. Rewording or adding documentation is not an API change, so all of
 * that goes; the tags API Extractor reports as `// @deprecated`-style lines stay (deprecating is one).
 */
export function withoutDocText(report: string): string {
  return report
    .replace(/\r\n/g, '\n')
    .replace(new RegExp(String.raw`^[ \t]*${docComment}[ \t]*\n`, 'gm'), '')
    .replace(new RegExp(String.raw`[ \t]*${docComment}`, 'g'), '')
    .replace(/^([ \t]*\/\/ @\w+(?: @\w+)*) \(undocumented\)$/gm, '$1')
    .replace(/^[ \t]*\/\/ \(undocumented\)\n/gm, '')
    .replace(/^\/\/ \(No @packageDocumentation comment for this package\)\n\n?/m, '');
}

/**
 * A line diff of `before` → `after` (longest common subsequence), for the terminal: changed lines with `-`/`+`,
 * `context` unchanged lines around them, `@@ line N` where each hunk starts in `before`. Empty when equal.
 */
export function lineDiff(before: string, after: string, context = 2): string {
  const a = before.split('\n');
  const b = after.split('\n');
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..]
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { kind: ' ' | '-' | '+'; text: string; line: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) ops.push({ kind: ' ', text: a[i++]!, line: i }), j++;
    else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ kind: '-', text: a[i++]!, line: i });
    else ops.push({ kind: '+', text: b[j++]!, line: i + 1 });
  }
  const near = (k: number) => ops.slice(Math.max(0, k - context), k + context + 1).some((op) => op.kind !== ' ');
  const out: string[] = [];
  let shown = -2;
  ops.forEach((op, k) => {
    if (!near(k)) return;
    if (shown !== k - 1) out.push(`@@ line ${op.line}`);
    out.push(`${op.kind} ${op.text}`.trimEnd());
    shown = k;
  });
  return out.join('\n');
}
