// Browser-safe: the client page (client/) imports this module, so it imports ethers and nothing of node or Hardhat.
import { ethers } from "ethers";
import { looksLikeLei, parseLei } from "./iso20022";

/** Plain ("1250000.00") or grouped exactly in thousands with a dot decimal ("1,250,000.00"). */
const PLAIN_AMOUNT = /^\d+(\.\d+)?$/;
const GROUPED_AMOUNT = /^\d{1,3}(,\d{3})+(\.\d+)?$/;

/**
 * Parses an amount given in currency units ("1250000.00", "1,250,000.00", "12.5") into the token's
 * smallest unit. Refuses anything else, naming the value: floats in disguise (exponents), signs, a
 * decimal comma ("1,50"), commas that do not group thousands, more decimals than the token has.
 */
export function parseAmount(text: string, decimals: number, what = "amount"): bigint {
  const trimmed = text.trim();
  if (!PLAIN_AMOUNT.test(trimmed) && !GROUPED_AMOUNT.test(trimmed)) {
    throw new Error(`${what} "${text}" is not an amount in currency units: write 1250000.00 or 1,250,000.00 (a dot for decimals, commas only between thousands)`);
  }
  const plain = trimmed.replace(/,/g, "");
  const fraction = plain.split(".")[1] ?? "";
  if (fraction.length > decimals) {
    throw new Error(`${what} "${text}" has ${fraction.length} decimals; the token has ${decimals}`);
  }
  const value = ethers.parseUnits(plain, decimals);
  if (value > ethers.MaxUint256) {
    throw new Error(`${what} "${text}" is more than a token amount can be (2^256 - 1 of the token's smallest unit)`);
  }
  return value;
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
  refuseHiddenCharacters(text, what);
  if (/^0x/i.test(text)) {
    if (!/^0x[0-9a-fA-F]{64}$/.test(text)) throw new Error(`${what} "${text}" starts with 0x but is not 32 bytes of hex`);
    return text.toLowerCase();
  }
  return ethers.id(text);
}

/**
 * A trade reference as bytes32 that can be read back as the text given: up to 31 bytes of text are
 * stored as the text itself (ethers' bytes32 string), 0x-prefixed 32-byte hex is taken as is. Longer
 * text is refused: a hash could not be shown as the reference the parties agreed on.
 */
export function tradeRef(text: string, what = "--ref"): string {
  if (text.length === 0) throw new Error(`${what} is empty`);
  refuseHiddenCharacters(text, what);
  if (/^0x/i.test(text)) return toReference(text, what);
  if (ethers.toUtf8Bytes(text).length > 31) throw new Error(`${what} "${text}" is longer than 31 bytes; a trade reference is kept on chain as its text`);
  return ethers.encodeBytes32String(text);
}

/**
 * Characters a reader cannot see, or cannot tell from another: control characters (Cc), format characters
 * (Cf: the bidi overrides, embeddings and isolates U+202A-U+202E and U+2066-U+2069, the zero-width space,
 * non-joiner and joiner U+200B-U+200D, U+2060-U+2064, the byte-order mark U+FEFF), private-use characters
 * and lone surrogates, line and paragraph separators, every space but U+0020 (a no-break space reads as a
 * space), and the other default-ignorable code points (variation selectors, Hangul fillers, U+034F).
 */
const HIDDEN = /(?!\u0020)[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Z}\p{Default_Ignorable_Code_Point}]/u;

/** What a hidden character is, in words, for a refusal. */
function hiddenKind(c: string): string {
  if (/\p{Cc}/u.test(c)) return "a control character";
  if (/\p{Cf}/u.test(c)) return "an invisible format character";
  if (/\p{Z}/u.test(c)) return "a space or separator other than U+0020";
  if (/\p{Co}/u.test(c)) return "a private-use character";
  if (/\p{Cs}/u.test(c)) return "a lone surrogate";
  return "an invisible character";
}

