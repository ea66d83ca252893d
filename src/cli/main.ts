/**
 * `npx browser-oauth doctor …`: parses the command line, runs the doctor with Node's `fetch`, prints the
 * table (or `--json`) and exits 0 when nothing failed, 1 when a check failed, 2 on a usage error.
 */
import { parseDoctorArgs, USAGE } from './args.js';
import { runDoctor } from './doctor.js';
import { nodeProbe } from './http-probe.js';
import { exitCode, toJson } from './report.js';
import { toText } from './text.js';

const parsed = parseDoctorArgs(process.argv.slice(2));
if (!parsed.ok) {
  if (parsed.help) {
    console.log(parsed.message);
    process.exit(0);
  }
  console.error(`browser-oauth: ${parsed.message}\n\n${USAGE}`);
  process.exit(2);
}
const report = await runDoctor(parsed.options, nodeProbe(parsed.options.timeoutMs));
console.log(parsed.options.json ? toJson(report) : toText(report));
process.exitCode = exitCode(report.rows);
