/**
 * The function's credentials, read from the environment on every call.
 *
 * With an execution role bound, SCF injects temporary keys as `TENCENTCLOUD_SECRETID`,
 * `TENCENTCLOUD_SECRETKEY` and `TENCENTCLOUD_SESSIONTOKEN` and rotates them on a warm instance, so they
 * are never cached. (The SDK's own `EnvironmentVariableCredential` reads `TENCENTCLOUD_SECRET_ID`, with
 * an underscore, which SCF does not set: tencent-cloud.md §2.)
 */
import { CosPurgeError } from "../foundation/errors";
import { CREDENTIAL_VARIABLES } from "../foundation/redact";

export interface Credentials {
  readonly secretId: string;
  readonly secretKey: string;
  /** Session token of temporary keys (an execution role's); absent for permanent keys. */
  readonly token?: string;
}

type Part = keyof typeof CREDENTIAL_VARIABLES;

/**
 * What in a value no Tencent Cloud key or token holds: they are printable ASCII without blanks. Such a
 * value was pasted or quoted wrong, and caught here it fails at once, as a credentials error: the
 * SecretId and the token travel in HTTP headers, where node-fetch refuses it with a message quoting the
 * whole value, which would pass for a network error and be retried.
 */
const FLAWS = [
  { pattern: /[\r\n]/, found: "a line break" },
  { pattern: /\s/, found: "a blank (space, tab or the like)" },
  { pattern: /\P{ASCII}/u, found: "a character outside ASCII" },
  { pattern: /[^\x21-\x7e]/, found: "a control character" },
] as const;

/**
 * Reads the credentials from `env`. Never puts a value in a message, only the variable's name.
 *
 * @throws CosPurgeError with code `MissingCredentials` naming the missing variables and what to do:
 * bind an execution role whose policy allows the purge actions; or `InvalidCredentials.<part>`
 * (`.SecretId`, `.SecretKey`, `.SessionToken`) when a value holds what no key holds.
 */
export function credentialsFromEnv(env: Record<string, string | undefined> = process.env): Credentials {
  const read = (part: Part): string | undefined => {
    const value = env[CREDENTIAL_VARIABLES[part]]?.trim() || undefined;
    const flaw = value === undefined ? undefined : FLAWS.find((entry) => entry.pattern.test(value));
    if (flaw !== undefined) {
      throw new CosPurgeError(
        `${CREDENTIAL_VARIABLES[part]} holds ${flaw.found}, which no Tencent Cloud key or token contains: ` +
          "the value was pasted or quoted wrong. Nothing was sent with it.",
        { code: `InvalidCredentials.${part}` },
      );
    }
    return value;
  };
  const secretId = read("SecretId");
  const secretKey = read("SecretKey");
  const token = read("SessionToken");
  if (secretId === undefined || secretKey === undefined) {
    const missing = [
      secretId ? [] : CREDENTIAL_VARIABLES.SecretId,
      secretKey ? [] : CREDENTIAL_VARIABLES.SecretKey,
    ].flat();
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