/**
 * The first character of `text` a reader cannot see or cannot tell from another (see HIDDEN): its position
 * (1-based, in characters), its code point ("U+202E") and what it is; undefined when every character shows.
 * This one test decides, for the commands and the client page alike, whether a reference is refused at
 * input and whether it is shown as text or as its hex.
 */
export function hiddenCharacter(text: string): { position: number; codePoint: string; kind: string } | undefined {
  const chars = [...text];
  const i = chars.findIndex((c) => HIDDEN.test(c));
  if (i < 0) return undefined;
  const codePoint = `U+${chars[i].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  return { position: i + 1, codePoint, kind: hiddenKind(chars[i]) };
}

/**
 * Refuses text with a hidden character, naming its position and code point. The text itself is not
 * repeated: with a right-to-left override in it, it would print as something else.
 */
export function refuseHiddenCharacters(text: string, what: string): void {
  const hidden = hiddenCharacter(text);
  if (hidden) {
    throw new Error(`${what} has ${hidden.kind} at character ${hidden.position} (${hidden.codePoint}): a reference with one can look like another; type it again without it`);
  }
}

/** A reference's text as it may be shown: the text when every character shows, else the reference's bytes32 hex. */
export function shownRef(text: string, hex: string): string {
  return text.length > 0 && hiddenCharacter(text) === undefined ? text : hex;
}

/**
 * A bytes32 reference as the text it was made from when it is a bytes32 string whose every character
 * shows, else its hex (a hashed reference; text with a hidden character, which could mimic another).
 */
export function refText(ref: string): string {
  try {
    return shownRef(ethers.decodeBytes32String(ref), ref);
  } catch {
    return ref; // not a bytes32 string
  }
}

/** The longest legal name the registry records, in bytes of UTF-8 (ParticipantRegistry.MAX_LEGAL_NAME_BYTES). */
export const MAX_LEGAL_NAME_BYTES = 140;

/**
 * A participant named at input: an LEI (any case; checked by its ISO 17442 check digits), a 0x 32-byte id
 * as listed, or an institution's name. `text` is what the id is keccak256 of ("LEI:<LEI>" or the name),
 * undefined for a 0x id. Text shaped like an LEI whose check digits are wrong is refused, never taken as a name.
 */
export function parseParticipant(text: string, what = "participant id"): { id: string; lei?: string; text?: string } {
  const t = text.trim();
  if (t === "") throw new Error(`${what} is empty`);
  if (looksLikeLei(t)) {
    const lei = parseLei(t, what);
    return { id: ethers.id(`LEI:${lei}`), lei, text: `LEI:${lei}` };
  }
  const id = toReference(t, what);
  return /^0x/i.test(t) ? { id } : { id, text: t };
}

/** A participant id from an LEI (checked), a 0x id or an institution's name: keccak256 of "LEI:<LEI>" or of the name. */
export function participantId(leiOrName: string, what = "participant id"): string {
  return parseParticipant(leiOrName, what).id;
}

/**
 * A legal name as the registry records it: trimmed, not empty, at most MAX_LEGAL_NAME_BYTES bytes of UTF-8,
 * with no character a reader cannot see (refuseHiddenCharacters).
 */
export function parseLegalName(text: string, what = "--name"): string {
  const name = text.trim();
  if (name === "") throw new Error(`${what} is empty: give the institution's legal name`);
  refuseHiddenCharacters(name, what);
  const bytes = ethers.toUtf8Bytes(name).length;
  if (bytes > MAX_LEGAL_NAME_BYTES) throw new Error(`${what} is ${bytes} bytes of UTF-8; a legal name is at most ${MAX_LEGAL_NAME_BYTES}`);
  return name;
}

/** Text read from the chain as it may be shown: each hidden character as its code point, so one name cannot mimic another. */
function shownText(text: string): string {
  return [...text].map((c) => (HIDDEN.test(c) ? `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}` : c)).join("");
}

/** A participant as people know it, from the text its id was derived from: "LEI 5493001KJTIIGC8Y1R12", or the name. */
export function participantNameLabel(name: string): string {
  const shown = shownText(name);
  return shown.startsWith("LEI:") ? `LEI ${shown.slice(4)}` : shown;
}

