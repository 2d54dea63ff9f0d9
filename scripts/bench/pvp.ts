import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { CURRENCIES } from "../../lib/config";
import { signTrade, SignedTrade, TradeTerms } from "../../lib/dvp";
import { benchSuite } from "./suite";
import { GasRow, gasOf } from "./gasTable";

/** The size of the netted PvP batch measured. */
export const PVP_BATCH_SIZE = 50;

/**
 * Gas of payment versus payment (the USD and EUR deposit tokens, both permissioned) on the in-process
 * network: the signed flow, the locking flow, and a netted batch of signed USD/EUR trades per trade. The
 * baselines are measured in the same run: two plain ERC-20 transferFrom calls (contracts/mocks/PlainERC20.sol,
 * both legs with no escrow and no rules), and for the batch `settleSigned` of one such trade. Six parties
 * already hold both currencies and approved the escrow for the maximum, so no measured call writes a
 * balance or an allowance for the first time.
 */
export async function measurePvPGas(hre: HardhatRuntimeEnvironment): Promise<{ rows: GasRow[]; batchGas: bigint }> {
  const { ethers } = hre;
  const signers = await ethers.getSigners();
  const [, , agent] = signers;
  const parties = signers.slice(3, 9);
  const { suite, desks, ops } = await benchSuite(hre, [], [CURRENCIES.USD, CURRENCIES.EUR]);
  const [usd, eur] = [suite.tokens.USD, suite.tokens.EUR];
  const escrow = suite.escrow!;
  const escrowAddress = await escrow.getAddress();
  const expiry = (await ethers.provider.getBlock("latest"))!.timestamp + 365 * 86400;
  for (const [i, p] of parties.entries()) {
    await (await suite.registry.connect(ops).onboard(ethers.id(`bench-pvp-party-${i}`), [p.address], expiry)).wait();
    for (const [code, token] of [["USD", usd], ["EUR", eur]] as const) {
      await (await desks[code].mint(p.address, 10n ** 12n, ethers.id(`bench-pvp-${code}-${i}`))).wait();
      await (await token.connect(p).approve(escrowAddress, ethers.MaxUint256)).wait();
    }
  }
  const [seller, buyer] = parties;

  // Baseline: the two legs as plain ERC-20 transferFrom calls by a third party, warmed up once.
  const plainEur = await ethers.deployContract("PlainERC20");
  const plainUsd = await ethers.deployContract("PlainERC20");
  for (const [token, owner] of [[plainEur, seller], [plainUsd, buyer]] as const) {
    for (const who of [seller, buyer]) await (await token.mint(who.address, 10n ** 12n)).wait();
    await (await token.connect(owner).approve(agent.address, ethers.MaxUint256)).wait();
  }
  await (await plainEur.connect(agent).transferFrom(seller.address, buyer.address, 1n)).wait();
  await (await plainUsd.connect(agent).transferFrom(buyer.address, seller.address, 1n)).wait();
  const bothLegs = {
    label: "two plain ERC20 transferFrom",
    gas: (await gasOf(plainEur.connect(agent).transferFrom(seller.address, buyer.address, 92_000_000n)))
      + (await gasOf(plainUsd.connect(agent).transferFrom(buyer.address, seller.address, 100_000_000n))),
  };

  const { chainId } = await ethers.provider.getNetwork();
  const [usdAddress, eurAddress] = [await usd.getAddress(), await eur.getAddress()];
  const byAddress = new Map(parties.map((p) => [p.address, p]));
  let n = 0;
  const fx = (from: number, to: number, eurCents: bigint, usdCents: bigint): TradeTerms => ({
    seller: parties[from].address, buyer: parties[to].address, asset: eurAddress, assetAmount: eurCents,
    cash: usdAddress, cashAmount: usdCents, deadline: BigInt(expiry), ref: ethers.encodeBytes32String(`BENCH-PVP-${++n}`),
  });
  const sign = async (t: TradeTerms): Promise<SignedTrade> => ({
    terms: t, sellerSig: await signTrade(byAddress.get(t.seller)!, escrowAddress, chainId, t), buyerSig: await signTrade(byAddress.get(t.buyer)!, escrowAddress, chainId, t),
  });
  const settleOne = async (t: TradeTerms) => {
    const s = await sign(t);
    return gasOf(escrow.connect(agent).settleSigned(s.terms, s.sellerSig, s.buyerSig));
  };

  // warm-up: the first trade and the first lock write the escrow's slots for the first time
  await settleOne(fx(0, 1, 92_000_000n, 100_000_000n));
  const warm = fx(0, 1, 92_000_000n, 100_000_000n);
  const warmId = await escrow.connect(seller).proposeTrade.staticCall(warm);
  await (await escrow.connect(seller).proposeTrade(warm)).wait();
  await (await escrow.connect(seller).fund(warmId, warm)).wait();
  await (await escrow.connect(buyer).fund(warmId, warm)).wait();

  const signed = await settleOne(fx(0, 1, 92_000_000n, 100_000_000n));
  const locked = fx(0, 1, 92_000_000n, 100_000_000n);
  const lockedId = await escrow.connect(seller).proposeTrade.staticCall(locked);
  const proposeGas = await gasOf(escrow.connect(seller).proposeTrade(locked));
  const lockFirst = await gasOf(escrow.connect(seller).fund(lockedId, locked));
  const lockSecond = await gasOf(escrow.connect(buyer).fund(lockedId, locked));

  // A batch of trades from a fixed-seed generator (the same figures every run): any party pays EUR to any
  // other, 1,000.00 to 100,999.00 EUR at 1.0800 to 1.0999 USD per EUR.
  let seed = 20261201;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  const batch: SignedTrade[] = [];
  for (let i = 0; i < PVP_BATCH_SIZE; i++) {
    const from = next() % parties.length;
    const to = (from + 1 + (next() % (parties.length - 1))) % parties.length;
    const eurCents = BigInt(1_000 + (next() % 100_000)) * 100n;
    batch.push(await sign(fx(from, to, eurCents, (eurCents * BigInt(10_800 + (next() % 200))) / 10_000n)));
  }
  const batchGas = await gasOf(escrow.connect(agent).settleSignedBatch(batch));
  const alone = { label: "PvP settleSigned alone", gas: signed };

  return {
    batchGas,
    rows: [
      { operation: "PvP settleSigned (USD/EUR, 1 transaction, 2 signatures)", gas: signed, baseline: bothLegs },
      { operation: "PvP locking flow in all (propose, 2 fund)", gas: proposeGas + lockFirst + lockSecond, baseline: bothLegs },
      { operation: `PvP netted batch of ${PVP_BATCH_SIZE}, per trade`, gas: batchGas / BigInt(PVP_BATCH_SIZE), baseline: alone },
      { operation: `PvP netted batch of ${PVP_BATCH_SIZE}, per trade`, gas: batchGas / BigInt(PVP_BATCH_SIZE), baseline: bothLegs },
    ],
  };
}
