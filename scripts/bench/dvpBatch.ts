import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { CURRENCIES, SAMPLE_SECURITIES } from "../../lib/config";
import { signTrade, SignedTrade, TokenTotals, TradeTerms } from "../../lib/dvp";
import { benchSuite } from "./suite";
import { GasRow, gasOf } from "./gasTable";
import { GAS_LIMIT } from "../../network/genesis";

/** The block gas limit of the bank's QBFT network (network/genesis.ts). */
export const BLOCK_GAS_LIMIT = GAS_LIMIT;
/** The batch size the per-trade figures are stated at. */
export const BATCH_SIZE = 50;
/**
 * GoQuorum refuses a transaction larger than its genesis `txnSizeLimit` (KiB; 64 when unset, as in our
 * genesis; at most 128): params.ChainConfig.GetTransactionSizeLimit, checked in core/tx_pool.go validateTx.
 */
export const TX_SIZE_LIMITS_KIB = [64, 128];
/** A legacy transaction's fields around its data (nonce, gas, to, v, r, s, RLP prefixes): at most this many bytes. */
const TX_ENVELOPE_BYTES = 120;
/** A second, larger batch of the same shape: with the first it separates the per-trade gas from the fixed part. */
const LARGE_BATCH_SIZE = 200;

/** What the netted-batch benchmark reports: the gas rows, what moved per token, and the largest batch per block. */
export interface BatchBench {
  rows: GasRow[];
  moved: { label: string; decimals: number; totals: TokenTotals }[];
  perTrade: bigint;
  fixed: bigint;
  /** Found by executing prefixes of a signed pool with the block's gas limit. */
  largestBatch: number;
  /** Calldata bytes per trade, and the largest batch each transaction size limit lets in. */
  bytesPerTrade: number;
  bySize: { kib: number; trades: number }[];
}

/**
 * Gas of `settleSignedBatch` beside `settleSigned` measured in the same run and the same deployment:
 * six parties (one participant each) trade three securities against USD, every party both buying and
 * selling, as a settlement agent's end-of-window batch would. Every party already holds every token
 * and approved the escrow for the maximum, so no measured call writes a balance or allowance for the
 * first time. Two batch sizes give the marginal gas of a trade (slope) and the fixed part; the largest
 * batch that executes within one block's gas limit is then found by running it.
 */
