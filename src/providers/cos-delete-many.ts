/**
 * Many keys deleted in few requests: COS's DELETE Multiple Objects (`POST /?delete`, 436/8289) takes
 * up to 1,000 keys a request and answers per key. No CAM action beyond `cos:DeleteObject` is needed:
 * outside anonymous access "each deleted object is checked for cos:DeleteObject" (436/8289).
 *
 * The request is sent in Verbose mode, not Quiet: a key counts as deleted only when the answer lists
 * it under `<Deleted>`. In Quiet mode a key would count as deleted by its absence from `<Error>`, and an
 * answer cut short or misread would then pass keys still stored for deleted ones.
 */

import { type KeyNotDeleted, KeysNotDeletedError } from "../foundation/object-store";

/** "单次请求支持最多删除1000个对象" (436/8289). */
export const DELETE_BATCH = 1000;

/** What one request answered, as the SDK's `deleteMultipleObject` resolves it. */
export interface DeleteAnswer {
  readonly Deleted: readonly { readonly Key: string }[];
  readonly Error: readonly { readonly Key: string; readonly Code?: string; readonly Message?: string }[];
}

/**
 * Sends `keys` (deduplicated) in requests of at most `DELETE_BATCH`, one after another; resolves when
 * every key was deleted, else rejects with {@link KeysNotDeletedError} naming the keys that were not:
 * those COS refused, those its answer left out, and every key of a request that failed as a whole.
 */
export async function deleteInBatches(
  keys: readonly string[],
  send: (batch: readonly string[]) => Promise<DeleteAnswer>,
  failureOf: (error: unknown, batch: readonly string[]) => { code: string; message: string },
): Promise<void> {
  const unique = [...new Set(keys)];
  const notDeleted: KeyNotDeleted[] = [];
  for (let start = 0; start < unique.length; start += DELETE_BATCH) {
    const batch = unique.slice(start, start + DELETE_BATCH);
    let answer: DeleteAnswer;
    try {
      answer = await send(batch);
    } catch (error) {
      const { code, message } = failureOf(error, batch);
      notDeleted.push(...batch.map((key) => ({ key, code, message })));
      continue;
    }
    const deleted = new Set(answer.Deleted.map((entry) => entry.Key));
    const refused = new Map(answer.Error.map((entry) => [entry.Key, entry]));
    for (const key of batch) {
      if (deleted.has(key) && !refused.has(key)) continue;
      const error = refused.get(key);
      notDeleted.push({
        key,
        code: error?.Code ?? "InternalError",
        message: error?.Message ?? "COS's answer did not list the key as deleted",
      });
    }
  }
  if (notDeleted.length > 0) throw new KeysNotDeletedError(notDeleted, unique.length);
}
