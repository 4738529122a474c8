import { describe, expect, it } from 'vitest';
import { isPrivateAddress, namesPrivateHost } from './webhook-target';

// Regression: `::127.0.0.1`-style and `64:ff9b:1::/48` addresses passed the deny list.
describe('isPrivateAddress', () => {
  it.each([
    // IPv4
    ['0.0.0.0', true],
    ['10.1.2.3', true],
    ['100.64.0.1', true],
    ['127.0.0.1', true],
    ['169.254.169.254', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.0.0.8', true],
    ['192.0.2.1', true],
    ['192.88.99.1', true],
    ['192.168.1.1', true],
    ['198.18.0.1', true],
    ['198.51.100.7', true],
    ['203.0.113.9', true],
    ['224.0.0.1', true],
    ['255.255.255.255', true],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['93.184.216.34', false],
    // IPv6 loopback and unspecified in every spelling
    ['::', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['0000:0000:0000:0000:0000:0000:0000:0001', true],
    // IPv4-compatible (deprecated) and IPv4-mapped forms of private addresses
    ['::127.0.0.1', true],
    ['::7f00:1', true],
    ['::8.8.8.8', true],
    ['::ffff:127.0.0.1', true],
    ['::FFFF:7f00:1', true],
    ['0:0:0:0:0:ffff:127.0.0.1', true],
    ['::ffff:169.254.169.254', true],
    ['::ffff:a9fe:a9fe', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:0:127.0.0.1', true],
    // IPv4-mapped public addresses stay public
    ['::ffff:8.8.8.8', false],
    ['::ffff:808:808', false],
    // NAT64, well-known and local-use; 6to4; Teredo
    ['64:ff9b::127.0.0.1', true],
    ['64:ff9b::7f00:1', true],
    ['64:ff9b:1::a00:1', true],
    ['64:ff9b:1:ffff::1', true],
    ['2002:7f00:1::', true],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true],
    // Discard, documentation, SRv6, ULA, link-local with and without a zone, site-local, multicast
    ['100::1', true],
    ['2001:db8::1', true],
    ['3fff::1', true],
    ['5f00::1', true],
    ['fc00::1', true],
    ['fd12:3456::1', true],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['fec0::1', true],
    ['ff02::1', true],
    // Global unicast
    ['2606:4700:4700::1111', false],
    ['2a00:1450:4001:80b::200e', false],
    // Not an address
    ['example.com', false],
  ])('%s → %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

describe('namesPrivateHost', () => {
  it.each([
    ['http://[::127.0.0.1]/hook', true],
    ['http://[::ffff:7f00:1]/hook', true],
    ['http://[64:ff9b:1::a9fe:a9fe]/hook', true],
    ['http://2130706433/hook', true],
    ['http://0x7f.1/hook', true],
    ['http://localhost./hook', true],
    ['http://api.localhost/hook', true],
    ['https://hooks.example.com/hook', false],
    ['https://[2606:4700:4700::1111]/hook', false],
  ])('%s → %s', (url, expected) => {
    expect(namesPrivateHost(new URL(url))).toBe(expected);
  });
});
