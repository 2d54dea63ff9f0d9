// Browser-safe: the client page (client/) imports this module, so it imports nothing of node or Hardhat.
import { refuseHiddenCharacters } from "./format";

/**
 * The identifiers ISO 20022 gives a payment, checked at input. Each check returns the value in its one
 * canonical form (a UETR in lower case, a creditor reference without spaces) or throws one line naming
 * the field (`what`, an option such as "--uetr") and the rule it breaks.
 */

/** A UETR: a UUID version 4 (RFC 4122 variant), as SWIFT gpi requires, in lower case. */
const UETR = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The characters SWIFT allows in ISO 20022 identifiers carried across its network (the FIN "x" set:
 * letters, digits, space and / - ? : ( ) . , ' +), which the end-to-end identification must keep to.
 */
const SWIFT_X = /^[A-Za-z0-9/\-?:().,'+ ]+$/;

export const END_TO_END_MAX = 35;
export const REMITTANCE_MAX = 140;

/** Checks a UETR (unique end-to-end transaction reference) and returns it in lower case. */
export function parseUetr(text: string, what = "UETR"): string {
  const uetr = text.trim().toLowerCase();
  if (!UETR.test(uetr)) {
    throw new Error(`${what} "${text}" is not a UETR: a UUID version 4 such as 8a562c67-ca16-48ba-b074-65581be6f001 (36 characters, the 13th digit 4, the 17th 8, 9, a or b)`);
  }
  return uetr;
}

/** A fresh UETR from the platform's cryptographic random source. */
export function newUetr(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * Checks an end-to-end identification: 1 to 35 characters of the SWIFT character set, not starting or
 * ending with "/" and without "//" (ISO 20022 Max35Text as CBPR+ restricts it). "NOTPROVIDED" is what a
 * statement says when a payment has none, so it is refused as an identification.
 */
export function parseEndToEndId(text: string, what = "end-to-end id"): string {
  if (text.length === 0) throw new Error(`${what} is empty`);
  if (text.length > END_TO_END_MAX) throw new Error(`${what} "${text}" has ${text.length} characters; ISO 20022 allows at most ${END_TO_END_MAX}`);
  if (!SWIFT_X.test(text)) {
    const bad = [...text].find((c) => !SWIFT_X.test(c))!;
    throw new Error(`${what} "${text}" has "${bad}" (U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}), outside the ISO 20022 character set: letters, digits, space and / - ? : ( ) . , ' +`);
  }
  if (text.startsWith("/") || text.endsWith("/") || text.includes("//")) {
    throw new Error(`${what} "${text}" starts or ends with "/" or has "//", which ISO 20022 identifications may not`);
  }
  if (text === "NOTPROVIDED") throw new Error(`${what} "NOTPROVIDED" says there is none: leave the option out instead`);
  return text;
}

/** Checks unstructured remittance information: 1 to 140 characters, every one visible. */
export function parseRemittance(text: string, what = "remittance information"): string {
  if (text.length === 0) throw new Error(`${what} is empty`);
  const length = [...text].length;
  if (length > REMITTANCE_MAX) throw new Error(`${what} has ${length} characters; ISO 20022 unstructured remittance allows at most ${REMITTANCE_MAX}`);
  refuseHiddenCharacters(text, what);
  return text;
}

/**
 * ISO 7064 MOD 97-10 over letters and digits (A = 10 ... Z = 35): the remainder, computed digit by digit
 * so that a long reference never needs a big number. ISO 11649 and ISO 17442 accept a code whose
 * remainder is 1.
 */
export function mod97(code: string): number {
  let remainder = 0;
  for (const c of code) {
    const digits = /[0-9]/.test(c) ? c : String(c.charCodeAt(0) - 55);
    for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder;
}

/**
 * Checks a structured creditor reference (ISO 11649: "RF", two check digits, 1 to 21 letters or digits;
 * spaces between groups are ignored) and returns it without spaces, in upper case.
 */
export function parseCreditorReference(text: string, what = "creditor reference"): string {
  const ref = text.replace(/ /g, "").toUpperCase();
  if (!/^RF[0-9]{2}[0-9A-Z]{1,21}$/.test(ref)) {
    throw new Error(`${what} "${text}" is not an ISO 11649 creditor reference: "RF", two check digits, then 1 to 21 letters or digits (e.g. RF18 5390 0754 7034)`);
  }
  if (mod97(ref.slice(4) + ref.slice(0, 4)) !== 1) {
    throw new Error(`${what} "${text}" has wrong check digits ${ref.slice(2, 4)} (ISO 11649 mod 97): check the reference`);
  }
  return ref;
}

/** A creditor reference made from a creditor's own reference (1 to 21 letters or digits), with its check digits. */
export function creditorReferenceFor(base: string): string {
  const b = base.toUpperCase();
  if (!/^[0-9A-Z]{1,21}$/.test(b)) throw new Error(`"${base}" cannot be made a creditor reference: 1 to 21 letters or digits`);
  const check = 98 - mod97(`${b}RF00`);
  return `RF${String(check).padStart(2, "0")}${b}`;
}

/** True when `text` is shaped as an LEI (20 characters: 18 letters or digits, two digits), check digits aside. */
export function looksLikeLei(text: string): boolean {
  return /^[0-9A-Z]{18}[0-9]{2}$/.test(text.trim().toUpperCase());
}

/** Checks a legal entity identifier (ISO 17442: 18 letters or digits, two check digits, mod 97-10) and returns it in upper case. */
export function parseLei(text: string, what = "LEI"): string {
  const lei = text.trim().toUpperCase();
  if (!looksLikeLei(lei)) throw new Error(`${what} "${text}" is not an LEI: 20 characters, 18 letters or digits then two check digits`);
  if (mod97(lei) !== 1) throw new Error(`${what} "${text}" has wrong check digits ${lei.slice(18)} (ISO 17442 mod 97-10): check the LEI`);
  return lei;
}
