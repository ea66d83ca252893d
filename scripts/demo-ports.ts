/**
 * Where the test runs put the demo's servers: every port moves with one base (E2E_PORT_BASE for the
 * test suites), so that two runs on one machine do not collide. Shared by playwright.config.ts and the
 * engine tests (e2e-engines/), which start the same demo the same way.
 */
export interface DemoPorts {
  readonly as: number;
  readonly api: number;
  readonly other: number;
  readonly spa: number;
}

export function demoPorts(base: number): DemoPorts {
  return { as: base, api: base + 1, other: base + 2, spa: base + 1173 };
}

/** The env of `demo/server/main.ts --mode preview` for the tests: test control on, the SDK from dist/. */
export function demoTestEnv(ports: DemoPorts): Record<string, string> {
  return {
    AS_PORT: String(ports.as),
    API_PORT: String(ports.api),
    OTHER_PORT: String(ports.other),
    SPA_PORT: String(ports.spa),
    TEST_CONTROL: '1',
    BROWSER_OAUTH_FROM: 'dist',
    ACCESS_TOKEN_TTL: '60',
  };
}
