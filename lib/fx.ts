// Browser-safe: imports ethers and nothing of node or Hardhat.
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import { ethers } from "ethers";

/** A liquidity provider's quote, as FxQuotes and the provider's wallet see it (payer zero: any payer). */
export interface FxQuote {
  provider: string;
  payer: string;
  sellToken: string;
  sellAmount: bigint;
  buyToken: string;
  buyAmount: bigint;
  validUntil: bigint;
  nonce: string;
}

/** The EIP-712 type a provider signs; field order and types match FxQuotes.QUOTE_TYPEHASH. */
export const QUOTE_TYPES: Record<string, TypedDataField[]> = {
  Quote: [
    { name: "provider", type: "address" },
    { name: "payer", type: "address" },
    { name: "sellToken", type: "address" },
    { name: "sellAmount", type: "uint256" },
    { name: "buyToken", type: "address" },
    { name: "buyAmount", type: "uint256" },
    { name: "validUntil", type: "uint64" },
    { name: "nonce", type: "bytes32" },
  ],
};

/** The EIP-712 domain of FxQuotes: binds a quote to one contract on one chain. */
export function fxQuotesDomain(fxQuotes: string, chainId: bigint | number): TypedDataDomain {
  return { name: "FxQuotes", version: "1", chainId, verifyingContract: fxQuotes };
}

/** Signs a quote as EIP-712 typed data with any ethers signer. */
export async function signQuote(signer: Signer, fxQuotes: string, chainId: bigint | number, quote: FxQuote): Promise<string> {
  return signer.signTypedData(fxQuotesDomain(fxQuotes, chainId), QUOTE_TYPES, quote);
}

/** The quote hash: the EIP-712 digest FxQuotes names in `QuotePaid` (FxQuotes.hashQuote). */
export function quoteHash(fxQuotes: string, chainId: bigint | number, quote: FxQuote): string {
  return ethers.TypedDataEncoder.hash(fxQuotesDomain(fxQuotes, chainId), QUOTE_TYPES, quote);
}
