/** docker compose's progress lines (` Container web-1  Started`), on stderr. */
export type Kind = 'Network' | 'Volume' | 'Container' | 'Service' | 'Image';

export function progress(kind: Kind, name: string, what: string): void {
  process.stderr.write(` ${kind} ${name}  ${what}\n`);
}
