// Browser-safe: the client page (client/) imports this module, so it imports ethers and nothing of node or Hardhat.
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import { ethers } from "ethers";
import { isoDate, parseAddress, parseAmount, parseDate, toReference } from "./format";
import { parseJson } from "./json";
import { checkInformation, informationReference, PaymentInformation } from "./payment-info";

/**
 * Signed payments (EIP-3009 with a reference) as the deposit token, the payer's wallet, the operator
 * commands and the client page see them: one implementation of the types, the domain, the terms from
 * text, the file format and its checks, and the netting arithmetic.
 */

/** A payment instruction before signing: SignedPayments.TRANSFER_WITH_REFERENCE_AUTHORIZATION_TYPEHASH's fields. */
export interface PaymentTerms {
  from: string;
  to: string;
  value: bigint;
  ref: string;
  validAfter: bigint;
  validBefore: bigint;
  nonce: string;
}

/** A signed instruction as the token takes it (ISignedPayments.SignedPayment). */
export interface SignedPayment extends PaymentTerms {
  v: number;
  r: string;
  s: string;
}

/** The EIP-712 type a payer signs; field order and types match the contract's type hash. */
export const PAYMENT_TYPES: Record<string, TypedDataField[]> = {
  TransferWithReferenceAuthorization: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "ref", type: "bytes32" },
    { name: "validAfter", type: "uint256" },
    { name: "validBefore", type: "uint256" },
    { name: "nonce", type: "bytes32" },
  ],
};

/** The EIP-712 type a payer signs to cancel an unused nonce (SignedPayments.CANCEL_AUTHORIZATION_TYPEHASH). */
export const CANCEL_TYPES: Record<string, TypedDataField[]> = {
  CancelAuthorization: [
    { name: "authorizer", type: "address" },
    { name: "nonce", type: "bytes32" },
  ],
};

/** The token's EIP-712 domain (its ERC-2612 domain: the token's name, version "1"). */
export function tokenDomain(name: string, token: string, chainId: bigint | number): TypedDataDomain {
  return { name, version: "1", chainId, verifyingContract: token };
}

/** A random 32-byte nonce, as EIP-3009 suggests for payments signed one at a time. */
export function randomNonce(): string {
  return ethers.hexlify(ethers.randomBytes(32));
}

/**
 * Nonce `index` of a numbered sequence that starts at a multiple of 256 (`base` is the sequence's word):
 * the token stores 256 nonces to a storage word, so a cycle's payments numbered this way cost one new word
 * per 256 payments instead of one each.
 */
export function sequenceNonce(base: bigint, index: number): string {
  if (index < 0 || index > 255 || !Number.isInteger(index)) throw new Error(`nonce index ${index} is not 0..255`);
  return ethers.toBeHex((base << 8n) + BigInt(index), 32);
}

/** Signs a payment with any ethers signer (a Wallet, a custody system's signer, a browser wallet's signer). */
export async function signPayment(signer: Signer, domain: TypedDataDomain, terms: PaymentTerms): Promise<SignedPayment> {
  const signature = ethers.Signature.from(await signer.signTypedData(domain, PAYMENT_TYPES, terms));
  return { ...terms, v: signature.v, r: signature.r, s: signature.s };
}

/** Signs the cancellation of the payer's unused nonce: whoever holds the signature may submit it (EIP-3009 cancelAuthorization). */
export async function signCancellation(signer: Signer, domain: TypedDataDomain, nonce: string): Promise<{ authorizer: string; nonce: string; v: number; r: string; s: string }> {
  const authorizer = await signer.getAddress();
  const signature = ethers.Signature.from(await signer.signTypedData(domain, CANCEL_TYPES, { authorizer, nonce }));
  return { authorizer, nonce, v: signature.v, r: signature.r, s: signature.s };
}

/** Who signed a payment: recovers the address (for checks before submitting). */
export function paymentSigner(domain: TypedDataDomain, payment: SignedPayment): string {
  const { v, r, s, ...terms } = payment;
  return ethers.verifyTypedData(domain, PAYMENT_TYPES, terms, ethers.Signature.from({ v, r, s }));
}

