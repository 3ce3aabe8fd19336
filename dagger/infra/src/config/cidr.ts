import ipaddr from "ipaddr.js";

/** An IPv4 CIDR block as a closed range of 32-bit addresses. */
export interface Ipv4Block {
  /** The block as written, e.g. "10.16.0.0/16". */
  cidr: string;
  /** Prefix length, 0–32. */
  prefix: number;
  /** First address of the block as an unsigned 32-bit number. */
  first: number;
  /** Last address of the block as an unsigned 32-bit number. */
  last: number;
}

/**
 * Converts four octets to an unsigned 32-bit number.
 * @param octets The address's octets, most significant first.
 */
function toNumber(octets: number[]): number {
  return octets.reduce((n, o) => n * 256 + o, 0);
}

/**
 * Parses an IPv4 CIDR block written in four-part decimal ("10.16.0.0/16").
 * @param cidr The block to parse.
 * @param prefixRange Smallest and largest prefix length allowed.
 * @returns The block, or an error message saying what is wrong and what to write.
 */
export function parseIpv4Cidr(cidr: string, prefixRange: [number, number] = [0, 32]): Ipv4Block | string {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr)) {
    return `"${cidr}" is not an IPv4 CIDR block; write it like 10.16.0.0/16`;
  }
  const [address, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  const [min, max] = prefixRange;
  if (prefix < min || prefix > max) return `"${cidr}" is a /${prefix}; AWS allows /${min} to /${max}`;
  const network = ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();
  if (network !== address.toString()) {
    // AWS normalizes or rejects host bits; either way the plan would not show what was written.
    return `"${cidr}" has host bits set; the block starting there is ${network}/${prefix}`;
  }
  const first = toNumber(address.octets);
  const size = 2 ** (32 - prefix);
  return { cidr, prefix, first, last: first + size - 1 };
}

/**
 * True when every address of `inner` is inside `outer`.
 * @param outer The enclosing block (e.g. the VPC).
 * @param inner The block that should fit inside it (e.g. a subnet).
 */
export function blockContains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return inner.first >= outer.first && inner.last <= outer.last;
}

/**
 * True when the two blocks share at least one address.
 * @param a One block.
 * @param b The other block.
 */
export function blocksOverlap(a: Ipv4Block, b: Ipv4Block): boolean {
  return a.first <= b.last && b.first <= a.last;
}
