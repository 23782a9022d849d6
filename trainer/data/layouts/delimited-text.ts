/**
 * Splitting and sniffing delimiter-separated lines (CSV, TSV, semicolon lists
 * from European spreadsheet locales), with RFC 4180 quoting so paths holding
 * commas survive.
 */

export type Delimiter = ',' | '\t' | ';';
const DELIMITERS: readonly Delimiter[] = ['\t', ',', ';'];

export function splitDelimited(line: string, delimiter: Delimiter): string[] {
  if (!line.includes('"')) return line.split(delimiter).map((f) => f.trim());
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      fields.push(field.trim());
      field = '';
    } else field += c;
  }
  fields.push(field.trim());
  return fields;
}

/**
 * The delimiter that splits the sample lines into the same number (≥ 2) of
 * fields most consistently; null if none does (a one-column list).
 */
export function sniffDelimiter(lines: readonly string[]): Delimiter | null {
  let best: { delimiter: Delimiter; score: number } | null = null;
  for (const delimiter of DELIMITERS) {
    const counts = lines.map((l) => splitDelimited(l, delimiter).length);
    const first = counts[0] ?? 1;
    if (first < 2) continue;
    const score = counts.filter((n) => n === first).length;
    if (score * 2 > counts.length && (!best || score > best.score)) best = { delimiter, score };
  }
  return best?.delimiter ?? null;
}

export function describeDelimiter(delimiter: Delimiter | null): string {
  return delimiter === '\t' ? 'tab' : delimiter === ',' ? 'comma' : delimiter === ';' ? 'semicolon' : 'none (one column)';
}
