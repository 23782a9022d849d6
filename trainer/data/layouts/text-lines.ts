/**
 * Line-by-line reading of label lists, streamed so a multi-million-line CSV
 * never sits in memory as one string. Handles CRLF and a UTF-8 BOM, which lists
 * written on Windows or by spreadsheet programs carry.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface NumberedLine {
  /** 1-based, as editors show it. */
  number: number;
  text: string;
}

export async function* readLines(path: string): AsyncGenerator<NumberedLine> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let number = 0;
  try {
    for await (const raw of lines) {
      number++;
      const text = number === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      yield { number, text };
    }
  } finally {
    lines.close();
  }
}

/** The first `count` lines (fewer if the file is shorter). */
export async function readFirstLines(path: string, count: number): Promise<NumberedLine[]> {
  const out: NumberedLine[] = [];
  for await (const line of readLines(path)) {
    out.push(line);
    if (out.length >= count) break;
  }
  return out;
}
