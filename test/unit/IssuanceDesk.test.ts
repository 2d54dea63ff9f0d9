import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { depositTokenFixture, ids, usd } from "../fixtures";
import { upgradeThroughTimelock } from "../../lib/upgrade";

const DAY = 24 * 3600;
const ProposalStatus = { None: 0n, Pending: 1n, Executed: 2n, Cancelled: 3n };
const ProposalKind = { Issuance: 1n, RedemptionCompletion: 2n };
const RedemptionStatus = { Completed: 2n };

/** The deposit-token fixture: reserves of 1,000,000.00 attested, 20,000.00 issued (alice and bob 10,000.00 each). */
const deskFixture = depositTokenFixture;

/** 20,000.00 supply, exactly backed by a report as of now. */
async function exactlyBacked() {
  const f = await depositTokenFixture();
  await f.desk.connect(f.reserve).attestReserves(usd("20000.00"), ethers.id("exact"), await time.latest());
  return f;
}

describe("IssuanceDesk", function () {
  describe("reserves as of a report's cut-off", function () {
    it("records the amount, the report and its cut-off, and what is available now", async function () {
      const { desk, reserve } = await loadFixture(deskFixture);
      await time.increase(6 * 3600);
      const cutOff = (await time.latest()) - 3 * 3600;
      const report = ethers.id("attestation-2026-11-30.pdf");
      const tx = desk.connect(reserve).attestReserves(usd("2000000.00"), report, cutOff);
      await expect(tx).to.emit(desk, "ReservesAttested")
        .withArgs(usd("2000000.00"), report, cutOff, usd("2000000.00"), usd("20000.00"), reserve.address);
      const a = await desk.attestation();
      expect([a.amount, a.reportHash, a.asOf, a.attestedAt]).to.deep.equal([usd("2000000.00"), report, BigInt(cutOff), BigInt(await time.latest())]);
      expect(await desk.availableReserves()).to.equal(usd("2000000.00"));
      expect(await desk.mintHeadroom()).to.equal(usd("1980000.00"));
    });

    it("deducts every payout made after the cut-off from a report submitted later: no issuance against a paid-out redemption", async function () {
      // Supply 20,000.00 exactly backed; the month-end report says 20,000.00; 5,000.00 is redeemed and paid out
      // after the books closed; the report is submitted; 5,000.00 can no longer be issued against nothing.
      const { token, desk, reserve, issuer, alice, bob } = await loadFixture(exactlyBacked);
      const cutOff = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(cutOff);
      await token.connect(alice).requestRedemption(usd("5000.00"));
      await desk.connect(issuer).completeRedemption(1n);
      expect(await token.totalSupply()).to.equal(usd("15000.00"));
      await time.increase(2 * DAY);
      await desk.connect(reserve).attestReserves(usd("20000.00"), ethers.id("month-end"), cutOff);
      expect(await desk.payoutsSince(cutOff)).to.equal(usd("5000.00"));
      expect(await desk.availableReserves()).to.equal(usd("15000.00"));
      expect(await desk.mintHeadroom()).to.equal(0n);
      await expect(desk.connect(issuer).mint(bob.address, usd("5000.00"), ethers.id("against-nothing")))
        .to.be.revertedWithCustomError(desk, "ReservesExceeded").withArgs(usd("20000.00"), usd("15000.00"));
    });

    it("does not deduct payouts made before the cut-off: the report counts them already", async function () {
      const { token, desk, reserve, issuer, alice, bob } = await loadFixture(exactlyBacked);
      await token.connect(alice).requestRedemption(usd("5000.00"));
      await desk.connect(issuer).completeRedemption(1n);
      const cutOff = (await time.latest()) + 10;
      await time.increaseTo(cutOff + 60);
      await desk.connect(reserve).attestReserves(usd("20000.00"), ethers.id("after-payout"), cutOff);
      expect(await desk.payoutsSince(cutOff)).to.equal(0n);
      expect(await desk.payoutsSince(0)).to.equal(usd("5000.00"));
      expect(await desk.availableReserves()).to.equal(usd("20000.00"));
      await expect(desk.connect(issuer).mint(bob.address, usd("5000.00"), ethers.id("new-deposit"))).to.changeTokenBalance(token, bob, usd("5000.00"));
    });

    it("records the fiat paid out in each completion, block by block", async function () {
      const { token, desk, issuer, alice, bob } = await loadFixture(deskFixture);
      await token.connect(alice).requestRedemption(usd("100.00"));
      await token.connect(bob).requestRedemption(usd("250.00"));
      await expect(desk.connect(issuer).completeRedemption(1n))
        .to.emit(desk, "PayoutRecorded").withArgs(1n, usd("100.00"), usd("100.00"), issuer.address, ethers.ZeroAddress);
      const between = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(between + 5);
      await expect(desk.connect(issuer).completeRedemption(2n))
        .to.emit(desk, "PayoutRecorded").withArgs(2n, usd("250.00"), usd("350.00"), issuer.address, ethers.ZeroAddress);
      expect(await desk.payoutsSince(between)).to.equal(usd("250.00"));
      expect(await desk.availableReserves()).to.equal(usd("1000000.00") - usd("350.00"));
    });

    it("stops the available reserves at zero when payouts exceed the report", async function () {
      const { token, desk, reserve, issuer, alice } = await loadFixture(deskFixture);
      await desk.connect(reserve).attestReserves(usd("1000.00"), ethers.id("small"), await time.latest());
      await token.connect(alice).requestRedemption(usd("2500.00"));
      await desk.connect(issuer).completeRedemption(1n);
      expect(await desk.availableReserves()).to.equal(0n);
      expect(await desk.mintHeadroom()).to.equal(0n);
    });

    it("refuses a missing report hash, a cut-off in the future or not after the last one, and the same report twice", async function () {
      const { desk, reserve } = await loadFixture(deskFixture);
      const last = (await desk.attestation()).asOf;
      await expect(desk.connect(reserve).attestReserves(1n, ethers.ZeroHash, await time.latest()))
        .to.be.revertedWithCustomError(desk, "ReferenceMissing");
      const future = (await time.latest()) + 3600;
      const at = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(at);
      await expect(desk.connect(reserve).attestReserves(1n, ethers.id("future"), future))
        .to.be.revertedWithCustomError(desk, "AsOfInFuture").withArgs(future, at);
      await expect(desk.connect(reserve).attestReserves(1n, ethers.id("same-cut-off"), last))
        .to.be.revertedWithCustomError(desk, "AsOfNotAfterPrevious").withArgs(last, last);
      await expect(desk.connect(reserve).attestReserves(1n, ethers.id("older"), last - 1n))
        .to.be.revertedWithCustomError(desk, "AsOfNotAfterPrevious").withArgs(last - 1n, last);
      // An old report posted again, even with a later cut-off, is refused: its hash was accepted once.
      await expect(desk.connect(reserve).attestReserves(usd("1000000.00"), ethers.id("report-1"), await time.latest()))
        .to.be.revertedWithCustomError(desk, "ReportAlreadyAttested").withArgs(ethers.id("report-1"));
      expect((await desk.attestation()).asOf).to.equal(last);
    });

    it("records a report below the supply as a shortfall and refuses issuance until reserves cover it", async function () {
      const { token, desk, reserve, issuer, bob } = await loadFixture(deskFixture);
      const tx = desk.connect(reserve).attestReserves(usd("15000.00"), ethers.id("short"), await time.latest());
      await expect(tx).to.emit(desk, "ReservesShortfall").withArgs(usd("15000.00"), usd("20000.00"));
      await expect(desk.connect(issuer).mint(bob.address, 1n, ethers.id("while-short")))
        .to.be.revertedWithCustomError(desk, "ReservesExceeded").withArgs(usd("20000.00") + 1n, usd("15000.00"));
      await expect(desk.connect(reserve).attestReserves(usd("20000.01"), ethers.id("covered"), await time.latest()))
        .to.not.emit(desk, "ReservesShortfall");
      await expect(desk.connect(issuer).mint(bob.address, 1n, ethers.id("covered-again"))).to.changeTokenBalance(token, bob, 1n);
    });

    it("counts the age from the cut-off: a report cut off 34 days ago and posted today leaves one day of issuance", async function () {
      const { token, desk, reserve, issuer, bob } = await loadFixture(deskFixture);
      const maxAge = await desk.maxAttestationAge();
      expect(maxAge).to.equal(BigInt(35 * DAY));
      expect(await desk.DEFAULT_MAX_ATTESTATION_AGE()).to.equal(maxAge);
      await time.increase(40 * DAY);
      const cutOff = BigInt(await time.latest()) - BigInt(34 * DAY);
      await desk.connect(reserve).attestReserves(usd("1000000.00"), ethers.id("late-report"), cutOff);
      await time.setNextBlockTimestamp(cutOff + maxAge);
      await expect(desk.connect(issuer).mint(bob.address, 1n, ethers.id("last-second"))).to.changeTokenBalance(token, bob, 1n);
      await time.setNextBlockTimestamp(cutOff + maxAge + 1n);
      await expect(desk.connect(issuer).mint(bob.address, 1n, ethers.id("stale")))
        .to.be.revertedWithCustomError(desk, "AttestationStale").withArgs(cutOff, maxAge);
    });

    it("refuses issuance before the first report as stale", async function () {
      const { admin, roles } = await loadFixture(deskFixture);
      const { deploySuite, CURRENCIES } = await import("../../lib/suite");
      const { desks, registry } = await deploySuite(hre, { admin, roles, currencies: [CURRENCIES.EUR], adminDelay: 0 });
      const officer = await ethers.getSigner(roles.issuer);
      const compliance = await ethers.getSigner(roles.compliance);
      await registry.connect(compliance).onboard(ids.alpha, [officer.address], (await time.latest()) + DAY);
      await expect(desks.EUR.connect(officer).mint(officer.address, 1n, ethers.id("first")))
        .to.be.revertedWithCustomError(desks.EUR, "AttestationStale").withArgs(0n, BigInt(35 * DAY));
      expect(await desks.EUR.availableReserves()).to.equal(0n);
    });

    it("lets the admin set the maximum age, never to zero", async function () {
      const { desk, admin, reserve, issuer, outsider, bob } = await loadFixture(deskFixture);
      await expect(desk.connect(admin).setMaxAttestationAge(7 * DAY))
        .to.emit(desk, "MaxAttestationAgeChanged").withArgs(35 * DAY, 7 * DAY, admin.address);
      await time.increase(7 * DAY + 1);
      await expect(desk.connect(issuer).mint(bob.address, 1n, ethers.id("week-old"))).to.be.revertedWithCustomError(desk, "AttestationStale");
      await expect(desk.connect(admin).setMaxAttestationAge(0)).to.be.revertedWithCustomError(desk, "InvalidMaxAttestationAge").withArgs(0);
      for (const who of [outsider, reserve, issuer]) {
        await expect(desk.connect(who).setMaxAttestationAge(1))
          .to.be.revertedWithCustomError(desk, "AccessControlUnauthorizedAccount").withArgs(who.address, ethers.ZeroHash);
      }
    });
  });

  describe("one officer alone", function () {
    it("issues at most the threshold, naming the officer and what it used in the window", async function () {
      const { token, desk, issuer, bob } = await loadFixture(deskFixture);
      const ref = ethers.id("SWIFT-1");
      const tx = desk.connect(issuer).mint(bob.address, usd("1000000.00") - usd("20000.00"), ref);
      await expect(tx).to.emit(desk, "IssuedByOfficer").withArgs(issuer.address, bob.address, usd("980000.00"), ref, usd("1000000.00"));
      await expect(tx).to.emit(token, "Issued").withArgs(bob.address, usd("980000.00"), ref, await desk.getAddress());
      await expect(desk.connect(issuer).mint(bob.address, usd("1000000.01"), ethers.id("SWIFT-2")))
        .to.be.revertedWithCustomError(desk, "DualControlRequired").withArgs(usd("1000000.01"), usd("1000000.00"));
    });

    it("keeps each officer within its allowance over any rolling 24 hours", async function () {
      const { desk, admin, reserve, issuer, secondIssuer, bob } = await loadFixture(deskFixture);
      await desk.connect(reserve).attestReserves(usd("100000000.00"), ethers.id("big"), await time.latest());
      await expect(desk.connect(admin).setOfficerAllowance(issuer.address, usd("1500000.00")))
        .to.emit(desk, "OfficerAllowanceChanged").withArgs(issuer.address, usd("5000000.00"), usd("1500000.00"), admin.address);
      // the fixture's seed issuance (20,000.00) counts in the window
      await desk.connect(issuer).mint(bob.address, usd("980000.00"), ethers.id("a"));
      await time.increase(23 * 3600);
      await desk.connect(issuer).mint(bob.address, usd("500000.00"), ethers.id("b"));
      expect(await desk.officerAllowance(issuer.address)).to.deep.equal([usd("1500000.00"), usd("1500000.00")]);
      await expect(desk.connect(issuer).mint(bob.address, 1n, ethers.id("c")))
        .to.be.revertedWithCustomError(desk, "AllowanceExceeded").withArgs(issuer.address, usd("1500000.00"), 1n, usd("1500000.00"));
      // the other officer has its own allowance
      await desk.connect(secondIssuer).mint(bob.address, usd("1000.00"), ethers.id("d"));
      // 25 hours after the first issuances they no longer count; the one 2 hours old still does
      await time.increase(2 * 3600 + 1);
      expect((await desk.officerAllowance(issuer.address)).used).to.equal(usd("500000.00"));
      await desk.connect(issuer).mint(bob.address, usd("1000000.00"), ethers.id("e"));
      await expect(desk.connect(issuer).mint(bob.address, 1n, ethers.id("f"))).to.be.revertedWithCustomError(desk, "AllowanceExceeded");
    });

    it("never issues alone with no allowance", async function () {
      const { desk, admin, issuer, bob } = await loadFixture(deskFixture);
      await desk.connect(admin).setOfficerAllowance(issuer.address, 0);
      await expect(desk.connect(issuer).mint(bob.address, 1n, ethers.id("none")))
        .to.be.revertedWithCustomError(desk, "AllowanceExceeded").withArgs(issuer.address, usd("20000.00"), 1n, 0n);
    });
  });

  describe("two officers", function () {
    async function proposed() {
      const f = await depositTokenFixture();
      await f.desk.connect(f.issuer).proposeIssuance(f.bob.address, usd("900000.00"), ethers.id("SWIFT-BIG"));
      return { ...f, id: 1n };
    }

    it("reserves the deposit reference from the proposal on, and issues when a second officer approves", async function () {
      const { token, desk, issuer, secondIssuer, bob, id } = await loadFixture(proposed);
      const p = await desk.proposal(id);
      expect([p.kind, p.status, p.proposer, p.to, p.amount, p.depositRef]).to.deep.equal(
        [ProposalKind.Issuance, ProposalStatus.Pending, issuer.address, bob.address, usd("900000.00"), ethers.id("SWIFT-BIG")]);
      expect(await desk.proposalOfDepositRef(ethers.id("SWIFT-BIG"))).to.equal(id);
      await expect(desk.connect(secondIssuer).mint(bob.address, 1n, ethers.id("SWIFT-BIG")))
        .to.be.revertedWithCustomError(desk, "DepositRefReserved").withArgs(ethers.id("SWIFT-BIG"), id);
      await expect(desk.connect(secondIssuer).proposeIssuance(bob.address, 1n, ethers.id("SWIFT-BIG")))
        .to.be.revertedWithCustomError(desk, "DepositRefReserved").withArgs(ethers.id("SWIFT-BIG"), id);
      const tx = desk.connect(secondIssuer).approve(id);
      await expect(tx).to.emit(desk, "ProposalApproved").withArgs(id, secondIssuer.address, issuer.address);
      await expect(tx).to.emit(token, "Issued").withArgs(bob.address, usd("900000.00"), ethers.id("SWIFT-BIG"), await desk.getAddress());
      await expect(tx).to.changeTokenBalance(token, bob, usd("900000.00"));
      const done = await desk.proposal(id);
      expect([done.status, done.approver]).to.deep.equal([ProposalStatus.Executed, secondIssuer.address]);
      expect(await desk.proposalOfDepositRef(ethers.id("SWIFT-BIG"))).to.equal(0n);
      await expect(desk.connect(secondIssuer).approve(id))
        .to.be.revertedWithCustomError(desk, "ProposalNotPending").withArgs(id, ProposalStatus.Executed);
      // dual-control issuance does not use either officer's single allowance
      expect((await desk.officerAllowance(secondIssuer.address)).used).to.equal(0n);
    });

    it("refuses an officer approving its own proposal", async function () {
      const { token, desk, issuer, bob, id } = await loadFixture(proposed);
      await expect(desk.connect(issuer).approve(id)).to.be.revertedWithCustomError(desk, "SelfApproval").withArgs(id, issuer.address);
      expect(await token.balanceOf(bob.address)).to.equal(usd("10000.00"));
    });

    it("refuses an approval after the window, and a cancelled proposal frees its reference", async function () {
      const { desk, issuer, secondIssuer, bob, id } = await loadFixture(proposed);
      const { validUntil } = await desk.proposal(id);
      await time.increaseTo(validUntil + 1n);
      await expect(desk.connect(secondIssuer).approve(id)).to.be.revertedWithCustomError(desk, "ProposalExpired").withArgs(id, validUntil);
      await expect(desk.connect(secondIssuer).cancel(id)).to.emit(desk, "ProposalCancelled").withArgs(id, secondIssuer.address);
      expect((await desk.proposal(id)).status).to.equal(ProposalStatus.Cancelled);
      await expect(desk.connect(issuer).cancel(id)).to.be.revertedWithCustomError(desk, "ProposalNotPending").withArgs(id, ProposalStatus.Cancelled);
      await expect(desk.connect(issuer).proposeIssuance(bob.address, usd("900000.00"), ethers.id("SWIFT-BIG"))).to.emit(desk, "IssuanceProposed");
    });

    it("checks the reserves when the second officer approves, not when the first proposes", async function () {
      const { desk, reserve, secondIssuer, id } = await loadFixture(proposed);
      await desk.connect(reserve).attestReserves(usd("500000.00"), ethers.id("lower"), await time.latest());
      await expect(desk.connect(secondIssuer).approve(id))
        .to.be.revertedWithCustomError(desk, "ReservesExceeded").withArgs(usd("920000.00"), usd("500000.00"));
      expect((await desk.proposal(id)).status).to.equal(ProposalStatus.Pending);
    });

    it("refuses a proposal with a used or missing deposit reference, or no amount", async function () {
      const { desk, issuer, bob } = await loadFixture(deskFixture);
      await expect(desk.connect(issuer).proposeIssuance(bob.address, 1n, ethers.id("deposit-bob-1")))
        .to.be.revertedWithCustomError(desk, "DepositRefAlreadyUsed").withArgs(ethers.id("deposit-bob-1"));
      await expect(desk.connect(issuer).proposeIssuance(bob.address, 1n, ethers.ZeroHash)).to.be.revertedWithCustomError(desk, "ReferenceMissing");
      await expect(desk.connect(issuer).proposeIssuance(bob.address, 0n, ethers.id("z"))).to.be.revertedWithCustomError(desk, "ZeroAmount");
      expect(await desk.proposalCount()).to.equal(0n);
    });
  });

  describe("redemption payouts", function () {
    async function bigRedemption() {
      const f = await depositTokenFixture();
      await f.desk.connect(f.admin).setLimits(usd("1000000.00"), usd("5000.00"), DAY);
      await f.token.connect(f.alice).requestRedemption(usd("6000.00"));
      await f.token.connect(f.alice).requestRedemption(usd("100.00"));
      return f;
    }

    it("completes one at most the threshold alone, and needs two officers above it", async function () {
      const { token, desk, issuer, secondIssuer, alice } = await loadFixture(bigRedemption);
      await expect(desk.connect(issuer).completeRedemption(2n)).to.emit(token, "RedemptionCompleted").withArgs(2n, alice.address, usd("100.00"));
      await expect(desk.connect(issuer).completeRedemption(1n))
        .to.be.revertedWithCustomError(desk, "DualControlRequired").withArgs(usd("6000.00"), usd("5000.00"));
      const at = (await time.latest()) + 1;
      await time.setNextBlockTimestamp(at);
      await expect(desk.connect(issuer).proposeRedemptionCompletion(1n))
        .to.emit(desk, "RedemptionCompletionProposed").withArgs(1n, issuer.address, 1n, usd("6000.00"), at + DAY);
      await expect(desk.connect(issuer).proposeRedemptionCompletion(1n))
        .to.be.revertedWithCustomError(desk, "RedemptionAlreadyProposed").withArgs(1n, 1n);
      await expect(desk.connect(secondIssuer).completeRedemption(1n))
        .to.be.revertedWithCustomError(desk, "RedemptionAlreadyProposed").withArgs(1n, 1n);
      await expect(desk.connect(issuer).approve(1n)).to.be.revertedWithCustomError(desk, "SelfApproval");
      const supply = await token.totalSupply();
      await expect(desk.connect(secondIssuer).approve(1n))
        .to.emit(desk, "PayoutRecorded").withArgs(1n, usd("6000.00"), usd("6100.00"), secondIssuer.address, issuer.address);
      expect(await token.totalSupply()).to.equal(supply - usd("6000.00"));
      expect((await token.redemption(1n)).status).to.equal(RedemptionStatus.Completed);
      const p = await desk.proposal(1n);
      expect([p.kind, p.status, p.redemptionId, p.to]).to.deep.equal([ProposalKind.RedemptionCompletion, ProposalStatus.Executed, 1n, alice.address]);
    });

    it("voids a completion waiting for approval when the redemption is rejected", async function () {
      const { token, desk, issuer, secondIssuer, alice } = await loadFixture(bigRedemption);
      await desk.connect(issuer).proposeRedemptionCompletion(1n);
      const tx = desk.connect(secondIssuer).rejectRedemption(1n, ethers.id("payout failed"));
      await expect(tx).to.emit(desk, "ProposalCancelled").withArgs(1n, secondIssuer.address);
      await expect(tx).to.changeTokenBalance(token, alice, usd("6000.00"));
      await expect(desk.connect(issuer).approve(1n)).to.be.revertedWithCustomError(desk, "ProposalNotPending").withArgs(1n, ProposalStatus.Cancelled);
      await expect(desk.connect(issuer).proposeRedemptionCompletion(1n))
        .to.be.revertedWithCustomError(desk, "RedemptionNotPending").withArgs(1n, 3n);
    });

    it("cancels a completion proposal, after which one officer may propose it again", async function () {
      const { desk, issuer, secondIssuer } = await loadFixture(bigRedemption);
      await desk.connect(issuer).proposeRedemptionCompletion(1n);
      await desk.connect(issuer).cancel(1n);
      await expect(desk.connect(secondIssuer).proposeRedemptionCompletion(1n)).to.emit(desk, "RedemptionCompletionProposed");
    });
  });

  describe("limits and roles", function () {
    it("lets the admin set thresholds and the approval window, within one minute and seven days", async function () {
      const { desk, admin } = await loadFixture(deskFixture);
      await expect(desk.connect(admin).setLimits(usd("10.00"), usd("20.00"), 3600))
        .to.emit(desk, "LimitsChanged").withArgs(usd("10.00"), usd("20.00"), 3600, admin.address);
      expect(await desk.limits()).to.deep.equal([usd("10.00"), usd("20.00"), 3600n]);
      for (const window of [59, 7 * DAY + 1]) {
        await expect(desk.connect(admin).setLimits(1n, 1n, window)).to.be.revertedWithCustomError(desk, "InvalidApprovalWindow").withArgs(window);
      }
    });

    it("refuses every duty to an outsider", async function () {
      const { desk, outsider, bob } = await loadFixture(deskFixture);
      const d = desk.connect(outsider);
      const [ISSUER, RESERVE, ADMIN, UPGRADER] = [ethers.id("ISSUER_ROLE"), ethers.id("RESERVE_ROLE"), ethers.ZeroHash, ethers.id("UPGRADER_ROLE")];
      const refused: [Promise<unknown>, string][] = [
        [d.attestReserves(1n, ethers.id("x"), 1n), RESERVE],
        [d.mint(bob.address, 1n, ethers.id("x")), ISSUER],
        [d.proposeIssuance(bob.address, 1n, ethers.id("x")), ISSUER],
        [d.completeRedemption(1n), ISSUER],
        [d.proposeRedemptionCompletion(1n), ISSUER],
        [d.rejectRedemption(1n, ethers.id("x")), ISSUER],
        [d.approve(1n), ISSUER],
        [d.cancel(1n), ISSUER],
        [d.setLimits(1n, 1n, 3600), ADMIN],
        [d.setOfficerAllowance(outsider.address, 1n), ADMIN],
        [d.setMaxAttestationAge(1), ADMIN],
        [d.upgradeToAndCall(outsider.address, "0x"), UPGRADER],
      ];
      for (const [call, role] of refused) {
        await expect(call).to.be.revertedWithCustomError(desk, "AccessControlUnauthorizedAccount").withArgs(outsider.address, role);
      }
    });

    it("keeps issuing and attesting apart, whichever role an account holds first", async function () {
      const { desk, admin, issuer, reserve } = await loadFixture(deskFixture);
      const [ISSUER, RESERVE] = [ethers.id("ISSUER_ROLE"), ethers.id("RESERVE_ROLE")];
      await expect(desk.connect(admin).grantRole(RESERVE, issuer.address))
        .to.be.revertedWithCustomError(desk, "ConflictingRoles").withArgs(issuer.address, RESERVE, ISSUER);
      await expect(desk.connect(admin).grantRole(ISSUER, reserve.address))
        .to.be.revertedWithCustomError(desk, "ConflictingRoles").withArgs(reserve.address, ISSUER, RESERVE);
      await expect(desk.connect(issuer).attestReserves(1n, ethers.id("self"), await time.latest()))
        .to.be.revertedWithCustomError(desk, "AccessControlUnauthorizedAccount").withArgs(issuer.address, RESERVE);
    });

    it("upgrades through the timelock alone, with reserves, proposals and allowances intact", async function () {
      const { desk, admin, issuer, upgrader, timelock, bob } = await loadFixture(deskFixture);
      await desk.connect(issuer).proposeIssuance(bob.address, usd("5.00"), ethers.id("kept"));
      const before = [await desk.attestation(), await desk.proposal(1n), await desk.officerAllowance(issuer.address), await desk.limits(), await desk.token()];
      await expect(upgrades.upgradeProxy(await desk.getAddress(), await ethers.getContractFactory("IssuanceDeskV2Mock", admin), { kind: "uups" }))
        .to.be.revertedWithCustomError(desk, "AccessControlUnauthorizedAccount").withArgs(admin.address, ethers.id("UPGRADER_ROLE"));
      await upgradeThroughTimelock(hre, timelock, upgrader, await desk.getAddress(), "IssuanceDeskV2Mock");
      const upgraded = await ethers.getContractAt("IssuanceDeskV2Mock", await desk.getAddress());
      expect(await upgraded.version()).to.equal("2");
      expect([await upgraded.attestation(), await upgraded.proposal(1n), await upgraded.officerAllowance(issuer.address), await upgraded.limits(), await upgraded.token()])
        .to.deep.equal(before);
    });

    it("is initialized once with a token that is a contract, and its implementation never", async function () {
      const { desk, admin } = await loadFixture(deskFixture);
      const token = await desk.token();
      await expect(desk.initialize(token, admin.address, 0, 1n, 1n, 3600)).to.be.revertedWithCustomError(desk, "InvalidInitialization");
      const implementation = await ethers.getContractAt("IssuanceDesk", await upgrades.erc1967.getImplementationAddress(await desk.getAddress()));
      await expect(implementation.initialize(token, admin.address, 0, 1n, 1n, 3600)).to.be.revertedWithCustomError(desk, "InvalidInitialization");
      const factory = await ethers.getContractFactory("IssuanceDesk");
      await expect(upgrades.deployProxy(factory, [admin.address, admin.address, 0, 1n, 1n, 3600], { kind: "uups" }))
        .to.be.revertedWithCustomError(factory, "InvalidDeskToken").withArgs(admin.address);
    });
  });
});