/**
 * A signed-payment file as `payment:sign` writes it and `payment:settle` / `payment:settle-batch` read it.
 * `information` (absent in files signed before payments carried it, and for a 0x hex reference) is the
 * payment's text, whose informationReference is the signed `ref`; it travels with the payment when settled.
 */
export interface SignedPaymentFile {
  token: string;
  chainId: string;
  payment: Record<keyof SignedPayment, string | number>;
  information?: PaymentInformation;
}

export function paymentToJson(p: SignedPayment): SignedPaymentFile["payment"] {
  return {
    from: p.from, to: p.to, value: p.value.toString(), ref: p.ref, validAfter: p.validAfter.toString(),
    validBefore: p.validBefore.toString(), nonce: p.nonce, v: p.v, r: p.r, s: p.s,
  };
}

/** The signed-payment file of one payment, as `payment:sign` and the client page write it, with the payment's information when it has text. */
export function signedPaymentFile(token: string, chainId: bigint | number | string, payment: SignedPayment, information?: PaymentInformation): SignedPaymentFile {
  const file: SignedPaymentFile = { token, chainId: chainId.toString(), payment: paymentToJson(payment) };
  if (information !== undefined && !(information.reference !== undefined && /^0x/i.test(information.reference))) file.information = information;
  return file;
}

/**
 * The information a signed-payment file carries (undefined for a file without any), checked by the input
 * rules and against the signed reference: information that does not hash to `payment.ref` is refused
 * naming the file, since the token would carry a text that is not the payment's.
 */
export function signedPaymentInformation(text: string, name: string, payment: PaymentTerms): PaymentInformation | undefined {
  const raw = (JSON.parse(text) as SignedPaymentFile).information;
  if (raw === undefined || raw === null) return undefined;
  let info: PaymentInformation;
  try {
    info = checkInformation(raw);
  } catch (e) {
    throw new Error(`${name}: its information is malformed (${(e as Error).message}); nothing was sent`);
  }
  if (informationReference(info).toLowerCase() !== payment.ref.toLowerCase()) {
    throw new Error(`${name}: its information does not hash to its signed reference ${payment.ref} (it hashes to ${informationReference(info)}): the text was changed after signing; nothing was sent`);
  }
  return info;
}

