/**
 * The doctor's result: one row per check, each with a stable `id` (scripts and the README refer to it), a
 * verdict, what the doctor saw and the exact fix. Pure data; printing is `text.ts`, JSON is here.
 */
export type Verdict = 'pass' | 'warn' | 'fail';

export interface Row {
  /** Stable check id, e.g. `cors.token`; several rows may share one (`cors.resource` per resource). */
  readonly id: string;
  readonly verdict: Verdict;
  /** What was observed, one line. */
  readonly saw: string;
  /** What to change, naming the identity provider's own setting when it is known. Absent on a pass. */
  readonly fix?: string;
  /** The URL the row is about, when a check runs once per URL. */
  readonly target?: string;
}

export const pass = (id: string, saw: string, target?: string): Row => ({ id, verdict: 'pass', saw, ...(target && { target }) });
export const warn = (id: string, saw: string, fix: string, target?: string): Row => ({ id, verdict: 'warn', saw, fix, ...(target && { target }) });
export const fail = (id: string, saw: string, fix: string, target?: string): Row => ({ id, verdict: 'fail', saw, fix, ...(target && { target }) });

/** 0 when nothing failed (warnings do not fail a CI job), 1 otherwise. Usage errors are 2 (`main.ts`). */
export const exitCode = (rows: readonly Row[]): 0 | 1 => (rows.some((row) => row.verdict === 'fail') ? 1 : 0);

export interface Report {
  readonly issuer: string;
  readonly origin: string;
  /** The identity provider recognised from the issuer, or `generic`. */
  readonly idp: string;
  readonly rows: readonly Row[];
}

/** `--json`: the report plus counts, for CI. */
export function toJson(report: Report): string {
  const count = (verdict: Verdict) => report.rows.filter((row) => row.verdict === verdict).length;
  return JSON.stringify({ ...report, summary: { pass: count('pass'), warn: count('warn'), fail: count('fail') } }, null, 2);
}
