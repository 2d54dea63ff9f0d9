import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { eur, pvpFixture, usd } from "../fixtures";
import { tradeHash } from "../../lib/dvp";
import { toReference } from "../../lib/format";
import { pairedTrade, presignedSettlements } from "../../network/workloads";
import type { Call } from "../../network/load";

/**
 * The PvP workload of `bench:qbft` built as the benchmark builds it (pre-signed EUR-against-USD
 * `settleSigned` calls over paired wallets), sent here in-process as the load generator would send them.
 */
async function pvpWorkload() {
  const f = await pvpFixture();
  const wallets = f.parties; // alice sells to bob, carol to dave
  const legs = { asset: await f.eurToken.getAddress(), assetAmount: eur("92.00"), cash: await f.usdToken.getAddress(), cashAmount: usd("100.00") };
  const trade = (i: number) => pairedTrade(wallets, i, legs, f.deadline, "PVP-RUN");
  const calls = await presignedSettlements(wallets, { address: f.escrowAddress, iface: f.escrow.interface }, f.chainId, 4, trade, 3_000_000);
  const send = (c: Call) => wallets[c.from].sendTransaction({ to: c.to, data: c.data, gasLimit: c.gasLimit });
  return { ...f, wallets, legs, trade, calls, send };
}

describe("bench:qbft workloads (network/workloads.ts)", function () {
  it("pairs the wallets in fixed pairs, trade i on pair i modulo the pairs, each with its own reference", function () {
    const wallets = [1, 2, 3, 4].map((k) => ({ address: ethers.getAddress(`0x${String(k).repeat(40)}`) }));
    const legs = { asset: wallets[0].address, assetAmount: 1n, cash: wallets[1].address, cashAmount: 2n };
    const trades = [0, 1, 2, 3].map((i) => pairedTrade(wallets, i, legs, 99n, "PVP-RUN"));
    expect(trades.map((t) => [t.seller, t.buyer])).to.deep.equal([[0, 1], [2, 3], [0, 1], [2, 3]]);
    expect(trades[1].terms).to.deep.equal({ seller: wallets[2].address, buyer: wallets[3].address, ...legs, deadline: 99n, ref: toReference("PVP-RUN-1") });
    expect(new Set(trades.map((t) => t.terms.ref)).size).to.equal(4);
  });

  it("refuses to pair an odd number of wallets, naming the count", function () {
    const wallets = [{ address: ethers.ZeroAddress }, { address: ethers.ZeroAddress }, { address: ethers.ZeroAddress }];
    expect(() => pairedTrade(wallets, 0, { asset: "", assetAmount: 1n, cash: "", cashAmount: 1n }, 1n, "X"))
      .to.throw("trades pair the wallets: an even number of at least 2 is needed, not 3");
  });

  it("builds PvP settleSigned calls the buyer sends that settle both currencies, once each, from the signatures made ahead", async function () {
    const f = await loadFixture(pvpWorkload);
    const { escrow, calls, send, wallets, trade, usdToken, eurToken } = f;
    expect(calls.map((c) => [c.from, c.to])).to.deep.equal([1, 3, 1, 3].map((buyer) => [buyer, f.escrowAddress]));
    const before = await Promise.all(wallets.flatMap((w) => [usdToken.balanceOf(w.address), eurToken.balanceOf(w.address)]));
    for (const [k, call] of calls.entries()) {
      const { terms } = trade(3_000_000 + k);
      await expect(send(call)).to.emit(escrow, "SignedTradeSettled")
        .withArgs(tradeHash(f.escrowAddress, f.chainId, terms), terms.ref, wallets[call.from].address, Object.values(terms));
    }
    const after = await Promise.all(wallets.flatMap((w) => [usdToken.balanceOf(w.address), eurToken.balanceOf(w.address)]));
    // each seller (alice, carol) delivered 2 x 92.00 EUR and received 2 x 100.00 USD; each buyer the reverse
    const moved = [usd("200.00"), -eur("184.00"), -usd("200.00"), eur("184.00"), usd("200.00"), -eur("184.00"), -usd("200.00"), eur("184.00")];
    expect(after.map((v, i) => v - before[i])).to.deep.equal(moved);
    await expect(send(calls[0])).to.be.revertedWithCustomError(escrow, "SignedTradeAlreadySettled")
      .withArgs(tradeHash(f.escrowAddress, f.chainId, trade(3_000_000).terms));
  });
});
