import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { upgradeThroughTimelock } from "../../lib/upgrade";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { dvpFixture, ids, propose, proposedTerms, units, usd } from "../fixtures";
import type { ReentrantToken } from "../../typechain-types";
import { termsHash, TradeTerms } from "../../lib/dvp";

const State = { None: 0n, Proposed: 1n, SellerFunded: 2n, BuyerFunded: 3n, Settled: 4n, Cancelled: 5n, Expired: 6n };

async function proposed() {
  const f = await dvpFixture();
  const id = await propose(f.escrow, f.alice, f.terms);
  return { ...f, id };
}

async function sellerFunded() {
  const f = await proposed();
  await f.escrow.connect(f.alice).fund(f.id, await proposedTerms(f.escrow, f.id));
  return f;
}

async function buyerFunded() {
  const f = await proposed();
  await f.escrow.connect(f.bob).fund(f.id, await proposedTerms(f.escrow, f.id));
  return f;
}

describe("DvPEscrow: locking flow", function () {
  describe("proposing", function () {
    it("records the terms under an id derived from them, the proposer and its nonce", async function () {
      const { escrow, alice, terms } = await loadFixture(dvpFixture);
      const { chainId } = await ethers.provider.getNetwork();
      const structHash = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "address", "address", "address", "uint256", "address", "uint256", "uint64", "bytes32"],
        [await escrow.TRADE_TYPEHASH(), terms.seller, terms.buyer, terms.asset, terms.assetAmount, terms.cash, terms.cashAmount, terms.deadline, terms.ref]));
      const expectedId = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(
        ["uint256", "address", "address", "uint256", "bytes32"], [chainId, await escrow.getAddress(), alice.address, 0n, structHash]));
      await expect(escrow.connect(alice).proposeTrade(terms))
        .to.emit(escrow, "TradeProposed").withArgs(expectedId, terms.seller, terms.buyer, terms.ref, alice.address, Object.values(terms));
      expect([...(await escrow.getTrade(expectedId))]).to.deep.equal([State.Proposed, structHash]);
      expect(await escrow.hashTerms(terms)).to.equal(structHash);
      expect(termsHash(terms)).to.equal(structHash);
      expect(await escrow.proposerNonce(alice.address)).to.equal(1n);
    });

    it("gives the same terms proposed twice two different ids", async function () {
      const { escrow, bob, terms } = await loadFixture(dvpFixture);
      const a = await propose(escrow, bob, terms);
      const b = await propose(escrow, bob, terms);
      expect(a).to.not.equal(b);
    });

    it("refuses a caller who is neither seller nor buyer", async function () {
      const { escrow, carol, terms } = await loadFixture(dvpFixture);
      await expect(escrow.connect(carol).proposeTrade(terms))
        .to.be.revertedWithCustomError(escrow, "NotTradeParty").withArgs(ethers.ZeroHash, carol.address);
    });

    it("refuses an unlisted token, a zero amount, the same party twice and a past deadline", async function () {
      const { escrow, alice, terms } = await loadFixture(dvpFixture);
      const other = await ethers.deployContract("PlainERC20");
      const e = escrow.connect(alice);
      await expect(e.proposeTrade({ ...terms, asset: await other.getAddress() }))
        .to.be.revertedWithCustomError(escrow, "TokenNotListed").withArgs(await other.getAddress());
      await expect(e.proposeTrade({ ...terms, cash: await other.getAddress() }))
        .to.be.revertedWithCustomError(escrow, "TokenNotListed").withArgs(await other.getAddress());
      await expect(e.proposeTrade({ ...terms, assetAmount: 0n })).to.be.revertedWithCustomError(escrow, "TradeAmountZero");
      await expect(e.proposeTrade({ ...terms, cashAmount: 0n })).to.be.revertedWithCustomError(escrow, "TradeAmountZero");
      await expect(e.proposeTrade({ ...terms, buyer: alice.address }))
        .to.be.revertedWithCustomError(escrow, "SameParty").withArgs(alice.address);
      const now = await time.latest();
      await time.setNextBlockTimestamp(now + 1);
      await expect(e.proposeTrade({ ...terms, deadline: BigInt(now - 1) }))
        .to.be.revertedWithCustomError(escrow, "DeadlinePassed").withArgs(now - 1, now + 1);
    });

    it("refuses a party the registry does not allow", async function () {
      const { escrow, registry, compliance, alice, bob, carol, terms } = await loadFixture(dvpFixture);
      await expect(escrow.connect(alice).proposeTrade({ ...terms, buyer: carol.address }))
        .to.be.revertedWithCustomError(escrow, "PartyNotAllowed").withArgs(carol.address);
      await registry.connect(compliance).setStatus(ids.beta, 2);
      await expect(escrow.connect(alice).proposeTrade(terms))
        .to.be.revertedWithCustomError(escrow, "PartyNotAllowed").withArgs(bob.address);
      await registry.connect(compliance).setStatus(ids.alpha, 2);
      await expect(escrow.connect(alice).proposeTrade(terms))
        .to.be.revertedWithCustomError(escrow, "PartyNotAllowed").withArgs(alice.address);
    });
  });

  describe("funding and settlement", function () {
    it("locks the seller's leg, then settles both legs when the buyer funds", async function () {
      const { escrow, escrowAddress, asset, cash, alice, bob, id, terms } = await loadFixture(proposed);
      await expect(escrow.connect(alice).fund(id, await proposedTerms(escrow, id)))
        .to.emit(escrow, "LegFunded").withArgs(id, terms.ref, alice.address, terms.asset, terms.assetAmount);
      expect(await asset.balanceOf(escrowAddress)).to.equal(terms.assetAmount);
      expect(await escrow.lockedBalance(terms.asset)).to.equal(terms.assetAmount);
      expect((await escrow.getTrade(id))[0]).to.equal(State.SellerFunded);
      const tx = escrow.connect(bob).fund(id, await proposedTerms(escrow, id));
      await expect(tx).to.emit(escrow, "TradeSettled").withArgs(id, terms.ref);
      await expect(tx).to.changeTokenBalances(asset, [escrowAddress, bob], [-terms.assetAmount, terms.assetAmount]);
      await expect(tx).to.changeTokenBalances(cash, [bob, alice], [-terms.cashAmount, terms.cashAmount]);
      expect((await escrow.getTrade(id))[0]).to.equal(State.Settled);
      expect(await escrow.lockedBalance(terms.asset)).to.equal(0n);
      expect(await asset.balanceOf(escrowAddress)).to.equal(0n);
    });

    it("settles the other way round: buyer first, seller second", async function () {
      const { escrow, escrowAddress, asset, cash, alice, bob, id, terms } = await loadFixture(proposed);
      await escrow.connect(bob).fund(id, await proposedTerms(escrow, id));
      expect(await cash.balanceOf(escrowAddress)).to.equal(terms.cashAmount);
      expect((await escrow.getTrade(id))[0]).to.equal(State.BuyerFunded);
      const tx = escrow.connect(alice).fund(id, await proposedTerms(escrow, id));
      await expect(tx).to.changeTokenBalances(cash, [escrowAddress, alice], [-terms.cashAmount, terms.cashAmount]);
      await expect(tx).to.changeTokenBalances(asset, [alice, bob], [-terms.assetAmount, terms.assetAmount]);
      expect((await escrow.getTrade(id))[0]).to.equal(State.Settled);
    });

    it("refuses a second funding of the same leg, and funding after settlement", async function () {
      const { escrow, alice, bob, id } = await loadFixture(sellerFunded);
      await expect(escrow.connect(alice).fund(id, await proposedTerms(escrow, id)))
        .to.be.revertedWithCustomError(escrow, "LegAlreadyFunded").withArgs(id, alice.address);
      await escrow.connect(bob).fund(id, await proposedTerms(escrow, id));
      for (const who of [alice, bob]) {
        await expect(escrow.connect(who).fund(id, await proposedTerms(escrow, id)))
          .to.be.revertedWithCustomError(escrow, "TradeNotOpen").withArgs(id, State.Settled);
      }
      const f = await loadFixture(buyerFunded);
      await expect(f.escrow.connect(f.bob).fund(f.id, await proposedTerms(f.escrow, f.id)))
        .to.be.revertedWithCustomError(f.escrow, "LegAlreadyFunded").withArgs(f.id, f.bob.address);
    });

    it("refuses terms other than those proposed, in any field, on fund, cancel, expire and closeByOrder, and moves nothing", async function () {
      const f = await loadFixture(sellerFunded);
      const changes: Partial<TradeTerms>[] = [
        { seller: f.carol.address }, { buyer: f.carol.address }, { asset: f.terms.cash }, { assetAmount: f.terms.assetAmount - 1n },
        { cash: f.terms.asset }, { cashAmount: f.terms.cashAmount + 1n }, { deadline: f.terms.deadline + 1n }, { ref: ethers.id("OTHER") },
      ];
      const before = await Promise.all([f.asset.balanceOf(f.escrowAddress), f.cash.balanceOf(f.bob.address)]);
      for (const change of changes) {
        const wrong = { ...f.terms, ...change };
        const calls = [
          f.escrow.connect(f.bob).fund(f.id, wrong), f.escrow.connect(f.alice).cancel(f.id, wrong),
          f.escrow.connect(f.outsider).expire(f.id, wrong), f.escrow.connect(f.compliance).closeByOrder(f.id, wrong, ethers.id("ORDER")),
        ];
        for (const call of calls) await expect(call).to.be.revertedWithCustomError(f.escrow, "TradeTermsMismatch").withArgs(f.id, termsHash(wrong));
      }
      expect(await Promise.all([f.asset.balanceOf(f.escrowAddress), f.cash.balanceOf(f.bob.address)])).to.deep.equal(before);
      expect([...(await f.escrow.getTrade(f.id))]).to.deep.equal([State.SellerFunded, termsHash(f.terms)]);
    });

    it("refuses a caller who is not a party, an unknown trade, and funding after the deadline", async function () {
      const { escrow, carol, alice, id, terms } = await loadFixture(proposed);
      await expect(escrow.connect(carol).fund(id, await proposedTerms(escrow, id))).to.be.revertedWithCustomError(escrow, "NotTradeParty").withArgs(id, carol.address);
      const unknown = ethers.id("no such trade");
      await expect(escrow.connect(alice).fund(unknown, terms)).to.be.revertedWithCustomError(escrow, "UnknownTrade").withArgs(unknown);
      await time.increaseTo(terms.deadline); // the next block is one second past it
      await expect(escrow.connect(alice).fund(id, await proposedTerms(escrow, id)))
        .to.be.revertedWithCustomError(escrow, "DeadlinePassed").withArgs(terms.deadline, terms.deadline + 1n);
    });

    it("refuses funding with a token delisted since the proposal", async function () {
      const { escrow, admin, alice, id, terms } = await loadFixture(proposed);
      await escrow.connect(admin).listToken(terms.asset, false);
      await expect(escrow.connect(alice).fund(id, await proposedTerms(escrow, id))).to.be.revertedWithCustomError(escrow, "TokenNotListed").withArgs(terms.asset);
    });

    it("still returns a locked leg whose token was delisted since (delisting cannot trap funds)", async function () {
      const { escrow, admin, alice, asset, id, terms } = await loadFixture(sellerFunded);
      await escrow.connect(admin).listToken(terms.asset, false);
      await expect(escrow.connect(alice).cancel(id, await proposedTerms(escrow, id))).to.changeTokenBalance(asset, alice, terms.assetAmount);
      expect(await escrow.lockedBalance(terms.asset)).to.equal(0n);
    });

    for (const [label, breakIt, error] of [
      ["the seller is frozen on the asset", async (f: Awaited<ReturnType<typeof sellerFunded>>) => f.asset.connect(f.compliance).freeze(f.bob.address), "WalletFrozen"],
      ["the buyer is suspended", async (f: Awaited<ReturnType<typeof sellerFunded>>) => f.registry.connect(f.compliance).setStatus(ids.beta, 2), "ParticipantNotAllowed"],
      ["the cash token is paused", async (f: Awaited<ReturnType<typeof sellerFunded>>) => f.cash.connect(f.pauser).pause(), "TokenPaused"],
      ["the buyer's KYC has expired", async (f: Awaited<ReturnType<typeof sellerFunded>>) => time.increaseTo(f.kycExpiry), "ParticipantNotAllowed"],
    ] as const) {
      it(`moves nothing and keeps the first leg locked when ${label}`, async function () {
        const f = await loadFixture(sellerFunded);
        let id = f.id;
        if (label.includes("KYC")) {
          // keep the trade itself alive past the KYC expiry: a trade with a later deadline
          const later = { ...f.terms, deadline: BigInt(f.kycExpiry + 3600) };
          id = await propose(f.escrow, f.alice, later);
          await f.escrow.connect(f.alice).fund(id, await proposedTerms(f.escrow, id));
        }
        await breakIt(f);
        const before = await Promise.all([f.asset.balanceOf(f.escrowAddress), f.cash.balanceOf(f.bob.address), f.cash.balanceOf(f.alice.address), f.asset.balanceOf(f.bob.address)]);
        const token = error === "TokenPaused" ? f.cash : error === "WalletFrozen" ? f.asset : f.cash;
        await expect(f.escrow.connect(f.bob).fund(id, await proposedTerms(f.escrow, id))).to.be.revertedWithCustomError(token, error);
        const after = await Promise.all([f.asset.balanceOf(f.escrowAddress), f.cash.balanceOf(f.bob.address), f.cash.balanceOf(f.alice.address), f.asset.balanceOf(f.bob.address)]);
        expect(after).to.deep.equal(before);
        expect((await f.escrow.getTrade(id))[0]).to.equal(State.SellerFunded);
      });
    }
  });

  describe("cancel and expire", function () {
    for (const [state, fixture, refunded] of [
      ["Proposed", proposed, "nothing"],
      ["SellerFunded", sellerFunded, "asset"],
      ["BuyerFunded", buyerFunded, "cash"],
    ] as const) {
      it(`cancels a ${state} trade and returns every locked leg`, async function () {
        const f = await loadFixture(fixture);
        const tx = f.escrow.connect(f.bob).cancel(f.id, await proposedTerms(f.escrow, f.id));
        await expect(tx).to.emit(f.escrow, "TradeCancelled").withArgs(f.id, f.terms.ref, f.bob.address);
        if (refunded === "asset") {
          await expect(tx).to.emit(f.escrow, "LegRefunded").withArgs(f.id, f.terms.ref, f.alice.address, f.terms.asset, f.terms.assetAmount);
          await expect(tx).to.changeTokenBalances(f.asset, [f.escrowAddress, f.alice], [-f.terms.assetAmount, f.terms.assetAmount]);
        } else if (refunded === "cash") {
          await expect(tx).to.changeTokenBalances(f.cash, [f.escrowAddress, f.bob], [-f.terms.cashAmount, f.terms.cashAmount]);
        } else {
          await expect(tx).to.not.emit(f.escrow, "LegRefunded");
        }
        expect((await f.escrow.getTrade(f.id))[0]).to.equal(State.Cancelled);
        expect(await f.escrow.lockedBalance(f.terms.asset) + await f.escrow.lockedBalance(f.terms.cash)).to.equal(0n);
      });

      it(`lets anyone expire a ${state} trade after the deadline, returning every locked leg`, async function () {
        const f = await loadFixture(fixture);
        await expect(f.escrow.connect(f.outsider).expire(f.id, await proposedTerms(f.escrow, f.id)))
          .to.be.revertedWithCustomError(f.escrow, "DeadlineNotPassed");
        await time.increaseTo(f.terms.deadline + 1n);
        const tx = f.escrow.connect(f.outsider).expire(f.id, await proposedTerms(f.escrow, f.id));
        await expect(tx).to.emit(f.escrow, "TradeExpired").withArgs(f.id, f.terms.ref, f.outsider.address);
        if (refunded === "asset") await expect(tx).to.changeTokenBalance(f.asset, f.alice, f.terms.assetAmount);
        if (refunded === "cash") await expect(tx).to.changeTokenBalance(f.cash, f.bob, f.terms.cashAmount);
        expect((await f.escrow.getTrade(f.id))[0]).to.equal(State.Expired);
      });
    }

    it("refuses cancel by a non-party, and cancel, expire or fund once closed", async function () {
      const f = await loadFixture(sellerFunded);
      await expect(f.escrow.connect(f.carol).cancel(f.id, await proposedTerms(f.escrow, f.id))).to.be.revertedWithCustomError(f.escrow, "NotTradeParty").withArgs(f.id, f.carol.address);
      await f.escrow.connect(f.alice).cancel(f.id, await proposedTerms(f.escrow, f.id));
      await expect(f.escrow.connect(f.alice).cancel(f.id, await proposedTerms(f.escrow, f.id))).to.be.revertedWithCustomError(f.escrow, "TradeNotOpen").withArgs(f.id, State.Cancelled);
      await expect(f.escrow.connect(f.bob).fund(f.id, await proposedTerms(f.escrow, f.id))).to.be.revertedWithCustomError(f.escrow, "TradeNotOpen").withArgs(f.id, State.Cancelled);
      await time.increaseTo(f.terms.deadline + 1n);
      await expect(f.escrow.expire(f.id, f.terms)).to.be.revertedWithCustomError(f.escrow, "TradeNotOpen").withArgs(f.id, State.Cancelled);
    });

    it("refuses to cancel a settled trade", async function () {
      const f = await loadFixture(sellerFunded);
      await f.escrow.connect(f.bob).fund(f.id, await proposedTerms(f.escrow, f.id));
      await expect(f.escrow.connect(f.alice).cancel(f.id, await proposedTerms(f.escrow, f.id))).to.be.revertedWithCustomError(f.escrow, "TradeNotOpen").withArgs(f.id, State.Settled);
    });
  });

  describe("hostile tokens", function () {
    async function hostile(name: "ReentrantToken" | "ShortDeliveryToken") {
      const f = await dvpFixture();
      const token = (await ethers.deployContract(name)) as unknown as ReentrantToken;
      await f.escrow.connect(f.admin).listToken(await token.getAddress(), true);
      await token.mint(f.alice.address, 1000n);
      await token.connect(f.alice).approve(f.escrowAddress, ethers.MaxUint256);
      const terms = { ...f.terms, asset: await token.getAddress() };
      const id = await propose(f.escrow, f.alice, terms);
      return { ...f, token, terms, id };
    }

    it("stops a token that re-enters the escrow during the transfer, whatever it calls", async function () {
      const f = await hostile("ReentrantToken");
      const token = f.token;
      for (const payload of [
        f.escrow.interface.encodeFunctionData("cancel", [f.id, f.terms]),
        f.escrow.interface.encodeFunctionData("fund", [f.id, f.terms]),
        f.escrow.interface.encodeFunctionData("expire", [f.id, f.terms]),
        f.escrow.interface.encodeFunctionData("settleSigned", [f.terms, "0x", "0x"]),
        f.escrow.interface.encodeFunctionData("proposeTrade", [f.terms]),
        f.escrow.interface.encodeFunctionData("closeByOrder", [f.id, f.terms, ethers.id("order")]),
        f.escrow.interface.encodeFunctionData("claimRefund", [f.alice.address, f.terms.asset]),
        f.escrow.interface.encodeFunctionData("returnExcess", [f.terms.asset, f.alice.address, 1n]),
      ]) {
        await token.arm(f.escrowAddress, payload);
        await expect(f.escrow.connect(f.alice).fund(f.id, await proposedTerms(f.escrow, f.id))).to.be.revertedWithCustomError(f.escrow, "ReentrancyGuardReentrantCall");
      }
      expect((await f.escrow.getTrade(f.id))[0]).to.equal(State.Proposed);
    });

    it("refuses a token that delivers less than asked", async function () {
      const f = await hostile("ShortDeliveryToken");
      await expect(f.escrow.connect(f.alice).fund(f.id, await proposedTerms(f.escrow, f.id)))
        .to.be.revertedWithCustomError(f.escrow, "ShortDelivery").withArgs(f.terms.asset, f.terms.assetAmount, f.terms.assetAmount - 1n);
      expect(await f.escrow.lockedBalance(f.terms.asset)).to.equal(0n);
    });
  });

  describe("administration", function () {
    it("lists and delists tokens, admin only", async function () {
      const { escrow, admin, outsider, terms } = await loadFixture(dvpFixture);
      await expect(escrow.connect(admin).listToken(terms.asset, false)).to.emit(escrow, "TokenListed").withArgs(terms.asset, false);
      expect(await escrow.isListed(terms.asset)).to.equal(false);
      await expect(escrow.connect(outsider).listToken(terms.asset, true))
        .to.be.revertedWithCustomError(escrow, "AccessControlUnauthorizedAccount").withArgs(outsider.address, ethers.ZeroHash);
      await expect(escrow.connect(admin).listToken(outsider.address, true))
        .to.be.revertedWithCustomError(escrow, "TokenNotListed").withArgs(outsider.address);
    });

    it("refuses a registry with no code at initialization, and a second initialization", async function () {
      const { escrow, admin, carol, registry } = await loadFixture(dvpFixture);
      const factory = await ethers.getContractFactory("DvPEscrow");
      await expect(upgrades.deployProxy(factory, [carol.address, admin.address, 0], { kind: "uups" }))
        .to.be.revertedWithCustomError(escrow, "InvalidRegistry").withArgs(carol.address);
      await expect(escrow.initialize(await registry.getAddress(), admin.address, 0))
        .to.be.revertedWithCustomError(escrow, "InvalidInitialization");
      expect(await escrow.registry()).to.equal(await registry.getAddress());
    });

    it("refuses to upgrade an escrow of the earlier layout, which stored the terms: its open trades would be misread", async function () {
      const earlier = await ethers.getContractFactory("DvPEscrowStoredTermsMock");
      await expect(upgrades.validateUpgrade(earlier, await ethers.getContractFactory("DvPEscrow"), { kind: "uups" }))
        .to.be.rejectedWith(/Upgraded `trades` to an incompatible type[\s\S]*Deleted `signedSettled`[\s\S]*Replaced `refSettled` with `settledRefs`/);
    });

    it("upgrades through the timelock with open trades intact, and refuses anyone else", async function () {
      const { escrow, upgrader, admin, timelock, id, terms } = await loadFixture(sellerFunded);
      for (const who of [admin, upgrader]) {
        const direct = await ethers.getContractFactory("DvPEscrowV2Mock", who);
        await expect(upgrades.upgradeProxy(await escrow.getAddress(), direct, { kind: "uups" }))
          .to.be.revertedWithCustomError(escrow, "AccessControlUnauthorizedAccount").withArgs(who.address, ethers.id("UPGRADER_ROLE"));
      }
      await expect(escrow.connect(admin).grantRole(ethers.id("UPGRADER_ROLE"), admin.address))
        .to.be.revertedWithCustomError(escrow, "AccessControlUnauthorizedAccount").withArgs(admin.address, ethers.id("UPGRADER_ROLE"));
      await upgradeThroughTimelock(hre, timelock, upgrader, await escrow.getAddress(), "DvPEscrowV2Mock");
      const upgraded = await ethers.getContractAt("DvPEscrowV2Mock", await escrow.getAddress());
      expect(await upgraded.version()).to.equal("2");
      expect([...(await escrow.getTrade(id))]).to.deep.equal([State.SellerFunded, termsHash(terms)]);
      expect(await escrow.lockedBalance(terms.asset)).to.equal(terms.assetAmount);
    });

  });

  it("settles a real amount: 100 units against 9,950.00 USD", async function () {
    const { escrow, asset, cash, alice, bob, id } = await loadFixture(sellerFunded);
    await escrow.connect(bob).fund(id, await proposedTerms(escrow, id));
    expect([await asset.balanceOf(bob.address), await cash.balanceOf(alice.address)]).to.deep.equal([units(100), usd("9950.00")]);
  });
});
