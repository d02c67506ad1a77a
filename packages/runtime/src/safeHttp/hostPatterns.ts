/**
 * Whether a URL's host (and port) matches one of the allow patterns: `api.example.com`,
 * `api.example.com:8443`, `*.example.com` (any subdomain, not the apex), `127.0.0.1:4010`,
 * `[::1]:8080`. Comparison is case-insensitive; a pattern without a port matches every port.
 * @example matchesHostPattern(['*.corp.example'], 'crm.corp.example', 443) // → true
 */
export function matchesHostPattern(patterns: readonly string[], hostname: string, port: number): boolean {
  const host = stripBrackets(hostname.toLowerCase()).replace(/\.$/, '');
  return patterns.some((raw) => {
    const { patternHost, patternPort } = splitPattern(raw.trim().toLowerCase());
    if (patternPort !== undefined && patternPort !== port) return false;
    if (patternHost.startsWith('*.'))
      return host.endsWith(patternHost.slice(1)) && host.length > patternHost.length - 1;
    return host === patternHost;
  });
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function splitPattern(pattern: string): { patternHost: string; patternPort?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(pattern);
  if (bracketed) {
    return { patternHost: bracketed[1] ?? '', patternPort: bracketed[2] ? Number(bracketed[2]) : undefined };
  }
  // A bare IPv6 literal has several colons and no port.
  if ((pattern.match(/:/g) ?? []).length > 1) return { patternHost: pattern };
  const [patternHost = '', port] = pattern.split(':');
  return { patternHost: patternHost.replace(/\.$/, ''), patternPort: port ? Number(port) : undefined };
}
