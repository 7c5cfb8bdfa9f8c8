/**
 * The storage port (foundation/object-store.ts), as the backlog uses it, and bounded concurrency for
 * its many small requests.
 */
export * from "../foundation/object-store";

/**
 * Runs `work` over `items` with at most `limit` in flight, in order of the items; rejects with the first
 * failure once every started call has settled (so no write is left running behind a thrown error).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const index = next++;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