export async function measureDvPBatchGas(hre: HardhatRuntimeEnvironment): Promise<BatchBench> {
  const { ethers } = hre;
  // the in-process network's blocks default to 30,000,000 gas; the bank's network has 50,000,000
  await ethers.provider.send("evm_setBlockGasLimit", [ethers.toQuantity(BLOCK_GAS_LIMIT)]);
  const signers = await ethers.getSigners();
  const [, , agent] = signers;
  const parties = signers.slice(3, 9);
  const { suite, desk, ops, issuer } = await benchSuite(hre, SAMPLE_SECURITIES);
  const cash = suite.tokens.USD;
  const securities = SAMPLE_SECURITIES.map((s) => suite.securities[s.isin]);
  const escrow = suite.escrow!;
  const escrowAddress = await escrow.getAddress();
  const expiry = (await ethers.provider.getBlock("latest"))!.timestamp + 365 * 86400;
  for (const [i, p] of parties.entries()) {
    await (await suite.registry.connect(ops).onboard(ethers.id(`bench-batch-party-${i}`), [p.address], expiry)).wait();
    await (await desk.mint(p.address, 10n ** 12n, ethers.id(`bench-batch-cash-${i}`))).wait();
    await (await cash.connect(p).approve(escrowAddress, ethers.MaxUint256)).wait();
    for (const s of securities) {
      await (await s.connect(issuer).issue(p.address, 10n ** 7n)).wait();
      await (await s.connect(p).approve(escrowAddress, ethers.MaxUint256)).wait();
    }
  }
  const { chainId } = await ethers.provider.getNetwork();
  const [cashAddress, ...securityAddresses] = await Promise.all([cash, ...securities].map((t) => t.getAddress()));
  // Trade after trade from a fixed-seed generator (the same figures every run): any party sells to any
  // other, any security, 10 to 99 units at 99.00 to 100.99 USD each.
  let seed = 20261125;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  let n = 0;
  const terms = (): TradeTerms => {
    const i = n++;
    const seller = next() % parties.length;
    const buyer = (seller + 1 + (next() % (parties.length - 1))) % parties.length;
    const assetAmount = BigInt(10 + (next() % 90));
    return {
      seller: parties[seller].address, buyer: parties[buyer].address, asset: securityAddresses[next() % securityAddresses.length],
      assetAmount, cash: cashAddress, cashAmount: assetAmount * BigInt(9_900 + (next() % 200)), deadline: BigInt(expiry),
      ref: ethers.encodeBytes32String(`BENCH-BATCH-${i}`),
    };
  };
  const byAddress = new Map(parties.map((p) => [p.address, p]));
  const sign = async (t: TradeTerms): Promise<SignedTrade> => ({
    terms: t,
    sellerSig: await signTrade(byAddress.get(t.seller)!, escrowAddress, chainId, t),
    buyerSig: await signTrade(byAddress.get(t.buyer)!, escrowAddress, chainId, t),
  });
  const batchOf = async (size: number) => Promise.all(Array.from({ length: size }, () => sign(terms())));

  // warm-up: the first settlements touch the escrow's and the registry's storage for the first time
  const warm = await sign(terms());
  await (await escrow.connect(agent).settleSigned(warm.terms, warm.sellerSig, warm.buyerSig)).wait();
  await (await escrow.connect(agent).settleSignedBatch(await batchOf(2))).wait();

  const single = await sign(terms());
  const settleSigned = await gasOf(escrow.connect(agent).settleSigned(single.terms, single.sellerSig, single.buyerSig));
  const baseline = { label: "settleSigned (same run)", gas: settleSigned };

  const small = await batchOf(BATCH_SIZE);
  const smallReceipt = (await (await escrow.connect(agent).settleSignedBatch(small)).wait())!;
  const smallGas = smallReceipt.gasUsed;
  const large = await batchOf(LARGE_BATCH_SIZE);
  // An explicit limit: the in-process node's estimate for large batches can fall a little short of what they need.
  const largeGas = await gasOf(escrow.connect(agent).settleSignedBatch(large, { gasLimit: BLOCK_GAS_LIMIT }));

  const event = smallReceipt.logs.map((l) => escrow.interface.parseLog(l)).find((e) => e?.name === "SignedTradeBatchSettled")!;
  const units = new Map<string, { label: string; decimals: number }>([[cashAddress, { label: CURRENCIES.USD.code, decimals: CURRENCIES.USD.decimals }]]);
  SAMPLE_SECURITIES.forEach((s, i) => units.set(securityAddresses[i], { label: s.symbol, decimals: s.decimals }));
  const moved = (event.args.totals as TokenTotals[]).map((x) => ({
    ...units.get(x.token)!, totals: { token: x.token, gross: x.gross, net: x.net },
  }));

  // The largest batch of this shape whose execution fits a block: the slope and fixed part of the gas used
  // give a first guess; prefixes of one signed pool are then executed (eth_call, gas limit = block limit).
  const dataBytes = (batch: SignedTrade[]) => ethers.dataLength(escrow.interface.encodeFunctionData("settleSignedBatch", [batch]));
  const bytesPerTrade = (dataBytes(large) - dataBytes(small)) / (LARGE_BATCH_SIZE - BATCH_SIZE);
  const headerBytes = dataBytes(small) - bytesPerTrade * BATCH_SIZE;
  const perTrade = (largeGas - smallGas) / BigInt(LARGE_BATCH_SIZE - BATCH_SIZE);
  const fixed = smallGas - perTrade * BigInt(BATCH_SIZE);
  const guess = Number((BLOCK_GAS_LIMIT - fixed) / perTrade);
  let pool = await batchOf(Math.ceil(guess * 1.05));
  const fits = async (size: number) => {
    try {
      await escrow.connect(agent).settleSignedBatch.staticCall(pool.slice(0, size), { gasLimit: BLOCK_GAS_LIMIT });
      return true;
    } catch {
      return false;
    }
  };
  // The slope between two sizes is only a guess (memory grows faster than linearly with the batch): the
  // bounds move by a tenth of the guess until one fits and the other does not (bounded), then bisect.
  let [lo, hi] = [Math.floor(guess * 0.95), pool.length];
  for (let moved = 0; moved < 5 && !(await fits(lo)); moved++) [lo, hi] = [lo - Math.ceil(guess * 0.1), lo];
  for (let moved = 0; moved < 5 && (await fits(hi)); moved++) {
    pool = pool.concat(await batchOf(Math.ceil(guess * 0.1)));
    [lo, hi] = [hi, pool.length];
  }
  if (!(await fits(lo)) || (await fits(hi))) throw new Error(`the largest batch is not within ${lo}..${hi} trades: widen the search`);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await fits(mid)) lo = mid;
    else hi = mid;
  }
  return {
    rows: [
      { operation: "settleSigned: one trade, one transaction", gas: settleSigned },
      { operation: `settleSignedBatch: ${BATCH_SIZE} trades (whole transaction)`, gas: smallGas },
      { operation: `settleSignedBatch: per trade at ${BATCH_SIZE} trades`, gas: smallGas / BigInt(BATCH_SIZE), baseline },
      { operation: `settleSignedBatch: per trade at ${LARGE_BATCH_SIZE} trades`, gas: largeGas / BigInt(LARGE_BATCH_SIZE), baseline },
      { operation: `settleSignedBatch: each trade beyond ${BATCH_SIZE} (slope)`, gas: perTrade, baseline },
    ],
    moved,
    perTrade,
    fixed,
    largestBatch: lo,
    bytesPerTrade,
    bySize: TX_SIZE_LIMITS_KIB.map((kib) => ({ kib, trades: Math.floor((kib * 1024 - TX_ENVELOPE_BYTES - headerBytes) / bytesPerTrade) })),
  };
}
