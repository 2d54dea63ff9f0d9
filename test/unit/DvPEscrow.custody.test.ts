import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { dvpFixture, ids, propose, proposedTerms, usd } from "../fixtures";
import { signTrade } from "../../lib/dvp";

const State = { SellerFunded: 2n, BuyerFunded: 3n, Settled: 4n, Cancelled: 5n, Expired: 6n, ClosedByOrder: 7n };
const Status = { Active: 1, Suspended: 2, Revoked: 3 };
const COURT_ORDER = ethers.id("COURT-ORDER-2026-117");

/** Alice (seller) locked 100 units of the asset; Bob (buyer) locked 9,950.00 USD in a second trade. */
async function bothLocked() {
  const f = await dvpFixture();
  const assetTrade = await propose(f.escrow, f.alice, f.terms);
  await f.escrow.connect(f.alice).fund(assetTrade, await proposedTerms(f.escrow, assetTrade));
  const cashTerms = { ...f.terms, ref: ethers.id("TRADE-2026-11-24-0002") };
  const cashTrade = await propose(f.escrow, f.bob, cashTerms);
  await f.escrow.connect(f.bob).fund(cashTrade, await proposedTerms(f.escrow, cashTrade));
  return { ...f, assetTrade, cashTrade, cashTerms };
}

/** The escrow's balance of each token equals its locked legs plus its pending refunds. */
async function expectCustodyBalanced(f: Awaited<ReturnType<typeof dvpFixture>>) {
  for (const token of [f.asset, f.cash]) {
    const address = await token.getAddress();
    expect(await token.balanceOf(f.escrowAddress), address)
      .to.equal((await f.escrow.lockedBalance(address)) + (await f.escrow.pendingRefundTotal(address)));
  }
}