/** The text of a signed-payment file: the same bytes wherever it is signed (JSON, two-space indent, final newline). */
export function signedPaymentFileText(file: SignedPaymentFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The file name of a signed payment: payment.<payer's first 4 bytes>.<nonce's first 8 bytes>.json. */
export function paymentFileName(p: PaymentTerms): string {
  return `payment.${p.from.slice(0, 10)}.${p.nonce.slice(2, 18)}.json`;
}

/** The deposit token a file must name: its address and currency, the deployment's chain and the token's EIP-712 domain. */
export interface PaymentDeployment {
  token: string;
  label: string;
  chainId: bigint | number | string;
  domain: TypedDataDomain;
}

/**
 * Reads the text of a signed-payment file and checks it against the deployment: the token and chain it was
 * signed for, that its signature recovers to its payer, and that it does not pay its payer (the token refuses
 * that as `SelfPayment`). Refuses naming `name` (the file); `what`
 * prefixes a file that cannot be read (an option, a form field). `payment:settle`, `payment:settle-batch`
 * and the client page read files through this one check.
 */
export function readSignedPaymentFile(text: string, name: string, what: string, deployment: PaymentDeployment): SignedPayment {
  const chainId = deployment.chainId.toString();
  const json = parseJson<SignedPaymentFile>(text, `${what} ${name}`, "a signed-payment file");
  if (json.payment === undefined && ("terms" in json || "escrow" in json)) {
    throw new Error(`${name} is a signed DvP trade file, not a signed payment (dvp:settle-signed and dvp:settle-batch take it); nothing was sent`);
  }
  if (json.token?.toLowerCase() !== deployment.token.toLowerCase() || json.chainId !== chainId) {
    throw new Error(`${name} was signed for token ${json.token} on chain ${json.chainId}, not the ${deployment.label} deposit token ${deployment.token} on chain ${chainId}; nothing was sent`);
  }
  const payment = paymentFromJson(json.payment ?? {}, `${what} ${name}`);
  let signer: string;
  try {
    signer = paymentSigner(deployment.domain, payment);
  } catch {
    throw new Error(`${name} carries a malformed signature (v, r, s); nothing was sent`);
  }
  // A signature recovers to some address whatever the signed content: another address means other content.
  if (signer !== payment.from) {
    throw new Error(`${name}: the signature does not match the file's content (it recovers to ${signer}, not the payer ${payment.from}): the terms were changed after signing, or it was signed for another token or chain; nothing was sent`);
  }
  if (payment.to === payment.from) throw new Error(`${name} pays ${payment.from} to itself: a wallet cannot pay itself; nothing was sent`);
  return payment;
}

/** Refuses a batch in which two files carry the same nonce of one payer (a payment settles once), naming both. */
export function refuseRepeatedNonces(batch: readonly PaymentTerms[], names: readonly string[]): void {
  const seen = new Map<string, string>();
  batch.forEach((p, i) => {
    const key = `${p.from}:${p.nonce}`;
    const first = seen.get(key);
    if (first) throw new Error(`${names[i]} and ${first} use the same nonce of ${p.from}: a payment settles once; nothing was sent`);
    seen.set(key, names[i]);
  });
}

/** A nonce from text (decimal or 0x hex, up to 32 bytes) as bytes32, or a random one when none is given. */
export function paymentNonce(text: string | undefined, what = "--nonce"): string {
  if (text === undefined || text.trim() === "") return randomNonce();
  const t = text.trim();
  let value: bigint;
  try {
    value = BigInt(t);
  } catch {
    throw new Error(`${what} "${text}" is not a number (decimal or 0x hex)`);
  }
  if (value < 0n || value >= 2n ** 256n) throw new Error(`${what} "${text}" does not fit in 32 bytes`);
  return ethers.toBeHex(value, 32);
}

/** A payment as typed: payee, amount in currency units, reference text, validity and nonce (empty: the defaults). */
export interface PaymentText {
  to: string;
  amount: string;
  ref: string;
  validAfter?: string;
  validBefore?: string;
  nonce?: string;
}

/** How the fields are named in messages: the commands' options by default. */
export const PAYMENT_OPTION_NAMES: Record<keyof PaymentText, string> = {
  to: "--to", amount: "--amount", ref: "--ref", validAfter: "--valid-after", validBefore: "--valid-before", nonce: "--nonce",
};

/**
 * Terms from text, as `payment:sign` and the client page take them: the amount parsed exactly in the token's
 * decimals (zero refused), the reference as `toReference` makes it, a random nonce unless given. Validity:
 * from `validAfter` (a date is its start, 00:00:00 UTC), else from `now` (the chain's time); until
 * `validBefore` (a date is its end), else 24 hours after it becomes valid. A bound given alone is checked
 * alone: a `validBefore` not later than `now` is refused, as is a `validBefore` not after `validAfter`.
 * Refuses a malformed field naming it, and a payee that is the payer (the token refuses a wallet paying
 * itself: `SelfPayment`).
 */
export function paymentTermsFromText(
  text: PaymentText, from: string, decimals: number, now: number, names: Record<keyof PaymentText, string> = PAYMENT_OPTION_NAMES,
): PaymentTerms {
  const value = parseAmount(text.amount, decimals, names.amount);
  if (value === 0n) throw new Error(`${names.amount} "${text.amount}" is zero`);
  const given = (t: string | undefined) => t !== undefined && t.trim() !== "";
  const after = given(text.validAfter) ? BigInt(parseDate(text.validAfter!, names.validAfter, "start")) : undefined;
  const before = given(text.validBefore) ? BigInt(parseDate(text.validBefore!, names.validBefore, "end")) : undefined;
  if (before !== undefined && before <= BigInt(now)) {
    throw new Error(`${names.validBefore} ${isoDate(Number(before))} is not later than now (${isoDate(now)}, the chain's time): the payment would never be valid`);
  }
  const validAfter = after ?? BigInt(now - 1);
  const validBefore = before ?? (validAfter > BigInt(now) ? validAfter : BigInt(now)) + 86_400n;
  if (validBefore <= validAfter + 1n) {
    throw new Error(`${names.validBefore} ${isoDate(Number(validBefore))} must be later than ${names.validAfter} ${isoDate(Number(validAfter))}: the payment would never be valid`);
  }
  const to = parseAddress(text.to.trim(), names.to);
  if (to === ethers.getAddress(from)) throw new Error(`${names.to} ${to} is the payer's own wallet: a wallet cannot pay itself`);
  return {
    from, to, value, ref: toReference(text.ref, names.ref), validAfter, validBefore,
    nonce: paymentNonce(text.nonce, names.nonce),
  };
}

export function paymentFromJson(json: Record<string, unknown>, what = "payment"): SignedPayment {
  const fields = [...PAYMENT_TYPES.TransferWithReferenceAuthorization.map((f) => f.name), "v", "r", "s"];
  for (const key of fields) {
    if (typeof json[key] !== "string" && typeof json[key] !== "number") throw new Error(`${what}: field "${key}" is missing`);
  }
  const word = (key: string) => {
    const value = String(json[key]);
    if (!ethers.isHexString(value, 32)) throw new Error(`${what}: field "${key}" is not 32 bytes of hex: ${value}`);
    return value;
  };
  return {
    from: ethers.getAddress(String(json.from)), to: ethers.getAddress(String(json.to)), value: BigInt(String(json.value)),
    ref: word("ref"), validAfter: BigInt(String(json.validAfter)), validBefore: BigInt(String(json.validBefore)),
    nonce: word("nonce"), v: Number(json.v), r: word("r"), s: word("s"),
  };
}

/**
 * Each wallet's net position over a batch (credits minus debits), in first-seen order: what the token
 * moves when it settles the batch. Wallets whose net is zero are listed too (they are still checked).
 */
export function netPositions(payments: readonly PaymentTerms[]): Map<string, bigint> {
  const net = new Map<string, bigint>();
  for (const p of payments) {
    net.set(p.from, (net.get(p.from) ?? 0n) - p.value);
    net.set(p.to, (net.get(p.to) ?? 0n) + p.value);
  }
  return net;
}

/** Gross value of a batch and the value that moves once netted (the sum of the net debits). */
export function grossAndNet(payments: readonly PaymentTerms[]): { gross: bigint; net: bigint } {
  const gross = payments.reduce((sum, p) => sum + p.value, 0n);
  let net = 0n;
  for (const position of netPositions(payments).values()) if (position < 0n) net -= position;
  return { gross, net };
}

/** The share of a batch's gross value that netting kept from moving, in percent with one decimal (rounded down). */
export function liquiditySavedPercent(gross: bigint, net: bigint): number {
  return gross === 0n ? 0 : Number(((gross - net) * 1000n) / gross) / 10;
}

/**
 * A settlement cycle for demonstrations and measurements: `count` instructions among `wallets`, payer i
 * paying in a fixed pattern (never itself), amounts from `amount(i)`, reference `ref(i)`, and the nonce of a
 * payer's k-th instruction of the cycle from `nonce(payer, k)` (numbered nonces: see `sequenceNonce`).
 */
export function paymentCycle(
  wallets: readonly string[],
  count: number,
  options: { validAfter: bigint; validBefore: bigint; amount: (i: number) => bigint; ref: (i: number) => string; nonce: (payer: string, k: number) => string },
): PaymentTerms[] {
  const n = wallets.length;
  if (n < 2) throw new Error("a payment cycle needs at least two wallets");
  const used = new Map<string, number>();
  const terms: PaymentTerms[] = [];
  for (let i = 0; i < count; i++) {
    const from = wallets[(i * 7) % n];
    let to = wallets[(i * 3 + 1 + (i % 4)) % n];
    if (to === from) to = wallets[((i * 7) % n + 1 + (i % (n - 1))) % n];
    const k = used.get(from) ?? 0;
    used.set(from, k + 1);
    terms.push({ from, to, value: options.amount(i), ref: options.ref(i), validAfter: options.validAfter,
      validBefore: options.validBefore, nonce: options.nonce(from, k) });
  }
  return terms;
}
