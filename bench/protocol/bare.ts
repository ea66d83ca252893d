// The floor of bench/protocol.ts: no SDK, a `fetch` of the protected API with a Bearer token obtained
// beforehand and written into the page's config. With `?bench-first-call` it makes that call at load,
// as the SDK pages do once their SDK is ready, and records when it settled.
import { bearerCall, config, recordFirstCall, wantsFirstCall } from '../tabs/harness.ts';

if (wantsFirstCall()) recordFirstCall(() => bearerCall(config().bareToken));
