import { httpRequestAction } from '../actions/local/http-request.js';
import { processExecAction } from '../actions/local/process-exec.js';
import { httpProbe } from '../probes/net/http.js';
import { tcpProbe } from '../probes/net/tcp.js';
import { Registry } from './registry.js';

let cached: Registry | undefined;

/** The registry with every built-in action and probe. */
export function defaultRegistry(): Registry {
  cached ??= new Registry()
    .registerAction(httpRequestAction)
    .registerAction(processExecAction)
    .registerProbe(httpProbe)
    .registerProbe(tcpProbe);
  return cached;
}
