// The document journal's line format, shared by DocumentJournal (which reads lines back) and the
// file thread (which writes them). Plain JavaScript so the thread runs it from the sources and
// from dist alike; its types are in journalLines.d.mts.
import { crc32 } from 'node:zlib';

/**
 * CRC-32 of a line's JSON as 8 hex digits: it only has to catch a torn or damaged tail, not an
 * adversary (the journal is as trusted as the documents).
 */
export function journalChecksum(json) {
  return crc32(json).toString(16).padStart(8, '0');
}

/**
 * The lines `<checksum> <json>\n` for records given as their JSON joined with '\n' (JSON text
 * never holds a raw newline, so each line of `jsons` is one record).
 */
export function journalLines(jsons) {
  let text = '';
  for (const json of jsons.split('\n')) text += `${journalChecksum(json)} ${json}\n`;
  return text;
}
