// Drops two warnings oidc-provider prints on every start that are not problems for this demo, so that a clean
// `npm run demo` or `npm test` prints nothing alarming. Imported by authorization-server.ts BEFORE oidc-provider:
// the runtime warning is printed while that module loads. Every other oidc-provider warning still shows.
//   - "Unsupported runtime. Use Node.js v22.x LTS": oidc-provider 9 supports Node 22+ only; the demo and the whole
//     test suite run (and pass) on Node 20.19+ too, which is what package.json's `engines` says.
//   - "a quick start development-only in-memory adapter is used": on purpose; the demo keeps nothing across
//     restarts (its signing keys are made at start-up too).
const EXPECTED = ['Unsupported runtime. Use Node.js v22.x LTS', 'a quick start development-only in-memory adapter is used'];

const warn = console.warn.bind(console);
console.warn = (...args: unknown[]): void => {
  const first = args[0];
  if (typeof first === 'string' && first.includes('oidc-provider WARNING: ') && EXPECTED.some((e) => first.includes(e))) return;
  warn(...args);
};
