/**
 * One more place a command's error line goes besides stderr (`berth runtime --log FILE`, where a
 * containerd shim reads the last error as runc writes it). Set per command, taken once by main.
 */
type Sink = (line: string) => void;

let sink: Sink | undefined;

export function setErrorSink(s: Sink | undefined): void {
  sink = s;
}

export function takeErrorSink(): Sink | undefined {
  const s = sink;
  sink = undefined;
  return s;
}
