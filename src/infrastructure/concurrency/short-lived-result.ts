/**
 * `load`, run at most once per `ttlMs`: every call within `ttlMs` of the call
 * that started a load shares its promise (also while it is still running). A
 * failed load is not kept, so the next call tries again. For figures read on
 * every probe or scrape (lags, metrics) that need not be fresher than that.
 */
export function shortLived<T>(ttlMs: number, load: () => Promise<T>): () => Promise<T> {
  let cached: { at: number; result: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (cached && now - cached.at < ttlMs) return cached.result;
    const result = load();
    const entry = { at: now, result };
    cached = entry;
    result.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return result;
  };
}
