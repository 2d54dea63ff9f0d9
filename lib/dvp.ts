import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import { ethers } from "ethers";

/** The terms of a DvP trade, as the escrow and the parties' wallets see them. */
export interface TradeTerms {
  seller: string;
  buyer: string;
  asset: string;
  assetAmount: bigint;
  cash: string;
  cashAmount: bigint;
  deadline: bigint;
  ref: string;
}

/** The EIP-712 type both parties sign; field order and types match DvPEscrow.TRADE_TYPEHASH. */
export const TRADE_TYPES: Record<string, TypedDataField[]> = {
  Trade: [
    { name: "seller", type: "address" },
    { name: "buyer", type: "address" },
    { name: "asset", type: "address" },
    { name: "assetAmount", type: "uint256" },
    { name: "cash", type: "address" },
    { name: "cashAmount", type: "uint256" },
    { name: "deadline", type: "uint64" },
    { name: "ref", type: "bytes32" },
  ],
};


/** The escrow's EIP-712 domain: binds a signature to one escrow on one chain. */
export function escrowDomain(escrow: string, chainId: bigint | number): TypedDataDomain {
  return { name: "DvPEscrow", version: "1", chainId, verifyingContract: escrow };
}

/** Signs the terms as EIP-712 typed data with any ethers signer (a Wallet, a custody system's signer). */
export async function signTrade(signer: Signer, escrow: string, chainId: bigint | number, terms: TradeTerms): Promise<string> {
  return signer.signTypedData(escrowDomain(escrow, chainId), TRADE_TYPES, terms);
}

/**
 * The trade hash of signed terms: the EIP-712 digest the escrow records when they settle or are
 * withdrawn (DvPEscrow.hashTrade, `tradeHash` in its events and errors). One name for it everywhere.
 */
export function tradeHash(escrow: string, chainId: bigint | number, terms: TradeTerms): string {
  return ethers.TypedDataEncoder.hash(escrowDomain(escrow, chainId), TRADE_TYPES, terms);
}

/** Who signed these terms: recovers the address from a signature (for checks before submitting). */
export function tradeSigner(escrow: string, chainId: bigint | number, terms: TradeTerms, signature: string): string {
  return ethers.verifyTypedData(escrowDomain(escrow, chainId), TRADE_TYPES, terms, signature);
}

/** A signed-trade file as `dvp:sign` writes it and `dvp:settle-signed` reads it. */
export interface SignedTradeFile {
  escrow: string;
  chainId: string;
  terms: Record<keyof TradeTerms, string>;
  signer: string;
  signature: string;
}

export function termsToJson(terms: TradeTerms): Record<keyof TradeTerms, string> {
  return {
    seller: terms.seller, buyer: terms.buyer, asset: terms.asset, assetAmount: terms.assetAmount.toString(),
    cash: terms.cash, cashAmount: terms.cashAmount.toString(), deadline: terms.deadline.toString(), ref: terms.ref,
  };
}

export function termsFromJson(json: Record<string, string>, what = "terms"): TradeTerms {
  for (const key of TRADE_TYPES.Trade.map((f) => f.name)) {
    if (typeof json[key] !== "string") throw new Error(`${what}: field "${key}" is missing`);
  }
  return {
    seller: ethers.getAddress(json.seller), buyer: ethers.getAddress(json.buyer), asset: ethers.getAddress(json.asset),
    assetAmount: BigInt(json.assetAmount), cash: ethers.getAddress(json.cash), cashAmount: BigInt(json.cashAmount),
    deadline: BigInt(json.deadline), ref: json.ref,
  };
}

/** A trade with both signatures, as `DvPEscrow.settleSignedBatch` takes it. */
export interface SignedTrade {
  terms: TradeTerms;
  sellerSig: string;
  buyerSig: string;
}

/** Per token, what a netted batch moves: gross (the sum of its trades' amounts) and net (what actually moves). */
export interface TokenTotals {
  token: string;
  gross: bigint;
  net: bigint;
}

/**
 * Each party's net per token over a batch of trades (token -> party -> amount; positive: receives,
 * negative: pays, zero: trades but moves nothing), tokens in the order the batch first names them (each
 * trade's asset, then its cash), as DvPEscrow.settleSignedBatch nets them.
 */
export function netPositions(trades: TradeTerms[]): Map<string, Map<string, bigint>> {
  const nets = new Map<string, Map<string, bigint>>();
  const add = (token: string, party: string, amount: bigint) => {
    const perParty = nets.get(token) ?? new Map<string, bigint>();
    nets.set(token, perParty);
    perParty.set(party, (perParty.get(party) ?? 0n) + amount);
  };
  for (const t of trades) {
    add(t.asset, t.seller, -t.assetAmount);
    add(t.asset, t.buyer, t.assetAmount);
    add(t.cash, t.buyer, -t.cashAmount);
    add(t.cash, t.seller, t.cashAmount);
  }
  return nets;
}

/** Per token, gross and net of a batch, in the order and form of the SignedTradeBatchSettled event. */
export function batchTotals(trades: TradeTerms[]): TokenTotals[] {
  const gross = new Map<string, bigint>();
  for (const t of trades) {
    gross.set(t.asset, (gross.get(t.asset) ?? 0n) + t.assetAmount);
    gross.set(t.cash, (gross.get(t.cash) ?? 0n) + t.cashAmount);
  }
  return [...netPositions(trades)].map(([token, perParty]) => ({
    token,
    gross: gross.get(token)!,
    net: [...perParty.values()].reduce((sum, v) => (v > 0n ? sum + v : sum), 0n),
  }));
}
