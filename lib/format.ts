import { ethers } from "ethers";

/**
 * Parses an amount given in currency units ("1250000.00", "12.5") into the token's smallest unit.
 * Refuses floats in disguise: exponents, more decimals than the token has, signs, empty strings.
 */
export function parseAmount(text: string, decimals: number, what = "amount"): bigint {
  const trimmed = text.trim().replace(/_/g, "").replace(/,/g, "");
  if (!/^\d+(\.\d+)?$/.test(trimmed)) throw new Error(`${what} "${text}" is not a decimal number of currency units`);
  const fraction = trimmed.split(".")[1] ?? "";
  if (fraction.length > decimals) {
    throw new Error(`${what} "${text}" has ${fraction.length} decimals; the token has ${decimals}`);
  }
  return ethers.parseUnits(trimmed, decimals);
}

/** Formats an amount in the smallest unit as currency units with every decimal, grouped by thousands. */
export function formatAmount(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const [whole, fraction = ""] = ethers.formatUnits(negative ? -value : value, decimals).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const padded = decimals > 0 ? `.${fraction.padEnd(decimals, "0")}` : "";
  return `${negative ? "-" : ""}${grouped}${padded}`;
}

/**
 * A reference (payment, deposit, legal, report) as bytes32: 0x-prefixed 32-byte hex is taken as is,
 * any other text is hashed with keccak256 (so the same text always gives the same reference).
 */
export function toReference(text: string, what = "reference"): string {
  if (text.length === 0) throw new Error(`${what} is empty`);
  if (/^0x/i.test(text)) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(text)) throw new Error(`${what} "${text}" starts with 0x but is not 32 bytes of hex`);
    return text.toLowerCase();
  }
  return ethers.id(text);
}

/** A participant id from an LEI (20 alphanumerics) or an institution's name: keccak256 of "LEI:<LEI>" or of the name. */
export function participantId(leiOrName: string): string {
  const lei = leiOrName.trim().toUpperCase();
  if (/^[0-9A-Z]{18}[0-9]{2}$/.test(lei)) return ethers.id(`LEI:${lei}`);
  return toReference(leiOrName.trim(), "participant id");
}

/** Checks an address and returns its checksummed form, naming the input when it is wrong. */
export function parseAddress(text: string, what = "address"): string {
  if (!ethers.isAddress(text)) throw new Error(`${what} "${text}" is not an address`);
  return ethers.getAddress(text);
}

/** Reserves as a percentage of supply with two decimals, rounded down ("n/a" when nothing is issued). */
export function backingRatio(reserves: bigint, supply: bigint): string {
  if (supply === 0n) return "n/a";
  const basisPoints = (reserves * 10_000n) / supply;
  return `${basisPoints / 100n}.${(basisPoints % 100n).toString().padStart(2, "0")}%`;
}

/** A duration in seconds as days, hours and minutes ("3d 4h 5m"). */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
}
