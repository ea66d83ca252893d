/**
 * The report as a terminal table: one line per check (verdict, id, what was seen), the fix indented under
 * each row that has one. Plain text, no colours: it is pasted into issues and CI logs.
 */
import type { Report, Row } from './report.js';

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

function line(row: Row, idWidth: number): string {
  const target = row.target ? ` [${row.target}]` : '';
  const head = `${MARK[row.verdict]}  ${row.id.padEnd(idWidth)}  ${row.saw}${target}`;
  return row.fix ? `${head}\n${' '.repeat(idWidth + 8)}fix: ${row.fix}` : head;
}

export function toText(report: Report): string {
  const idWidth = Math.max(...report.rows.map((row) => row.id.length), 2);
  const count = (verdict: Row['verdict']) => report.rows.filter((row) => row.verdict === verdict).length;
  return [
    `browser-oauth doctor: ${report.issuer} for ${report.origin}${report.idp === 'generic' ? '' : ` (recognised: ${report.idp})`}`,
    '',
    ...report.rows.map((row) => line(row, idWidth)),
    '',
    `${count('pass')} passed, ${count('warn')} warnings, ${count('fail')} failed`,
  ].join('\n');
}
