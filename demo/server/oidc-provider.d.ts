// oidc-provider 9 ships no type declarations (and @types/oidc-provider is not installed).
// Just enough surface for the demo server; the provider is a Koa application in v9.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse, Server } from 'node:http';

  // Koa context, loosely typed: only what the demo touches.
  export interface KoaContext {
    req: IncomingMessage;
    res: ServerResponse;
    method: string;
    path: string;
    url: string;
    status: number;
    body: unknown;
    type: string;
    respond?: boolean;
    get(name: string): string;
    set(name: string, value: string): void;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    oidc?: any;
  }
  export type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void> | void;

  export interface Interaction {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    params: Record<string, unknown>;
    session?: { accountId?: string; uid?: string };
    grantId?: string;
    lastSubmission?: Record<string, unknown>;
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    issuer: string;
    proxy: boolean;
    use(fn: Middleware): this;
    listen(port: number, host: string, cb?: () => void): Server;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: any[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    // Models (Grant, Session, ...) are used dynamically.
    Grant: any;
    Client: any;
  }
  export const errors: Record<string, any>;
  export const interactionPolicy: any;
  export default Provider;
}
