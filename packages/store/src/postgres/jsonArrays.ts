// A grouped statement carries its JSON documents (conversations, outbox rows, transcript entries,
// inbox events) as one parameter per column. Sent as a JavaScript array, `pg` writes an array
// literal: each document stringified, then quoted with every one of its quotes escaped — a regular
// expression over every byte, ~2.5× the cost of the stringify itself (18 against 7.5 µs for a
// 1.8 kB document here), and 4 % of the server's event loop in a PostgreSQL benchmark profile.
// Sent as ONE JSON array instead, the list is stringified once and PostgreSQL parses it once.

/**
 * The parameter for a list of JSON documents: one JSON array text (`null` for a missing one).
 * Read it in SQL with {@link jsonbArray}.
 * @example prepared(`SELECT * FROM unnest(${jsonbArray(1)})`, [jsonList([{ a: 1 }, null])])
 */
export function jsonList(documents: readonly unknown[]): string {
  // An undefined element is written `null` too (JSON arrays have no holes).
  return JSON.stringify(documents);
}

/**
 * SQL for the `jsonb[]` that parameter `$n` carries as {@link jsonList} text, in its order; a
 * JSON `null` element is SQL NULL (a missing document), as in the array it replaces.
 * @example jsonbArray(9) // "ARRAY(SELECT NULLIF(e, 'null'::jsonb) FROM jsonb_array_elements($9::jsonb) …)"
 */
export function jsonbArray(n: number): string {
  return `ARRAY(SELECT NULLIF(e, 'null'::jsonb) FROM jsonb_array_elements($${n}::jsonb) WITH ORDINALITY AS x(e, i) ORDER BY i)`;
}
