/**
 * Go's view of berth's JSON-shaped values: which objects act as structs (missing field is an
 * error) and which as maps (missing key is `<no value>`), truthiness, type names and `%v`.
 */

/** An object whose keys are all exported Go field names (PascalCase) stands for a struct. */
export function isStruct(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => /^[A-Z][A-Za-z0-9_]*$/.test(k));
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !isStruct(v);
}

/** text/template's `isTrue`: empty string/0/false/nil/empty collections are false; structs true. */
export function truth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'function') return true;
  return isStruct(v) || Object.keys(v as object).length > 0;
}

/** A Go-ish type name for error messages. */
export function goType(v: unknown): string {
  if (v === undefined || v === null) return 'interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'function') return 'func';
  if (Array.isArray(v)) return v.length && v.every((x) => typeof x === 'string') ? '[]string' : '[]interface {}';
  if (isStruct(v)) return 'struct';
  const vals = Object.values(v as object);
  return vals.length && vals.every((x) => typeof x === 'string') ? 'map[string]string' : 'map[string]interface {}';
}

/** strconv.FormatFloat(f, 'g', -1, 64) for non-integers; integers print as Go ints. */
export function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  const [mant, e] = n.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

/** fmt's `%v` of a value, as Docker's templates print it. */
export function goString(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'function') return '<func>';
  if (Array.isArray(v)) return `[${v.map(inner).join(' ')}]`;
  if (isStruct(v)) return `{${Object.values(v).map(inner).join(' ')}}`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${inner(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

function inner(v: unknown): string {
  return v === undefined ? '<nil>' : goString(v);
}
