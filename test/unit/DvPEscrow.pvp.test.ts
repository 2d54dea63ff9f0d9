import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { eur, proposedTerms, pvpFixture, units, usd } from "../fixtures";
import { batchTotals, netPositions, tradeHash, TradeTerms } from "../../lib/dvp";

type Fixture = Awaited<ReturnType<typeof pvpFixture>>;

/** Every party's and the escrow's balance in USD, EUR and the security. */
async function balances(f: Fixture) {
  const rows: bigint[] = [];
  for (const token of [f.usdToken, f.eurToken, f.security]) {
    for (const who of [...f.parties.map((p) => p.address), f.escrowAddress]) rows.push(await token.balanceOf(who));
  }
  return rows;
}

/** The headline trade: alice pays 920,000.00 EUR to bob, bob pays 1,000,000.00 USD to alice. */
async function headline() {
  const f = await pvpFixture();
  return { ...f, terms: f.pvp(f.alice, f.bob, eur("920000.00"), usd("1000000.00")) };
}

describe("DvPEscrow: payment versus payment (two deposit tokens)", function () {
  it("settles a USD/EUR trade by locking: the EUR leg locks, locking the USD leg moves both", async function () {
    const f = await loadFixture(headline);
    const { escrow, alice, bob, terms, usdToken, eurToken } = f;
    const tradeId = await escrow.connect(alice).proposeTrade.staticCall(terms);
    await escrow.connect(alice).proposeTrade(terms);
    await expect(escrow.connect(alice).fund(tradeId, await proposedTerms(escrow, tradeId)))
      .to.emit(escrow, "LegFunded").withArgs(tradeId, terms.ref, alice.address, await eurToken.getAddress(), eur("920000.00"));
    expect(await eurToken.balanceOf(f.escrowAddress)).to.equal(eur("920000.00"));
    expect(await escrow.lockedBalance(await eurToken.getAddress())).to.equal(eur("920000.00"));
    await expect(escrow.connect(bob).fund(tradeId, await proposedTerms(escrow, tradeId))).to.emit(escrow, "TradeSettled").withArgs(tradeId, terms.ref);
    expect(await eurToken.balanceOf(alice.address)).to.equal(eur("80000.00"));
    expect(await eurToken.balanceOf(bob.address)).to.equal(eur("1020000.00"));
    expect(await usdToken.balanceOf(alice.address)).to.equal(usd("1100000.00"));
    expect(await usdToken.balanceOf(bob.address)).to.equal(usd("0.00"));
    expect(await eurToken.balanceOf(f.escrowAddress)).to.equal(0n);
    expect(await usdToken.balanceOf(f.escrowAddress)).to.equal(0n);
    expect(await escrow.lockedBalance(await eurToken.getAddress())).to.equal(0n);
  });

  it("settles a USD/EUR trade from both parties' EIP-712 signatures in one transaction", async function () {
    const f = await loadFixture(headline);
    const { escrow, alice, bob, agent, terms, usdToken, eurToken } = f;
    const s = await f.sign(terms);
    await expect(escrow.connect(agent).settleSigned(terms, s.sellerSig, s.buyerSig))
      .to.emit(escrow, "SignedTradeSettled").withArgs(tradeHash(f.escrowAddress, f.chainId, terms), terms.ref, agent.address, Object.values(terms));
    expect(await eurToken.balanceOf(alice.address)).to.equal(eur("80000.00"));
    expect(await eurToken.balanceOf(bob.address)).to.equal(eur("1020000.00"));
    expect(await usdToken.balanceOf(alice.address)).to.equal(usd("1100000.00"));
    expect(await usdToken.balanceOf(bob.address)).to.equal(0n);
    expect(await usdToken.totalSupply()).to.equal(usd("1300000.00"));
    expect(await eurToken.totalSupply()).to.equal(eur("1300000.00"));
  });

  it("refuses a trade whose two legs are the same token, in the proposal, the signed flow and a batch", async function () {
    const f = await loadFixture(headline);
    const { escrow, alice, agent, usdToken, security } = f;
    const usdAddress = await usdToken.getAddress();
    const same = { ...f.terms, asset: usdAddress };
    await expect(escrow.connect(alice).proposeTrade(same)).to.be.revertedWithCustomError(escrow, "SameToken").withArgs(usdAddress);
    const s = await f.sign(same);
    const before = await balances(f);
    await expect(escrow.connect(agent).settleSigned(same, s.sellerSig, s.buyerSig))
      .to.be.revertedWithCustomError(escrow, "SameToken").withArgs(usdAddress);
    await expect(escrow.connect(agent).settleSignedBatch([await f.sign(f.terms), s]))
      .to.be.revertedWithCustomError(escrow, "TradeRefused").withArgs(1, escrow.interface.encodeErrorResult("SameToken", [usdAddress]));
    const securityAddress = await security.getAddress();
    await expect(escrow.connect(alice).proposeTrade({ ...f.terms, asset: securityAddress, cash: securityAddress, assetAmount: units(1) }))
      .to.be.revertedWithCustomError(escrow, "SameToken").withArgs(securityAddress);
    expect(await balances(f)).to.deep.equal(before);
  });

  it("refuses, changing nothing, when a party is frozen on the EUR leg only: the EUR token raises it", async function () {
    const f = await loadFixture(headline);
    const { escrow, alice, bob, agent, compliance, terms, usdToken, eurToken } = f;
    await eurToken.connect(compliance).freeze(bob.address);
    expect(await usdToken.isFrozen(bob.address)).to.equal(false);
    const s = await f.sign(terms);
    const before = await balances(f);
    await expect(escrow.connect(agent).settleSigned(terms, s.sellerSig, s.buyerSig))
      .to.be.revertedWithCustomError(eurToken, "WalletFrozen").withArgs(bob.address);
    const tradeId = await escrow.connect(alice).proposeTrade.staticCall(terms);
    await escrow.connect(alice).proposeTrade(terms);
    await escrow.connect(alice).fund(tradeId, await proposedTerms(escrow, tradeId));
    await expect(escrow.connect(bob).fund(tradeId, await proposedTerms(escrow, tradeId))).to.be.revertedWithCustomError(eurToken, "WalletFrozen").withArgs(bob.address);
    expect((await escrow.getTrade(tradeId)).state).to.equal(2n);
    expect(await usdToken.balanceOf(bob.address)).to.equal(before[1]);
    expect(await escrow.isSignedTradeSettled(terms)).to.equal(false);
  });

  it("refuses both flows while the EUR token is paused, and settles once it is unpaused", async function () {
    const f = await loadFixture(headline);
    const { escrow, alice, bob, agent, pauser, terms, eurToken } = f;
    const s = await f.sign(terms);
    const tradeId = await escrow.connect(bob).proposeTrade.staticCall(terms);
    await escrow.connect(bob).proposeTrade(terms);
    await escrow.connect(bob).fund(tradeId, await proposedTerms(escrow, tradeId));
    await eurToken.connect(pauser).pause();
    const before = await balances(f);
    await expect(escrow.connect(agent).settleSigned(terms, s.sellerSig, s.buyerSig)).to.be.revertedWithCustomError(eurToken, "TokenPaused");
    await expect(escrow.connect(alice).fund(tradeId, await proposedTerms(escrow, tradeId))).to.be.revertedWithCustomError(eurToken, "TokenPaused");
    await expect(escrow.connect(agent).settleSignedBatch([s])).to.be.revertedWithCustomError(eurToken, "TokenPaused");
    expect(await balances(f)).to.deep.equal(before);
    await eurToken.connect(pauser).unpause();
    await expect(escrow.connect(alice).fund(tradeId, await proposedTerms(escrow, tradeId))).to.emit(escrow, "TradeSettled").withArgs(tradeId, terms.ref);
    expect(await eurToken.balanceOf(bob.address)).to.equal(eur("1020000.00"));
  });

  it("settles a netted batch of PvP and DvP trades: each party moves only its net per currency", async function () {
    const f = await loadFixture(pvpFixture);
    const { alice, bob, carol, dave, escrow, agent, security, issuer } = f;
    const securityAddress = await security.getAddress();
    for (const p of f.parties) {
      await security.connect(issuer).issue(p.address, units(100));
      await security.connect(p).approve(f.escrowAddress, ethers.MaxUint256);
    }
    const terms: TradeTerms[] = [
      f.pvp(alice, bob, eur("92000.00"), usd("100000.00")),
      f.pvp(bob, carol, eur("46000.00"), usd("50000.00")),
      f.pvp(carol, alice, eur("46000.00"), usd("50010.00")),
      f.pvp(dave, alice, eur("9200.00"), usd("10000.00")),
      // carol's EUR net is zero: she pays 46,000.00 and receives 46,000.00.
      { ...f.pvp(alice, dave, units(10), usd("1000.00")), asset: securityAddress },
    ];
    const signed = await Promise.all(terms.map((t) => f.sign(t)));
    const tokens = [f.usdToken, f.eurToken, security];
    const before = new Map<string, bigint>();
    for (const token of tokens) for (const p of f.parties) before.set(`${await token.getAddress()}:${p.address}`, await token.balanceOf(p.address));
    const tx = escrow.connect(agent).settleSignedBatch(signed);
    await expect(tx).to.emit(escrow, "SignedTradeBatchSettled")
      .withArgs(agent.address, terms.length, batchTotals(terms).map((x) => [x.token, x.gross, x.net]));
    const nets = netPositions(terms);
    expect(nets.get(await f.eurToken.getAddress())!.get(carol.address)).to.equal(0n);
    for (const token of tokens) {
      const address = await token.getAddress();
      for (const p of f.parties) {
        const net = nets.get(address)?.get(p.address) ?? 0n;
        expect(await token.balanceOf(p.address), `${address} ${p.address}`).to.equal(before.get(`${address}:${p.address}`)! + net);
      }
      expect(await token.balanceOf(f.escrowAddress)).to.equal(0n);
    }
    // Per currency: the net moved is below the gross (what settling each trade alone would have moved).
    const totals = batchTotals(terms);
    const eurTotals = totals.find((x) => x.token === terms[0].asset)!;
    expect([eurTotals.gross, eurTotals.net]).to.deep.equal([eur("193200.00"), eur("46000.00")]);
    const usdTotals = totals.find((x) => x.token === terms[0].cash)!;
    expect([usdTotals.gross, usdTotals.net]).to.deep.equal([usd("211010.00"), usd("50000.00")]);
  });

  it("refuses a netted PvP batch in which a party with a zero EUR net is frozen in EUR", async function () {
    const f = await loadFixture(pvpFixture);
    const { alice, bob, carol, escrow, agent, compliance, eurToken } = f;
    const signed = await Promise.all([
      f.pvp(alice, bob, eur("1000.00"), usd("1100.00")),
      f.pvp(bob, carol, eur("1000.00"), usd("1090.00")),
    ].map((t) => f.sign(t)));
    await eurToken.connect(compliance).freeze(bob.address);
    const before = await balances(f);
    await expect(escrow.connect(agent).settleSignedBatch(signed)).to.be.revertedWithCustomError(eurToken, "WalletFrozen").withArgs(bob.address);
    expect(await balances(f)).to.deep.equal(before);
  });
});
