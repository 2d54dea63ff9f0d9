// Browser-safe: the client page (client/) imports this module, so it imports ethers and nothing of node or Hardhat.
import { ethers } from "ethers";
import { parseCreditorReference, parseEndToEndId, parseRemittance, parseUetr } from "./iso20022";
import { hiddenCharacter, toReference } from "./format";

/**
 * What a payment says about itself, beside its value: either a free-text reference (a ticket or invoice
 * number, as the platform has always taken), or the identifiers ISO 20022 gives a payment: the UETR, the
 * end-to-end identification and the remittance information (unstructured text or an ISO 11649 creditor
 * reference, not both).
 *
 * On chain a payment carries one bytes32 reference (the event's `reference`, a signed payment's
 * `reference`, a netted instruction's, a deposit or legal reference). The information is bound to it by
 * hash: `informationReference(info)` is that bytes32. The text itself travels in the same transaction,
 * after the call's ABI-encoded arguments (see `appendInformation`): the contracts read only their
 * arguments, so the text costs calldata gas and no contract code, and every node keeps it with the block.
 * A reader (the ledger, the client page, a command) takes the transaction's input, finds the text with
 * `readInformation`, and keeps only entries whose hash is the reference in an event of that transaction:
 * text that does not hash to a reference the contracts accepted is ignored, so no one can attach a
 * remittance to another party's payment.
 */
export interface PaymentInformation {
  /** Free text, the platform's own reference; its bytes32 is keccak256 of the UTF-8 text, as before. */
  reference?: string;
  /** UUID v4, lower case. */
  uetr?: string;
  /** ISO 20022 EndToEndId, at most 35 characters of the SWIFT set. */
  endToEndId?: string;
  /** Unstructured remittance information, at most 140 characters. */
  remittance?: string;
  /** Structured creditor reference, ISO 11649 ("RF..."). */
  creditorReference?: string;
}

const ISO_FIELDS = ["uetr", "endToEndId", "remittance", "creditorReference"] as const;

/** The ABI type of one entry: reference, UETR (16 bytes, zero when none), end-to-end id, remittance, creditor reference. */
const ENTRY = "tuple(string reference, bytes16 uetr, string endToEndId, string remittance, string creditorReference)";
/** The trailer's last bytes: "PAYINFO" and the format's version, 1. */
export const INFORMATION_MAGIC = ethers.hexlify(ethers.toUtf8Bytes("PAYINFO1"));
const MAGIC_BYTES = 8;
const LENGTH_BYTES = 4;
/** The trailer ends in one 32-byte word (20 zero bytes, the length, the magic), so the input stays 4 + 32k bytes long, as ABI calls are. */
const FOOTER_BYTES = 32;
const coder = ethers.AbiCoder.defaultAbiCoder();
/** The ABI types of a reference's preimage and of the appended entries, parsed once (parsing a tuple's text costs more than encoding it). */
const REFERENCE_TYPES = [ethers.ParamType.from("string"), ethers.ParamType.from(ENTRY)];
const ENTRIES_TYPE = [ethers.ParamType.from(`${ENTRY}[]`)];

/** True when the information carries any ISO 20022 identifier. */
export function hasIsoFields(info: PaymentInformation): boolean {
  return ISO_FIELDS.some((f) => info[f] !== undefined);
}

/**
 * Checks a payment's information as given at input (each field by its ISO rule, naming the option) and
 * returns it in canonical form. A free-text reference and ISO 20022 identifiers are not mixed: with ISO
 * identifiers, the end-to-end id is the payer's reference.
 */
export function checkInformation(info: PaymentInformation, names: Partial<Record<keyof PaymentInformation, string>> = {}): PaymentInformation {
  const name = (f: keyof PaymentInformation) => names[f] ?? f;
  const out: PaymentInformation = {};
  if (info.reference !== undefined) {
    if (hasIsoFields(info)) throw new Error(`${name("reference")} and ISO 20022 identifiers are not given together: with a UETR or remittance information, give the payer's reference as ${name("endToEndId")}`);
    toReference(info.reference, name("reference"));
    out.reference = info.reference;
    return out;
  }
  if (info.uetr !== undefined) out.uetr = parseUetr(info.uetr, name("uetr"));
  if (info.endToEndId !== undefined) out.endToEndId = parseEndToEndId(info.endToEndId, name("endToEndId"));
  if (info.remittance !== undefined && info.creditorReference !== undefined) {
    throw new Error(`${name("remittance")} and ${name("creditorReference")} are not given together: a payment's remittance is unstructured text or a creditor reference`);
  }
  if (info.remittance !== undefined) out.remittance = parseRemittance(info.remittance, name("remittance"));
  if (info.creditorReference !== undefined) out.creditorReference = parseCreditorReference(info.creditorReference, name("creditorReference"));
  if (!hasIsoFields(out)) throw new Error("a payment's information is empty: give a reference, or a UETR, end-to-end id or remittance information");
  return out;
}

