/**
 * The baseline strategy: what Tencent's "EdgeOne automatic purge" template does (shared/reference/
 * prior-art.md), written here only to be measured against, with the real `tencentcloud-sdk-nodejs-teo`
 * client:
 *
 * - one `CreatePurgeTask` (`purge_url`) per uploaded file, with its URL on every domain (the key
 *   strictly percent-encoded; the benchmark's keys need no encoding, so this is also cos-purge's URL);
 * - any error is retried: three attempts in all, one second apart;
 * - a batch that still fails is re-submitted one URL per call, each again three attempts;
 * - a `FailedList` entry counts as a failure; any failure ends the invocation with an error (the
 *   template throws a string; SCF re-runs the whole event a minute later, which is not run here).
 *
 * No quota check, no dedup, no backlog: a target whose attempts all fail is lost.
 */
import { teo } from "tencentcloud-sdk-nodejs-teo";

export interface BaselineOptions {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly zoneId: string;
  readonly domains: readonly string[];
  readonly secretId: string;
  readonly secretKey: string;
}

/** The template's retry: three attempts, one second apart. */
const ATTEMPTS = 3;
const RETRY_DELAY_MS = 1_000;
/** The template cuts a file's URL list at 1,000 targets per call. */
const CHUNK = 1_000;

export class BaselineFailure extends Error {
  override readonly name = "BaselineFailure";
  constructor(readonly failedUrls: readonly string[]) {
    super(`${failedUrls.length} URLs not purged: ${failedUrls.slice(0, 3).join(", ")}`);
  }
}

/** One invocation of the template for the object `key`: resolves with its calls, rejects with `BaselineFailure`. */
export type BaselineInvocation = (key: string) => Promise<{ calls: number }>;

export function createBaseline(options: BaselineOptions): BaselineInvocation {
  const url = new URL(options.endpoint);
  const client = new teo.v20220901.Client({
    credential: { secretId: options.secretId, secretKey: options.secretKey },
    profile: { httpProfile: { endpoint: url.host, protocol: `${url.protocol}//` } },
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  return async (key) => {
    let calls = 0;
    /** True when the call succeeded with an empty FailedList. */
    const purge = async (targets: string[]): Promise<boolean> => {
      for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
        if (attempt > 1) await sleep(RETRY_DELAY_MS);
        calls += 1;
        try {
          const response = await client.CreatePurgeTask({
            ZoneId: options.zoneId,
            Type: "purge_url",
            Targets: targets,
          });
          return (response.FailedList ?? []).length === 0;
        } catch {
          // Any error, whatever its code, is tried again.
        }
      }
      return false;
    };

    const encoded = key.split("/").map(strictEncode).join("/");
    const urls = options.domains.map((domain) => `https://${domain}/${encoded}`);
    const failed: string[] = [];
    for (let start = 0; start < urls.length; start += CHUNK) {
      const chunk = urls.slice(start, start + CHUNK);
      if (await purge(chunk)) continue;
      for (const single of chunk) if (!(await purge([single]))) failed.push(single);
    }
    if (failed.length > 0) throw new BaselineFailure(failed);
    return { calls };
  };
}

/** RFC 3986: everything but unreserved characters percent-encoded (`!'()*` too). */
function strictEncode(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
