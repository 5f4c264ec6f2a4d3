// Where a webhook may be delivered. Without this an admin (or anyone who can get a URL stored)
// could make the server POST to 127.0.0.1, cloud metadata at 169.254.169.254, the private network
// or Verdict's own API, and read the outcome in the delivery log: a port scanner from inside.
// Refused: loopback, private, link-local, unique-local, CGNAT, multicast, unspecified, reserved
// and documentation ranges, IPv4-mapped/compatible and NAT64 forms of IPv4 ones, and the addresses
// of this host's own interfaces; every address a name resolves to is checked, at creation and
// again for every attempt. The delivery connects to the very address the check passed (the
// guarded lookup below is the socket's resolver), so a DNS answer that changes between the check
// and the connection (rebinding) cannot steer it. VERDICT_WEBHOOK_ALLOWED_HOSTS lists host names,
// addresses or CIDR ranges that are allowed anyway (on-premise receivers).
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { env } from "@/core/env";

type Family = "ipv4" | "ipv6";

const RANGES: [string, number, Family, string][] = [
  ["0.0.0.0", 8, "ipv4", "unspecified"],
  ["10.0.0.0", 8, "ipv4", "private"],
  ["100.64.0.0", 10, "ipv4", "carrier-grade NAT"],
  ["127.0.0.0", 8, "ipv4", "loopback"],
  ["169.254.0.0", 16, "ipv4", "link-local"],
  ["172.16.0.0", 12, "ipv4", "private"],
  ["192.0.0.0", 24, "ipv4", "reserved"],
  ["192.0.2.0", 24, "ipv4", "documentation"],
  ["192.88.99.0", 24, "ipv4", "reserved"],
  ["192.168.0.0", 16, "ipv4", "private"],
  ["198.18.0.0", 15, "ipv4", "benchmarking"],
  ["198.51.100.0", 24, "ipv4", "documentation"],
  ["203.0.113.0", 24, "ipv4", "documentation"],
  ["224.0.0.0", 4, "ipv4", "multicast"],
  ["240.0.0.0", 4, "ipv4", "reserved"],
  ["::", 128, "ipv6", "unspecified"],
  ["::1", 128, "ipv6", "loopback"],
  ["::", 96, "ipv6", "IPv4-compatible"],
  ["64:ff9b::", 96, "ipv6", "NAT64"],
  ["64:ff9b:1::", 48, "ipv6", "NAT64"],
  ["100::", 64, "ipv6", "discard"],
  ["2001:db8::", 32, "ipv6", "documentation"],
  ["fc00::", 7, "ipv6", "unique-local"],
  ["fe80::", 10, "ipv6", "link-local"],
  ["fec0::", 10, "ipv6", "site-local"],
  ["ff00::", 8, "ipv6", "multicast"],
];

const blocked = RANGES.map(([net, prefix, family, kind]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, family);
  return { list, kind };
});

const MAPPED = /^::ffff:(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i;
const MAPPED_HEX = /^::ffff:(?:0:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

/** "::ffff:127.0.0.1" and "::ffff:7f00:1" are IPv4 addresses in disguise: judge them as such. */
function unmap(address: string): { address: string; family: Family } {
  if (isIP(address) === 4) return { address, family: "ipv4" };
  const dotted = MAPPED.exec(address);
  if (dotted) return { address: dotted[1], family: "ipv4" };
  const hex = MAPPED_HEX.exec(address);
  if (hex) {
    const [hi, lo] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
    return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: "ipv4" };
  }
  return { address: address.toLowerCase(), family: "ipv6" };
}

interface AllowList {
  hosts: Set<string>;
  ranges: BlockList;
}

let allowCache: { source: readonly string[]; allow: AllowList } | undefined;

function allowList(): AllowList {
  const source = env().VERDICT_WEBHOOK_ALLOWED_HOSTS;
  if (allowCache?.source === source) return allowCache.allow;
  const allow: AllowList = { hosts: new Set(), ranges: new BlockList() };
  for (const entry of source) {
    const [rawNet, prefix] = entry.split("/");
    const net = rawNet.replace(/^\[|\]$/g, "");
    const v = isIP(net);
    if (v === 0) allow.hosts.add(net.toLowerCase());
    else if (prefix === undefined) allow.ranges.addAddress(net, v === 4 ? "ipv4" : "ipv6");
    else allow.ranges.addSubnet(net, Number(prefix), v === 4 ? "ipv4" : "ipv6");
  }
  allowCache = { source, allow };
  return allow;
}

function ownAddresses(): Set<string> {
  const own = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) own.add(unmap(i.address).address);
  return own;
}

/** What kind of forbidden address this is ("a loopback address"), or null when it may be a destination. */
export function addressRefusal(raw: string): string | null {
  const { address, family } = unmap(raw);
  if (allowList().ranges.check(address, family)) return null;
  const hit = blocked.find((b) => b.list.check(address, family));
  if (hit) return `${/^[aeiou]/i.test(hit.kind) ? "an" : "a"} ${hit.kind} address`;
  if (ownAddresses().has(address)) return "an address of this server";
  return null;
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) => new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

let resolver: Resolver = systemResolver;

/** Tests: answer DNS look-ups from a function (e.g. a name that changes its answer: rebinding). */
export function setResolverForTests(r: Resolver | null): void {
  resolver = r ?? systemResolver;
}

export class DestinationRefused extends Error {
  readonly code = "EDESTINATIONREFUSED";
  constructor(message: string) {
    super(`destination refused: ${message}`);
    this.name = "DestinationRefused";
  }
}

/** The host of a URL as a socket wants it: brackets of an IPv6 literal removed. */
export function socketHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/** Resolves a host name and checks every address; throws DestinationRefused naming the first bad one. */
export async function resolveAllowed(hostname: string): Promise<LookupAddress[]> {
  const host = hostname.toLowerCase();
  if (isIP(host) !== 0) {
    const refusal = addressRefusal(host);
    if (refusal) throw new DestinationRefused(`${host} is ${refusal}`);
    return [{ address: host, family: isIP(host) }];
  }
  const addresses = await resolver(host);
  if (addresses.length === 0) throw Object.assign(new Error(`${host} has no address`), { code: "ENOTFOUND" });
  if (allowList().hosts.has(host)) return addresses;
  for (const a of addresses) {
    const refusal = addressRefusal(a.address);
    if (refusal) throw new DestinationRefused(`${host} resolves to ${a.address}, ${refusal}`);
  }
  return addresses;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The `lookup` of every delivery socket (http.request's option): the socket connects only to an
 * address that was checked here, in this call.
 */
export function guardedLookup(hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void {
  resolveAllowed(hostname).then(
    (addresses) => {
      const family = options.family === "IPv6" || options.family === 6 ? 6 : options.family === "IPv4" || options.family === 4 ? 4 : 0;
      const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
      if (usable.length === 0) return callback(Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: "ENOTFOUND" }), "");
      if (options.all) callback(null, usable);
      else callback(null, usable[0].address, usable[0].family);
    },
    (err: NodeJS.ErrnoException) => callback(err, ""),
  );
}

/**
 * At creation: why a URL may not be a destination, or null. A name that does not resolve (yet) is
 * accepted: it gets checked again on every attempt, and a DNS outage must not block configuration.
 */
export async function destinationRefusal(rawUrl: string): Promise<string | null> {
  const url = new URL(rawUrl);
  try {
    await resolveAllowed(socketHost(url));
    return null;
  } catch (e) {
    if (e instanceof DestinationRefused) return e.message;
    return null;
  }
}
