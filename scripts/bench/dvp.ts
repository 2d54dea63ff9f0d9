import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { DEMO_SECURITY } from "../../lib/config";
import { signTrade, TradeTerms } from "../../lib/dvp";
import { benchSuite } from "./suite";
import { GasRow, gasOf } from "./gasTable";

/**
 * Gas of DvP settlement on the in-process network: the locking flow (propose, lock one leg, lock the
 * other and settle), the signed flow (one transaction) and a cancel that refunds a locked leg. The
 * baseline is what moving both legs costs with no escrow at all: two plain ERC-20 transferFrom calls
 * (contracts/mocks/PlainERC20.sol), measured in the same run. Both parties already hold both tokens
 * and approved the spender for the maximum, as in the measured escrow calls.
 */
export async function measureDvPGas(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const { ethers } = hre;
  const signers = await ethers.getSigners();
  const [, , seller, buyer, agent] = signers;
  const { suite, desk, ops, issuer } = await benchSuite(hre, [DEMO_SECURITY]);
  const cash = suite.tokens.USD;
  const asset = suite.securities[DEMO_SECURITY.isin].connect(issuer);
  const escrow = suite.escrow!;
  const escrowAddress = await escrow.getAddress();
  const expiry = (await ethers.provider.getBlock("latest"))!.timestamp + 365 * 86400;
  await (await suite.registry.connect(ops).onboard(ethers.id("bench-seller"), [seller.address], expiry)).wait();
  await (await suite.registry.connect(ops).onboard(ethers.id("bench-buyer"), [buyer.address], expiry)).wait();
  for (const [who, i] of [[seller, 1], [buyer, 2]] as const) {
    await (await desk.mint(who.address, 10n ** 12n, ethers.id(`bench-cash-${i}`))).wait();
    await (await asset.issue(who.address, 10n ** 6n)).wait();
    await (await cash.connect(who).approve(escrowAddress, ethers.MaxUint256)).wait();
    await (await asset.connect(who).approve(escrowAddress, ethers.MaxUint256)).wait();
  }

  // Baseline: the two legs as plain ERC-20 transferFrom calls by a third party, warmed up once.
  const plainAsset = await ethers.deployContract("PlainERC20");
  const plainCash = await ethers.deployContract("PlainERC20");
  for (const [token, owner] of [[plainAsset, seller], [plainCash, buyer]] as const) {
    for (const who of [seller, buyer]) await (await token.mint(who.address, 10n ** 12n)).wait();
    await (await token.connect(owner).approve(agent.address, ethers.MaxUint256)).wait();
  }
  await (await plainAsset.connect(agent).transferFrom(seller.address, buyer.address, 1n)).wait();
  await (await plainCash.connect(agent).transferFrom(buyer.address, seller.address, 1n)).wait();
  const assetLeg = await gasOf(plainAsset.connect(agent).transferFrom(seller.address, buyer.address, 100n));
  const cashLeg = await gasOf(plainCash.connect(agent).transferFrom(buyer.address, seller.address, 995_000n));
  const oneLeg = { label: "one plain ERC20 transferFrom", gas: assetLeg };
  const bothLegs = { label: "two plain ERC20 transferFrom", gas: assetLeg + cashLeg };

  let n = 0;
  const terms = async (): Promise<TradeTerms> => ({
    seller: seller.address, buyer: buyer.address,
    asset: await asset.getAddress(), assetAmount: 100n, cash: await cash.getAddress(), cashAmount: 995_000n,
    deadline: BigInt(expiry), ref: ethers.id(`BENCH-TRADE-${++n}`),
  });
  const propose = async (t: TradeTerms) => {
    const id = await escrow.connect(seller).proposeTrade.staticCall(t);
    return { id, terms: t, gas: await gasOf(escrow.connect(seller).proposeTrade(t)) };
  };

  // warm-up: the first trade writes the escrow's locked balances and the proposer's nonce for the first time
  const warm = await propose(await terms());
  await (await escrow.connect(seller).fund(warm.id, warm.terms)).wait();
  await (await escrow.connect(buyer).fund(warm.id, warm.terms)).wait();

  const locking = await propose(await terms());
  const lockFirst = await gasOf(escrow.connect(seller).fund(locking.id, locking.terms));
  const lockSecond = await gasOf(escrow.connect(buyer).fund(locking.id, locking.terms));

  const cancelled = await propose(await terms());
  await (await escrow.connect(seller).fund(cancelled.id, cancelled.terms)).wait();
  const cancelGas = await gasOf(escrow.connect(buyer).cancel(cancelled.id, cancelled.terms));

  const { chainId } = await ethers.provider.getNetwork();
  const signed = await terms();
  const sellerSig = await signTrade(seller, escrowAddress, chainId, signed);
  const buyerSig = await signTrade(buyer, escrowAddress, chainId, signed);
  const settleSigned = await gasOf(escrow.connect(agent).settleSigned(signed, sellerSig, buyerSig));

  return [
    { operation: "proposeTrade", gas: locking.gas },
    { operation: "fund: lock the first leg", gas: lockFirst, baseline: oneLeg },
    { operation: "fund: lock the second leg and settle", gas: lockSecond, baseline: bothLegs },
    { operation: "locking flow in all (3 transactions)", gas: locking.gas + lockFirst + lockSecond, baseline: bothLegs },
    { operation: "settleSigned (1 transaction, 2 signatures)", gas: settleSigned, baseline: bothLegs },
    { operation: "cancel with one leg locked (refund)", gas: cancelGas, baseline: oneLeg },
  ];
}