/**
 * A participant as people know it, from what the registry's events recorded: "Initech Corp. (LEI 5493...)"
 * with a legal name and an LEI, "Globex Markets Ltd (GLOBEX)" with a legal name and an id made from another
 * name, the legal name or the id's text alone when only one is known, else the id itself.
 */
export function participantDisplay(id: string, name: string | undefined, legalName: string | undefined): string {
  const idText = name ? participantNameLabel(name) : undefined;
  if (!legalName) return idText ?? id;
  const legal = shownText(legalName);
  return idText === undefined || idText === legal ? legal : `${legal} (${idText})`;
}

/**
 * A participant for --json: `lei` from "LEI:<LEI>", `name` its legal name when recorded, else the name its
 * id was derived from (hidden characters as their code points, as participantNameLabel shows them); null
 * when not known.
 */
export function participantFields(name: string | undefined, legalName?: string): { lei: string | null; name: string | null } {
  const lei = name?.startsWith("LEI:") ? participantNameLabel(name).slice(4) : null;
  if (legalName) return { lei, name: shownText(legalName) };
  return { lei, name: name && lei === null ? participantNameLabel(name) : null };
}

/**
 * Checks an address and returns its checksummed form, naming the input when it is wrong. Mixed case is an
 * EIP-55 checksum: one that does not match is a mistyped address, said as such.
 */
export function parseAddress(text: string, what = "address"): string {
  if (/^0x[0-9a-fA-F]{40}$/.test(text) && !ethers.isAddress(text)) {
    throw new Error(`${what} ${text} has a wrong checksum: check the address, or give it in lower case`);
  }
  if (!ethers.isAddress(text)) throw new Error(`${what} "${text}" is not an address`);
  return ethers.getAddress(text);
}

/** Reserves as a percentage of supply, a number with two decimals rounded down (100.5 for 100.50%); null when nothing is issued. */
export function backingPercent(reserves: bigint, supply: bigint): number | null {
  if (supply === 0n) return null;
  return Number((reserves * 10_000n) / supply) / 100;
}

/** A backing percentage as text with two decimals ("100.50%"; "n/a" when nothing is issued). */
export function percentText(percent: number | null): string {
  return percent === null ? "n/a" : `${percent.toFixed(2)}%`;
}

/** Reserves as a percentage of supply with two decimals, rounded down ("n/a" when nothing is issued). */
export function backingRatio(reserves: bigint, supply: bigint): string {
  return percentText(backingPercent(reserves, supply));
}

/** A duration in seconds as days, hours and minutes ("3d 4h 5m"). */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : `${m}m ${s % 60}s`;
}

/** Unix seconds as ISO 8601 UTC without milliseconds ("2027-12-31T23:59:59Z"). */
export function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * A date from an ISO date ("2027-12-31": the end of that day UTC, or with `day: "start"` its start,
 * 00:00:00 UTC, for the first moment of a period), an ISO 8601 time, or unix seconds.
 */
export function parseDate(text: string, what = "date", day: "start" | "end" = "end"): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const ms = Date.parse(`${t}T${day === "start" ? "00:00:00" : "23:59:59"}Z`);
    if (!Number.isNaN(ms)) return ms / 1000;
  }
  const ms = Date.parse(t);
  if (/^\d{4}-\d{2}-\d{2}T/.test(t) && !Number.isNaN(ms)) return Math.floor(ms / 1000);
  throw new Error(`${what} "${text}" is not a date (YYYY-MM-DD, ISO 8601) or unix seconds`);
}

/** Checks a private key (32 bytes of hex, 0x optional) and returns it 0x-prefixed, naming the variable when it is wrong. */
export function parsePrivateKey(text: string | undefined, what: string): string {
  const key = (text ?? "").trim();
  if (key === "") throw new Error(`${what} is not set`);
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(key)) throw new Error(`${what} is not a 32-byte hex private key`);
  return key.startsWith("0x") ? key : `0x${key}`;
}
