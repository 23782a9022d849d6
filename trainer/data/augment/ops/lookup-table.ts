/**
 * 256-entry byte tables for point operations — ops that map every 8-bit value
 * through the same function on all channels (brightness, contrast, solarize).
 * Consecutive point ops compose into one table, and a pending table can be
 * read through by the next per-pixel op or folded into the normalisation
 * table, so a chain of them costs no extra pass over the image while giving
 * exactly the bytes of applying them one after another.
 */

export type ByteTable = Uint8Array;

export function identityTable(): ByteTable {
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v++) table[v] = v;
  return table;
}

/** The table of `outer` applied after `inner` (null = identity). */
export function composeTables(outer: ByteTable, inner: ByteTable | null): ByteTable {
  if (inner === null) return outer;
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v++) table[v] = outer[inner[v] as number] as number;
  return table;
}

/** Map every byte through `table`, in place. */
export function applyTableInPlace(data: Uint8Array, table: ByteTable): void {
  for (let i = 0; i < data.length; i++) data[i] = table[data[i] as number] as number;
}
