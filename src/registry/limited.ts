/** Run `fns` with at most `n` at once; the first failure is thrown once all have settled. */
export async function limited<T>(n: number, fns: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(fns.length);
  let next = 0;
  let failure: { e: unknown } | undefined;
  const worker = async () => {
    while (next < fns.length && !failure) {
      const i = next++;
      try {
        out[i] = await fns[i]();
      } catch (e) {
        failure ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, fns.length) }, worker));
  if (failure) throw failure.e;
  return out;
}
