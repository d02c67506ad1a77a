import { createHash } from 'node:crypto';

/**
 * A strong ETag over a file's bytes: any change to the file, by anyone, changes it.
 * @example etagOf(await readFile('flows/welcome.json')) // '"3q2-7w…"'
 */
export function etagOf(bytes: Buffer | string): string {
  return `"${createHash('sha256').update(bytes).digest('base64url')}"`;
}

/** True when an `If-Match` value (quoted, unquoted, weak `W/`, a list, or `*`) names this ETag. */
export function matchesEtag(header: string, etag: string): boolean {
  const strip = (v: string) =>
    v
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1');
  return header.split(',').some((candidate) => candidate.trim() === '*' || strip(candidate) === strip(etag));
}