describe("DvPEscrow: custody", function () {
  describe("what the escrow holds only the escrow moves", function () {
    it("refuses a forced transfer of either token out of the escrow", async function () {
      const f = await loadFixture(bothLocked);
      await expect(f.asset.connect(f.compliance).forceTransfer(f.escrowAddress, f.alice2.address, 1n, COURT_ORDER))
        .to.be.revertedWithCustomError(f.asset, "InvalidForcedTransferSource").withArgs(f.escrowAddress);
      await expect(f.cash.connect(f.compliance).forceTransfer(f.escrowAddress, f.alice2.address, 1n, COURT_ORDER))
        .to.be.revertedWithCustomError(f.cash, "InvalidForcedTransferSource").withArgs(f.escrowAddress);
      await f.escrow.connect(f.bob).cancel(f.cashTrade, await proposedTerms(f.escrow, f.cashTrade));
      expect(await f.cash.balanceOf(f.bob.address)).to.equal(usd("10000.00"));
      await expectCustodyBalanced(f);
    });

    it("closes a trade under a court order: the leg goes back to its owner, the trade is closed", async function () {
      const f = await loadFixture(bothLocked);
      const tx = f.escrow.connect(f.compliance).closeByOrder(f.assetTrade, await proposedTerms(f.escrow, f.assetTrade), COURT_ORDER);
      await expect(tx).to.emit(f.escrow, "TradeClosedByOrder").withArgs(f.assetTrade, f.terms.ref, COURT_ORDER, f.compliance.address);
      await expect(tx).to.emit(f.escrow, "LegRefunded").withArgs(f.assetTrade, f.terms.ref, f.alice.address, f.terms.asset, f.terms.assetAmount);
      await expect(tx).to.changeTokenBalances(f.asset, [f.escrowAddress, f.alice], [-f.terms.assetAmount, f.terms.assetAmount]);
      expect((await f.escrow.getTrade(f.assetTrade))[0]).to.equal(State.ClosedByOrder);
      await expect(f.escrow.connect(f.bob).fund(f.assetTrade, await proposedTerms(f.escrow, f.assetTrade)))
        .to.be.revertedWithCustomError(f.escrow, "TradeNotOpen").withArgs(f.assetTrade, State.ClosedByOrder);
      await expect(f.escrow.connect(f.compliance).closeByOrder(f.assetTrade, await proposedTerms(f.escrow, f.assetTrade), COURT_ORDER))
        .to.be.revertedWithCustomError(f.escrow, "TradeNotOpen").withArgs(f.assetTrade, State.ClosedByOrder);
      // the other trade's leg is untouched
      expect(await f.escrow.lockedBalance(f.terms.cash)).to.equal(f.terms.cashAmount);
      await expectCustodyBalanced(f);
    });

    it("leaves the court-order action to compliance and requires a legal reference", async function () {
      const f = await loadFixture(bothLocked);
      for (const who of [f.outsider, f.alice, f.admin]) {
        await expect(f.escrow.connect(who).closeByOrder(f.assetTrade, await proposedTerms(f.escrow, f.assetTrade), COURT_ORDER))
          .to.be.revertedWithCustomError(f.escrow, "AccessControlUnauthorizedAccount").withArgs(who.address, ethers.id("COMPLIANCE_ROLE"));
      }
      await expect(f.escrow.connect(f.compliance).closeByOrder(f.assetTrade, await proposedTerms(f.escrow, f.assetTrade), ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.escrow, "LegalReferenceMissing");
      await expect(f.escrow.connect(f.compliance).closeByOrder(ethers.id("none"), f.terms, COURT_ORDER))
        .to.be.revertedWithCustomError(f.escrow, "UnknownTrade").withArgs(ethers.id("none"));
    });
  });

  describe("a refund can always happen", function () {
    for (const [label, stopEscrow] of [
      ["suspended", async (f: Awaited<ReturnType<typeof bothLocked>>) => f.registry.connect(f.compliance).setStatus(ethers.id("DVP-ESCROW"), Status.Suspended)],
      ["revoked", async (f: Awaited<ReturnType<typeof bothLocked>>) => f.registry.connect(f.compliance).setStatus(ethers.id("DVP-ESCROW"), Status.Revoked)],
      ["frozen on both tokens", async (f: Awaited<ReturnType<typeof bothLocked>>) => {
        await f.asset.connect(f.compliance).freeze(f.escrowAddress);
        await f.cash.connect(f.compliance).freeze(f.escrowAddress);
      }],
      ["unlinked (as if its KYC lapsed)", async (f: Awaited<ReturnType<typeof bothLocked>>) => f.registry.connect(f.compliance).unlinkWallet(f.escrowAddress)],
    ] as const) {
      it(`stops new locking but still returns every leg by cancel and expire when the escrow is ${label}`, async function () {
        const f = await loadFixture(bothLocked);
        await stopEscrow(f);
        const fresh = await propose(f.escrow, f.alice, { ...f.terms, ref: ethers.id("TRADE-NEW") });
        await expect(f.escrow.connect(f.alice).fund(fresh, await proposedTerms(f.escrow, fresh))).to.be.reverted;
        await expect(f.escrow.connect(f.bob).cancel(f.assetTrade, await proposedTerms(f.escrow, f.assetTrade)))
          .to.changeTokenBalances(f.asset, [f.escrowAddress, f.alice], [-f.terms.assetAmount, f.terms.assetAmount]);
        await time.increaseTo(f.terms.deadline + 1n);
        await expect(f.escrow.connect(f.outsider).expire(f.cashTrade, await proposedTerms(f.escrow, f.cashTrade)))
          .to.changeTokenBalances(f.cash, [f.escrowAddress, f.bob], [-f.terms.cashAmount, f.terms.cashAmount]);
        expect(await f.asset.balanceOf(f.escrowAddress)).to.equal(0n);
        expect(await f.cash.balanceOf(f.escrowAddress)).to.equal(0n);
      });
    }

    it("returns every leg after the escrow's own KYC expired", async function () {
      const f = await loadFixture(bothLocked);
      const [, kycExpiry] = await f.registry.getParticipant(ethers.id("DVP-ESCROW"));
      const later = { ...f.terms, deadline: kycExpiry + 3600n, ref: ethers.id("TRADE-LONG") };
      const long = await propose(f.escrow, f.alice, later);
      await f.escrow.connect(f.alice).fund(long, await proposedTerms(f.escrow, long));
      await time.increaseTo(kycExpiry);
      for (const id of [ids.alpha, ids.beta]) await f.registry.connect(f.compliance).renewKyc(id, kycExpiry + 7200n);
      expect(await f.registry.isAllowed(f.escrowAddress)).to.equal(false);
      await expect(f.escrow.connect(f.alice).cancel(long, await proposedTerms(f.escrow, long))).to.changeTokenBalance(f.asset, f.alice, later.assetAmount);
    });

    for (const [label, blockOwner, error] of [
      ["frozen", async (f: Awaited<ReturnType<typeof bothLocked>>) => f.asset.connect(f.compliance).freeze(f.alice.address), "WalletFrozen"],
      ["suspended", async (f: Awaited<ReturnType<typeof bothLocked>>) => f.registry.connect(f.compliance).setStatus(ids.alpha, Status.Suspended), "ParticipantNotAllowed"],
    ] as const) {
      it(`keeps the leg of a ${label} owner as a refund for that owner alone, paid when it can receive`, async function () {
        const f = await loadFixture(bothLocked);
        await blockOwner(f);
        const tx = f.escrow.connect(f.bob).cancel(f.assetTrade, await proposedTerms(f.escrow, f.assetTrade));
        await expect(tx).to.emit(f.escrow, "RefundPending").withArgs(f.assetTrade, f.terms.ref, f.alice.address, f.terms.asset, f.terms.assetAmount);
        await expect(tx).to.not.emit(f.escrow, "LegRefunded");
        expect((await f.escrow.getTrade(f.assetTrade))[0]).to.equal(State.Cancelled);
        expect(await f.escrow.pendingRefund(f.alice.address, f.terms.asset)).to.equal(f.terms.assetAmount);
        expect(await f.escrow.lockedBalance(f.terms.asset)).to.equal(0n);
        await expectCustodyBalanced(f);
        await expect(f.escrow.connect(f.outsider).claimRefund(f.alice.address, f.terms.asset))
          .to.be.revertedWithCustomError(f.asset, error).withArgs(f.alice.address);
        await expect(f.asset.connect(f.compliance).forceTransfer(f.escrowAddress, f.bob.address, 1n, COURT_ORDER))
          .to.be.revertedWithCustomError(f.asset, "InvalidForcedTransferSource");
        if (label === "frozen") await f.asset.connect(f.compliance).unfreeze(f.alice.address);
        else await f.registry.connect(f.compliance).setStatus(ids.alpha, Status.Active);
        const claim = f.escrow.connect(f.outsider).claimRefund(f.alice.address, f.terms.asset);
        await expect(claim).to.emit(f.escrow, "RefundClaimed").withArgs(f.alice.address, f.terms.asset, f.terms.assetAmount, f.outsider.address);
        await expect(claim).to.changeTokenBalances(f.asset, [f.escrowAddress, f.alice, f.outsider], [-f.terms.assetAmount, f.terms.assetAmount, 0n]);
        expect(await f.escrow.pendingRefundTotal(f.terms.asset)).to.equal(0n);
        await expect(f.escrow.connect(f.outsider).claimRefund(f.alice.address, f.terms.asset))
          .to.be.revertedWithCustomError(f.escrow, "NoRefundPending").withArgs(f.alice.address, f.terms.asset);
        await expectCustodyBalanced(f);
      });
    }

    it("keeps refunds pending while the token is paused, and on a court order against a frozen owner", async function () {
      const f = await loadFixture(bothLocked);
      await f.cash.connect(f.pauser).pause();
      await time.increaseTo(f.terms.deadline + 1n);
      await expect(f.escrow.connect(f.outsider).expire(f.cashTrade, await proposedTerms(f.escrow, f.cashTrade)))
        .to.emit(f.escrow, "RefundPending").withArgs(f.cashTrade, f.cashTerms.ref, f.bob.address, f.terms.cash, f.terms.cashAmount);
      await f.asset.connect(f.compliance).freeze(f.alice.address);
      await expect(f.escrow.connect(f.compliance).closeByOrder(f.assetTrade, await proposedTerms(f.escrow, f.assetTrade), COURT_ORDER))
        .to.emit(f.escrow, "RefundPending").withArgs(f.assetTrade, f.terms.ref, f.alice.address, f.terms.asset, f.terms.assetAmount);
      await expectCustodyBalanced(f);
      await f.cash.connect(f.pauser).unpause();
      await expect(f.escrow.claimRefund(f.bob.address, f.terms.cash)).to.changeTokenBalance(f.cash, f.bob, f.terms.cashAmount);
      await expectCustodyBalanced(f);
    });
  });

  describe("settlement needs both tokens listed; closing does not", function () {
    it("refuses to settle a locked trade whose other token was delisted since, and still returns the leg", async function () {
      const f = await loadFixture(bothLocked);
      await f.escrow.connect(f.admin).listToken(f.terms.asset, false);
      await expect(f.escrow.connect(f.bob).fund(f.assetTrade, await proposedTerms(f.escrow, f.assetTrade)))
        .to.be.revertedWithCustomError(f.escrow, "TokenNotListed").withArgs(f.terms.asset);
      await f.escrow.connect(f.admin).listToken(f.terms.asset, true);
      await f.escrow.connect(f.admin).listToken(f.terms.cash, false);
      await expect(f.escrow.connect(f.alice).fund(f.cashTrade, await proposedTerms(f.escrow, f.cashTrade)))
        .to.be.revertedWithCustomError(f.escrow, "TokenNotListed").withArgs(f.terms.cash);
      await expect(f.escrow.connect(f.alice).cancel(f.cashTrade, await proposedTerms(f.escrow, f.cashTrade))).to.changeTokenBalance(f.cash, f.bob, f.terms.cashAmount);
    });
  });

  describe("a trade reference settles once", function () {
    it("refuses signed settlement of terms already settled by locking", async function () {
      const f = await loadFixture(bothLocked);
      await f.desk.connect(f.issuer).mint(f.bob.address, usd("20000.00"), ethers.id("deposit-bob-2"));
      await f.escrow.connect(f.bob).fund(f.assetTrade, await proposedTerms(f.escrow, f.assetTrade));
      expect(await f.escrow.isTradeRefSettled(f.terms.seller, f.terms.buyer, f.terms.ref)).to.equal(true);
      const { chainId } = await ethers.provider.getNetwork();
      const sigs = [await signTrade(f.alice, f.escrowAddress, chainId, f.terms), await signTrade(f.bob, f.escrowAddress, chainId, f.terms)];
      await f.asset.connect(f.issuer).issue(f.alice.address, 100n);
      await expect(f.escrow.connect(f.agent).settleSigned(f.terms, sigs[0], sigs[1]))
        .to.be.revertedWithCustomError(f.escrow, "TradeRefAlreadySettled").withArgs(f.terms.seller, f.terms.buyer, f.terms.ref);
    });

    it("refuses locking, proposing or signing again a reference that settled by signatures, whatever the amounts", async function () {
      const f = await loadFixture(dvpFixture);
      const id = await propose(f.escrow, f.alice, f.terms);
      await f.escrow.connect(f.alice).fund(id, await proposedTerms(f.escrow, id));
      const { chainId } = await ethers.provider.getNetwork();
      const sigs = [await signTrade(f.alice, f.escrowAddress, chainId, f.terms), await signTrade(f.bob, f.escrowAddress, chainId, f.terms)];
      await f.escrow.connect(f.agent).settleSigned(f.terms, sigs[0], sigs[1]);
      const refused = ["TradeRefAlreadySettled", f.terms.seller, f.terms.buyer, f.terms.ref] as const;
      await expect(f.escrow.connect(f.bob).fund(id, await proposedTerms(f.escrow, id))).to.be.revertedWithCustomError(f.escrow, refused[0]).withArgs(...refused.slice(1));
      await expect(f.escrow.connect(f.alice).proposeTrade({ ...f.terms, cashAmount: 1n }))
        .to.be.revertedWithCustomError(f.escrow, refused[0]).withArgs(...refused.slice(1));
      const other = { ...f.terms, assetAmount: 1n };
      const otherSigs = [await signTrade(f.alice, f.escrowAddress, chainId, other), await signTrade(f.bob, f.escrowAddress, chainId, other)];
      await expect(f.escrow.connect(f.agent).settleSigned(other, otherSigs[0], otherSigs[1]))
        .to.be.revertedWithCustomError(f.escrow, refused[0]).withArgs(...refused.slice(1));
      // the locked leg of the trade that can no longer settle goes back
      await expect(f.escrow.connect(f.alice).cancel(id, await proposedTerms(f.escrow, id))).to.changeTokenBalance(f.asset, f.alice, f.terms.assetAmount);
      // the same reference between other parties is another trade
      expect(await f.escrow.isTradeRefSettled(f.terms.buyer, f.terms.seller, f.terms.ref)).to.equal(false);
    });

    it("indexes seller and buyer in TradeProposed", async function () {
      const f = await loadFixture(bothLocked);
      const byPair = await f.escrow.queryFilter(f.escrow.filters.TradeProposed(undefined, f.alice.address, f.bob.address));
      expect(byPair.map((e) => e.args.tradeId)).to.deep.equal([f.assetTrade, f.cashTrade]);
      expect(await f.escrow.queryFilter(f.escrow.filters.TradeProposed(undefined, f.bob.address))).to.deep.equal([]);
    });
  });

  describe("tokens sent to the escrow by mistake", function () {
    it("lets the admin return the excess over locked legs and pending refunds, and nothing more", async function () {
      const f = await loadFixture(bothLocked);
      await f.desk.connect(f.issuer).mint(f.alice2.address, usd("5.00"), ethers.id("mistake"));
      await f.cash.connect(f.alice2).transfer(f.escrowAddress, usd("5.00"));
      await expect(f.escrow.connect(f.admin).returnExcess(f.terms.cash, f.alice2.address, usd("5.01")))
        .to.be.revertedWithCustomError(f.escrow, "ExcessExceeded").withArgs(f.terms.cash, usd("5.01"), usd("5.00"));
      await expect(f.escrow.connect(f.admin).returnExcess(f.terms.asset, f.alice2.address, 1n))
        .to.be.revertedWithCustomError(f.escrow, "ExcessExceeded").withArgs(f.terms.asset, 1n, 0n);
      await expect(f.escrow.connect(f.admin).returnExcess(f.terms.cash, f.alice2.address, 0n))
        .to.be.revertedWithCustomError(f.escrow, "ExcessExceeded").withArgs(f.terms.cash, 0n, usd("5.00"));
      for (const who of [f.outsider, f.compliance]) {
        await expect(f.escrow.connect(who).returnExcess(f.terms.cash, who.address, 1n))
          .to.be.revertedWithCustomError(f.escrow, "AccessControlUnauthorizedAccount").withArgs(who.address, ethers.ZeroHash);
      }
      const tx = f.escrow.connect(f.admin).returnExcess(f.terms.cash, f.alice2.address, usd("5.00"));
      await expect(tx).to.emit(f.escrow, "ExcessReturned").withArgs(f.terms.cash, f.alice2.address, usd("5.00"), f.admin.address);
      await expect(tx).to.changeTokenBalance(f.cash, f.alice2, usd("5.00"));
      await expectCustodyBalanced(f);
      expect(await f.cash.balanceOf(f.escrowAddress)).to.equal(f.terms.cashAmount);
    });
  });
});
