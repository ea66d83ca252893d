/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_ISSUER?: string;
  readonly VITE_API_URL?: string;
  readonly VITE_REPORTS_URL?: string;
  readonly VITE_OTHER_URL?: string;
  readonly VITE_CLIENT_ID?: string;
  readonly VITE_SPA_ORIGIN?: string;
  readonly VITE_SCOPE?: string;
  /** '1' only in the e2e launcher (TEST_CONTROL=1): enables demo/src/auth.ts test options. */
  readonly VITE_TEST_HOOKS?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
