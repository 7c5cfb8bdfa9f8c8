/**
 * The function's credentials, read from the environment on every call.
 *
 * With an execution role bound, SCF injects temporary keys as `TENCENTCLOUD_SECRETID`,
 * `TENCENTCLOUD_SECRETKEY` and `TENCENTCLOUD_SESSIONTOKEN` and rotates them on a warm instance, so they
 * are never cached. (The SDK's own `EnvironmentVariableCredential` reads `TENCENTCLOUD_SECRET_ID`, with
 * an underscore, which SCF does not set: tencent-cloud.md §2.)
 */
import { CosPurgeError } from "../report/errors";

export interface Credentials {
  readonly secretId: string;
  readonly secretKey: string;
  /** Session token of temporary keys (an execution role's); absent for permanent keys. */
  readonly token?: string;
}

const VARIABLES = {
  secretId: "TENCENTCLOUD_SECRETID",
  secretKey: "TENCENTCLOUD_SECRETKEY",
  token: "TENCENTCLOUD_SESSIONTOKEN",
} as const;

/**
 * Reads the credentials from `env`.
 *
 * @throws CosPurgeError with code `MissingCredentials` naming the missing variables (never a value)
 * and what to do: bind an execution role whose policy allows the purge actions.
 */
export function credentialsFromEnv(env: Record<string, string | undefined> = process.env): Credentials {
  const read = (name: string): string | undefined => env[name]?.trim() || undefined;
  const secretId = read(VARIABLES.secretId);
  const secretKey = read(VARIABLES.secretKey);
  const token = read(VARIABLES.token);
  if (secretId === undefined || secretKey === undefined) {
    const missing = [secretId ? [] : VARIABLES.secretId, secretKey ? [] : VARIABLES.secretKey].flat();
    throw new CosPurgeError(
      `No credentials: ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set. ` +
        "Bind an execution role to the function (SCF then sets these variables) whose policy allows " +
        "teo:CreatePurgeTask and teo:DescribeContentQuota (EdgeOne), cdn:PurgeUrlsCache and " +
        "cdn:DescribePurgeQuota (CDN); outside SCF, set the variables yourself.",
      { code: "MissingCredentials" },
    );
  }
  return token === undefined ? { secretId, secretKey } : { secretId, secretKey, token };
}
