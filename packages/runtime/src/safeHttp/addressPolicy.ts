import { BlockList, isIP } from 'node:net';

/** Why an address is refused: the range it falls in, named for a person reading a log. */
export interface BlockedRange {
  cidr: string;
  label: string;
}

interface RangeSpec extends BlockedRange {
  /** Refused even when private networks are allowed (cloud metadata, broadcast, multicast...). */
  always: boolean;
}

// Special-purpose registries (RFC 6890 and successors). Each entry is a range no HTTP node should
// reach by default; `always` marks those that are never a legitimate API endpoint.
const IPV4_RANGES: RangeSpec[] = [
  { cidr: '0.0.0.0/8', label: 'the "this network" range', always: true },
  { cidr: '10.0.0.0/8', label: 'a private network', always: false },
  { cidr: '100.64.0.0/10', label: 'a carrier-grade NAT network', always: false },
  { cidr: '127.0.0.0/8', label: 'this machine (loopback)', always: false },
  { cidr: '169.254.0.0/16', label: 'a link-local address (cloud metadata lives here)', always: true },
  { cidr: '172.16.0.0/12', label: 'a private network', always: false },
  { cidr: '192.0.0.0/24', label: 'an IETF protocol range', always: true },
  { cidr: '192.0.2.0/24', label: 'a documentation range', always: true },
  { cidr: '192.88.99.0/24', label: 'the 6to4 relay range', always: true },
  { cidr: '192.168.0.0/16', label: 'a private network', always: false },
  { cidr: '198.18.0.0/15', label: 'a benchmarking network', always: false },
  { cidr: '198.51.100.0/24', label: 'a documentation range', always: true },
  { cidr: '203.0.113.0/24', label: 'a documentation range', always: true },
  { cidr: '224.0.0.0/4', label: 'a multicast range', always: true },
  { cidr: '240.0.0.0/4', label: 'a reserved range', always: true },
];

const IPV6_RANGES: RangeSpec[] = [
  { cidr: '::/128', label: 'the unspecified address', always: true },
  { cidr: '::1/128', label: 'this machine (loopback)', always: false },
  // Not `always`: it contains ::1, which allowPrivateNetworks lets through.
  { cidr: '::/96', label: 'an IPv4-compatible address', always: false },
  { cidr: '64:ff9b::/96', label: 'a NAT64 address', always: true },
  { cidr: '64:ff9b:1::/48', label: 'a local NAT64 address', always: true },
  { cidr: '100::/64', label: 'a discard-only range', always: true },
  { cidr: '2001::/32', label: 'a Teredo tunnel address', always: true },
  { cidr: '2001:db8::/32', label: 'a documentation range', always: true },
  { cidr: 'fc00::/7', label: 'a private network (unique local)', always: false },
  { cidr: 'fe80::/10', label: 'a link-local address', always: true },
  { cidr: 'fec0::/10', label: 'a site-local address', always: true },
  { cidr: 'ff00::/8', label: 'a multicast range', always: true },
];

function toBlockList(cidr: string): BlockList {
  const [network, prefix] = cidr.split('/') as [string, string];
  const list = new BlockList();
  list.addSubnet(network, Number(prefix), isIP(network) === 6 ? 'ipv6' : 'ipv4');
  return list;
}

const compiled = [...IPV4_RANGES, ...IPV6_RANGES].map((range) => ({
  ...range,
  family: isIP(range.cidr.split('/')[0] ?? '') === 6 ? ('ipv6' as const) : ('ipv4' as const),
  list: toBlockList(range.cidr),
}));

/** Expands an IPv6 literal to its eight 16-bit groups, or undefined when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.replace(/%.*$/, '');
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a, b, c, d] = dotted[1].split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill =
    tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...fill, ...tailGroups].map((group) => parseInt(group, 16));
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * The IPv4 address an IPv6 address carries, when it carries one a router would honour:
 * IPv4-mapped (::ffff:a.b.c.d) and 6to4 (2002:AABB:CCDD::). Checked like the IPv4 itself,
 * so `[::ffff:127.0.0.1]` cannot sneak past a loopback rule.
 */
export function embeddedIPv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  if (!groups || groups.length !== 8) return undefined;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff)
    return ipv4FromGroups(g6, g7);
  if (g0 === 0x2002) return ipv4FromGroups(g1, g2);
  return undefined;
}

/** The options that loosen the default policy. */
export interface AddressPolicyOptions {
  /** Let private, loopback and CGNAT ranges through (never metadata, multicast or reserved ones). */
  allowPrivateNetworks?: boolean;
  /** CIDRs (`127.0.0.1/32`, `fd00::/8`) that are always reachable, checked before any rule. */
  allowCidrs?: readonly string[];
}

/** An address checker: `undefined` when the address may be contacted, else the range that refuses it. */
export type AddressPolicy = (address: string) => BlockedRange | undefined;

/**
 * Builds the check applied to every resolved address before a connection is made.
 * @example const check = createAddressPolicy({}); check('10.0.0.1') // → { cidr: '10.0.0.0/8', ... }
 */
export function createAddressPolicy(options: AddressPolicyOptions = {}): AddressPolicy {
  const allowed = (options.allowCidrs ?? []).map(toBlockList);
  const isAllowed = (address: string): boolean => {
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    return allowed.some((list) => list.check(address, family));
  };
  return (rawAddress) => {
    const address = rawAddress.replace(/^\[|\]$/g, '');
    const version = isIP(address);
    if (version === 0) return { cidr: address, label: 'not an IP address' };
    if (isAllowed(address)) return undefined;
    const inner = version === 6 ? embeddedIPv4(address) : undefined;
    if (inner !== undefined) {
      if (isAllowed(inner)) return undefined;
      const innerVerdict = checkRanges(inner, 'ipv4', options.allowPrivateNetworks === true);
      if (innerVerdict) return innerVerdict;
    }
    return checkRanges(address, version === 6 ? 'ipv6' : 'ipv4', options.allowPrivateNetworks === true);
  };
}

function checkRanges(
  address: string,
  family: 'ipv4' | 'ipv6',
  allowPrivate: boolean,
): BlockedRange | undefined {
  for (const range of compiled) {
    if (range.family !== family) continue;
    if (allowPrivate && !range.always) continue;
    if (range.list.check(address, family)) return { cidr: range.cidr, label: range.label };
  }
  return undefined;
}
