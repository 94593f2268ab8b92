/**
 * The optional "notifications only from these addresses" check (Robokassa and YooKassa
 * publish theirs). Entries are addresses or CIDRs; an IPv4 client seen through an IPv6
 * socket (`::ffff:1.2.3.4`) is checked as the IPv4 address it is.
 */
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../errors.js';

/** Whether a client address may deliver notifications. */
export type IpAllowlist = (ip: string) => boolean;

/** The check for `entries`, or undefined when the list is empty (any address). */
export function makeIpAllowlist(entries: readonly string[], setting: string): IpAllowlist | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    const prefix = bits === undefined ? undefined : Number(bits);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || rest.length > 0 || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max && /^\d+$/.test(bits!)))) {
      throw new ConfigError(`${setting} has "${entry}", which is not an address or CIDR — write e.g. 185.71.76.0/27 or 2a02:5180::/32`);
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, prefix, type);
  }
  return (ip: string) => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
    const address = mapped ?? ip;
    const family = isIP(address);
    if (family === 0) return false;
    return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}
