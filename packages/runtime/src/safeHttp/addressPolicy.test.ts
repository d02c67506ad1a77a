import { describe, expect, it } from 'vitest';
import { createAddressPolicy, embeddedIPv4 } from './addressPolicy.js';
import { matchesHostPattern } from './hostPatterns.js';

describe('createAddressPolicy (default)', () => {
  const check = createAddressPolicy();

  it.each([
    ['127.0.0.1', '127.0.0.0/8'],
    ['127.255.255.254', '127.0.0.0/8'],
    ['0.0.0.0', '0.0.0.0/8'],
    ['10.1.2.3', '10.0.0.0/8'],
    ['172.16.0.1', '172.16.0.0/12'],
    ['172.31.255.255', '172.16.0.0/12'],
    ['192.168.0.10', '192.168.0.0/16'],
    ['100.64.0.1', '100.64.0.0/10'],
    ['100.127.255.254', '100.64.0.0/10'],
    ['169.254.169.254', '169.254.0.0/16'],
    ['198.18.0.1', '198.18.0.0/15'],
    ['224.0.0.1', '224.0.0.0/4'],
    ['255.255.255.255', '240.0.0.0/4'],
    ['::1', '::1/128'],
    ['::', '::/128'],
    ['fc00::1', 'fc00::/7'],
    ['fd12:3456::1', 'fc00::/7'],
    ['fe80::1', 'fe80::/10'],
    ['febf::1', 'fe80::/10'],
    ['ff02::1', 'ff00::/8'],
    ['64:ff9b::7f00:1', '64:ff9b::/96'],
    ['2001:0:4136:e378::1', '2001::/32'],
    ['::ffff:127.0.0.1', '127.0.0.0/8'],
    ['::ffff:7f00:1', '127.0.0.0/8'],
    ['::ffff:a9fe:a9fe', '169.254.0.0/16'],
    ['::ffff:10.0.0.1', '10.0.0.0/8'],
    ['2002:7f00:1::1', '127.0.0.0/8'],
    ['[::1]', '::1/128'],
  ])('blocks %s (%s)', (address, cidr) => {
    expect(check(address)?.cidr).toBe(cidr);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
  ])('lets the public address %s through', (address) => {
    expect(check(address)).toBeUndefined();
  });

  it('refuses something that is not an IP address', () => {
    expect(check('example.com')?.label).toBe('not an IP address');
  });
});

describe('createAddressPolicy (loosened)', () => {
  it('allowPrivateNetworks lets private and loopback through but never metadata or multicast', () => {
    const check = createAddressPolicy({ allowPrivateNetworks: true });
    expect(check('10.0.0.5')).toBeUndefined();
    expect(check('127.0.0.1')).toBeUndefined();
    expect(check('::1')).toBeUndefined();
    expect(check('fd00::5')).toBeUndefined();
    expect(check('169.254.169.254')?.cidr).toBe('169.254.0.0/16');
    expect(check('::ffff:169.254.169.254')?.cidr).toBe('169.254.0.0/16');
    expect(check('224.0.0.1')?.cidr).toBe('224.0.0.0/4');
    expect(check('fe80::1')?.cidr).toBe('fe80::/10');
  });

  it('allowCidrs opens exactly the listed ranges, mapped forms included', () => {
    const check = createAddressPolicy({ allowCidrs: ['127.0.0.1/32', 'fd00:1::/32'] });
    expect(check('127.0.0.1')).toBeUndefined();
    expect(check('::ffff:127.0.0.1')).toBeUndefined();
    expect(check('127.0.0.2')?.cidr).toBe('127.0.0.0/8');
    expect(check('fd00:1::9')).toBeUndefined();
    expect(check('fd00:2::9')?.cidr).toBe('fc00::/7');
  });
});

describe('embeddedIPv4', () => {
  it('reads mapped and 6to4 addresses, and nothing else', () => {
    expect(embeddedIPv4('::ffff:1.2.3.4')).toBe('1.2.3.4');
    expect(embeddedIPv4('::ffff:102:304')).toBe('1.2.3.4');
    expect(embeddedIPv4('2002:0a00:0001::')).toBe('10.0.0.1');
    expect(embeddedIPv4('2606:4700::1111')).toBeUndefined();
    expect(embeddedIPv4('10.0.0.1')).toBeUndefined();
  });
});

describe('matchesHostPattern', () => {
  it('matches host, host:port, wildcards and IPv6 literals', () => {
    expect(matchesHostPattern(['api.example.com'], 'API.example.com', 443)).toBe(true);
    expect(matchesHostPattern(['api.example.com:8443'], 'api.example.com', 443)).toBe(false);
    expect(matchesHostPattern(['api.example.com:8443'], 'api.example.com', 8443)).toBe(true);
    expect(matchesHostPattern(['*.corp.example'], 'crm.corp.example', 80)).toBe(true);
    expect(matchesHostPattern(['*.corp.example'], 'corp.example', 80)).toBe(false);
    expect(matchesHostPattern(['*.corp.example'], 'evilcorp.example', 80)).toBe(false);
    expect(matchesHostPattern(['[::1]:8080'], '[::1]', 8080)).toBe(true);
    expect(matchesHostPattern(['::1'], '::1', 9)).toBe(true);
    expect(matchesHostPattern(['127.0.0.1:4010'], '127.0.0.1', 4011)).toBe(false);
    expect(matchesHostPattern([], 'a', 1)).toBe(false);
  });
});
