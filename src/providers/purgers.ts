/**
 * The purge adapters of a configuration: one per provider its sites use, built once per warm instance
 * (handler.ts) or CLI run, so that the function and `cos-purge purge`, `quota`, `tasks` and `backlog
 * drain` call the APIs exactly alike. The SDK itself loads on the first call (sdk.ts).
 */
import type { Config, Provider, Purger } from "../foundation/model";
import { createCdnPurger } from "./cdn";
import { credentialsFromEnv } from "./credentials";
import { createEdgeOnePurger } from "./edgeone";

/** One adapter per configured provider, with the credentials of `env` read per call. */
export function createPurgers(
  config: Config,
  env: Record<string, string | undefined>,
): Partial<Record<Provider, Purger>> {
  const credentials = () => credentialsFromEnv(env);
  const uses = (provider: Provider) => config.sites.some((site) => site.provider === provider);
  return {
    ...(uses("edgeone")
      ? {
          edgeone: createEdgeOnePurger({
            endpoint: config.teoEndpoint,
            requestTimeoutMs: config.requestTimeoutMs,
            credentials,
          }),
        }
      : {}),
    ...(uses("cdn")
      ? {
          cdn: createCdnPurger({
            endpoint: config.cdnEndpoint,
            requestTimeoutMs: config.requestTimeoutMs,
            credentials,
            prefetchArea: config.prefetchArea,
          }),
        }
      : {}),
  };
}
