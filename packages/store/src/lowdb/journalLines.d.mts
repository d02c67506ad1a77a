/** CRC-32 of a journal line's JSON as 8 hex digits. */
export function journalChecksum(json: string): string;
/** The journal lines `<checksum> <json>\n` for records given as their JSON joined with '\n'. */
export function journalLines(jsons: string): string;
