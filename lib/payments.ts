import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import { ethers } from "ethers";

/**
 * Signed payments (EIP-3009 with a reference) as the deposit token, the payer's wallet, the operator
 * commands and the client page see them. Browser-safe: ethers only.
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

/** Who signed a payment: recovers the address (for checks before submitting). */
export function paymentSigner(domain: TypedDataDomain, payment: SignedPayment): string {
  const { v, r, s, ...terms } = payment;
  return ethers.verifyTypedData(domain, PAYMENT_TYPES, terms, ethers.Signature.from({ v, r, s }));
}

/** A signed-payment file as `payment:sign` writes it and `payment:settle` / `payment:settle-batch` read it. */
export interface SignedPaymentFile {
  token: string;
  chainId: string;
  payment: Record<keyof SignedPayment, string | number>;
}

export function paymentToJson(p: SignedPayment): SignedPaymentFile["payment"] {
  return {
    from: p.from, to: p.to, value: p.value.toString(), ref: p.ref, validAfter: p.validAfter.toString(),
    validBefore: p.validBefore.toString(), nonce: p.nonce, v: p.v, r: p.r, s: p.s,
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
