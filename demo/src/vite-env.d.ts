/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_ISSUER?: string;
  readonly VITE_API_URL?: string;
  readonly VITE_OTHER_URL?: string;
  readonly VITE_CLIENT_ID?: string;
  readonly VITE_SPA_ORIGIN?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
