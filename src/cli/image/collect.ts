/** A repeatable option's values, in order (commander's argParser). */
export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}
