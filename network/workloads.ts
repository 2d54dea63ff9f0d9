import type { Interface, Signer } from "ethers";
import { signTrade, TradeTerms } from "../lib/dvp";
import { toReference } from "../lib/format";
import type { Call } from "./load";

/**
 * The signed-trade workloads of `bench:qbft`, built apart from the network so that they can be checked
 * in-process: DvP (a security against the deposit token) and PvP (one deposit token against another)
 * are the same pre-signed `settleSigned` calls with other legs.
 */

/** The two legs of a benchmark trade: what the seller delivers (asset) and what the buyer pays (cash). */
export interface TradeLegs {
  asset: string;
  assetAmount: bigint;
  cash: string;
  cashAmount: bigint;
}

/** A wallet of the workload: it signs its trades and sends its calls. */
export type TradingWallet = Signer & { address: string };

/** One trade of a workload: the seller's and the buyer's index among the wallets, and the terms. */
export interface PairedTrade {
  seller: number;
  buyer: number;
  terms: TradeTerms;
}

/**
 * Trade `i` of a workload: the wallets trade in fixed pairs (2k sells to 2k + 1), pair `i` modulo the
 * number of pairs, so that consecutive trades touch other wallets; the reference `<prefix>-<i>` is unique
 * in the run (a reference settles once between the same seller and buyer).
 */
export function pairedTrade(wallets: readonly { address: string }[], i: number, legs: TradeLegs, deadline: bigint, refPrefix: string): PairedTrade {
  if (wallets.length < 2 || wallets.length % 2 !== 0) throw new Error(`trades pair the wallets: an even number of at least 2 is needed, not ${wallets.length}`);
  const pair = (i % (wallets.length / 2)) * 2;
  return {
    seller: pair, buyer: pair + 1,
    terms: { seller: wallets[pair].address, buyer: wallets[pair + 1].address, ...legs, deadline, ref: toReference(`${refPrefix}-${i}`) },
  };
}

/**
 * `count` trades signed ahead by both parties (EIP-712), each as the buyer's `settleSigned` call: what the
 * load generator sends without signing anything but the transaction. Trades are numbered from `first`.
 */
export async function presignedSettlements(
  wallets: readonly TradingWallet[],
  escrow: { address: string; iface: Interface },
  chainId: bigint | number,
  count: number,
  trade: (i: number) => PairedTrade,
  first = 0,
): Promise<Call[]> {
  const calls: Call[] = [];
  for (let i = first; i < first + count; i++) {
    const t = trade(i);
    const [sellerSig, buyerSig] = await Promise.all([
      signTrade(wallets[t.seller], escrow.address, chainId, t.terms), signTrade(wallets[t.buyer], escrow.address, chainId, t.terms),
    ]);
    calls.push({ from: t.buyer, to: escrow.address, gasLimit: 400_000n, data: escrow.iface.encodeFunctionData("settleSigned", [t.terms, sellerSig, buyerSig]) });
  }
  return calls;
}
