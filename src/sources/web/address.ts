/**
 * Which network addresses a website source may reach. A crawl runs on the
 * server, so a URL (or a DNS name, or a redirect) pointing at the server's
 * own network would let whoever adds a source read internal services:
 * loopback, private (RFC 1918, unique local), link-local (cloud metadata at
 * 169.254.169.254), carrier-grade NAT and the other special ranges are
 * refused unless the source opts in (`--allow-private`). The check is made
 * on every address a name resolves to and again on the address the socket
 * actually connected to, so DNS answers that change in between do not help.
 */
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { DocgraphError } from '../../domain/errors.js';

/** The range an address belongs to, as ipaddr.js names it (`unicast` = public); `invalid` when it is not an IP address. */
export function addressRange(address: string): string {
  if (!isIP(address)) return 'invalid';
  let parsed: ipaddr.IPv4 | ipaddr.IPv6 = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range();
}

/** True when a crawl may connect to `address` without `--allow-private`: a public unicast address. */
export function isPublicAddress(address: string): boolean {
  return addressRange(address) === 'unicast';
}

/** The error for a refused address: says which host, which address and how to allow it. */
export class PrivateAddressError extends DocgraphError {
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super('INVALID_INPUT', `${host} is at ${address}, a ${describeRange(addressRange(address))} address; docgraph does not crawl private, loopback or link-local addresses`, {
      hint: 'pass --allow-private (allowPrivate: true in a sources: entry) to crawl a site on your own network',
    });
  }
}

function describeRange(range: string): string {
  switch (range) {
    case 'loopback':
      return 'loopback';
    case 'private':
    case 'uniqueLocal':
      return 'private';
    case 'linkLocal':
      return 'link-local';
    case 'unspecified':
      return 'unspecified';
    case 'carrierGradeNat':
      return 'carrier-grade NAT';
    default:
      return `special-purpose (${range})`;
  }
}