function uetrBytes(uetr: string | undefined): string {
  return uetr === undefined ? ethers.ZeroHash.slice(0, 34) : `0x${uetr.replace(/-/g, "")}`;
}

function uetrText(bytes: string): string | undefined {
  const h = bytes.slice(2).toLowerCase();
  if (/^0+$/.test(h)) return undefined;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function entry(info: PaymentInformation): [string, string, string, string, string] {
  return [info.reference ?? "", uetrBytes(info.uetr), info.endToEndId ?? "", info.remittance ?? "", info.creditorReference ?? ""];
}

/**
 * The bytes32 reference a payment's information is bound to. A free-text reference keeps its hash
 * (keccak256 of the text, as every earlier payment has it); ISO 20022 identifiers hash as the ABI encoding
 * of the entry, prefixed by "ISO20022" so that no free text can hash to the same reference.
 */
export function informationReference(info: PaymentInformation): string {
  if (!hasIsoFields(info)) {
    if (info.reference === undefined) throw new Error("a payment's information is empty");
    return toReference(info.reference);
  }
  return ethers.keccak256(coder.encode(REFERENCE_TYPES, ["ISO20022", entry({ ...info, reference: undefined })]));
}

/**
 * A transaction's input with the payments' information after the call's arguments:
 * ABI(entries) ‖ 20 zero bytes ‖ uint32 length of ABI(entries) ‖ "PAYINFO1". Entries whose reference is a 0x hash (a
 * reference with no text) are left out; with none left the input is unchanged.
 */
export function appendInformation(data: string, infos: readonly (PaymentInformation | undefined)[]): string {
  const texts = infos.filter((i): i is PaymentInformation => i !== undefined && (hasIsoFields(i) || (i.reference !== undefined && !/^0x/i.test(i.reference))));
  if (texts.length === 0) return data;
  const payload = coder.encode(ENTRIES_TYPE, [texts.map(entry)]);
  const footer = ethers.zeroPadValue(ethers.concat([ethers.toBeHex(ethers.dataLength(payload), LENGTH_BYTES), INFORMATION_MAGIC]), FOOTER_BYTES);
  return ethers.concat([data, payload, footer]);
}

/** The information a transaction input carries (appendInformation), by reference (lower-case bytes32 hex). */
export function readInformation(data: string): Map<string, PaymentInformation> {
  const found = new Map<string, PaymentInformation>();
  let bytes: Uint8Array;
  try {
    bytes = ethers.getBytes(data);
  } catch {
    return found;
  }
  if (bytes.length < 4 + FOOTER_BYTES || ethers.hexlify(bytes.slice(-MAGIC_BYTES)) !== INFORMATION_MAGIC) return found;
  if (bytes.slice(-FOOTER_BYTES, -MAGIC_BYTES - LENGTH_BYTES).some((b) => b !== 0)) return found;
  const length = Number(ethers.toBigInt(bytes.slice(-MAGIC_BYTES - LENGTH_BYTES, -MAGIC_BYTES)));
  const start = bytes.length - FOOTER_BYTES - length;
  if (start < 4) return found;
  let decoded: ethers.Result;
  try {
    decoded = coder.decode(ENTRIES_TYPE, bytes.slice(start, start + length))[0];
  } catch {
    return found;
  }
  for (const e of decoded) {
    const info = readEntry(e);
    if (info) found.set(informationReference(info), info);
  }
  return found;
}

/** One decoded entry, or undefined when it breaks an input rule (it is then not shown: its hash alone stands). */
function readEntry(e: ethers.Result): PaymentInformation | undefined {
  const raw: PaymentInformation = {};
  if (e.reference !== "") raw.reference = e.reference;
  const uetr = uetrText(e.uetr);
  if (uetr !== undefined) raw.uetr = uetr;
  if (e.endToEndId !== "") raw.endToEndId = e.endToEndId;
  if (e.remittance !== "") raw.remittance = e.remittance;
  if (e.creditorReference !== "") raw.creditorReference = e.creditorReference;
  try {
    const checked = checkInformation(raw);
    return JSON.stringify(checked) === JSON.stringify(raw) ? checked : undefined;
  } catch {
    return undefined;
  }
}

/** The information as one line for people: "UETR ..., end-to-end id ..., remittance "..."" or the reference's text. */
export function informationText(info: PaymentInformation): string {
  if (!hasIsoFields(info)) return info.reference !== undefined && hiddenCharacter(info.reference) === undefined ? `"${info.reference}"` : "";
  const parts: string[] = [];
  if (info.endToEndId !== undefined) parts.push(`end-to-end id ${info.endToEndId}`);
  if (info.uetr !== undefined) parts.push(`UETR ${info.uetr}`);
  if (info.remittance !== undefined) parts.push(`remittance "${info.remittance}"`);
  if (info.creditorReference !== undefined) parts.push(`creditor reference ${info.creditorReference}`);
  return parts.join(", ");
}
