/**
 * The COS adapter as the backlog opens it: one store per bucket, with the function's credentials and
 * `COS_ENDPOINT`. Built here, beside the adapter, and handed to `backlogOpener` by the handler and the
 * CLI, so that the backlog knows only the `ObjectStore` interface, never the SDK or the credentials.
 */
import type { Config } from "../foundation/model";
import { createCosStore, type ObjectStore } from "./cos";
import { credentialsFromEnv } from "./credentials";

/** The COS adapter with the function's credentials (read per call) and `COS_ENDPOINT`. */
export function cosStoreOpener(
  config: Config,
  env: Record<string, string | undefined>,
): (location: { readonly bucket: string; readonly region: string }) => ObjectStore {
  return (location) =>
    createCosStore({
      ...location,
      ...(config.backlog.endpoint === undefined ? {} : { endpoint: config.backlog.endpoint }),
      credentials: () => credentialsFromEnv(env),
      requestTimeoutMs: config.requestTimeoutMs,
    });
}
