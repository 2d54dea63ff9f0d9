import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, setCode, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ParticipantRegistry, PermissionedToken } from "../../typechain-types";

const Status = { Active: 1, Suspended: 2, Revoked: 3 } as const;

/** What the shared rules need from a concrete token's fixture. */
export interface PermissionedTokenContext {
  token: PermissionedToken;
  registry: ParticipantRegistry;
  admin: HardhatEthersSigner;
  compliance: HardhatEthersSigner;
  pauser: HardhatEthersSigner;
  /** Holds ISSUER_ROLE on the token (a deposit token's IssuanceDesk; a security's issuer agent). */
  issuer: { address: string };
  /** Wallet of participant `aliceId`, holding at least 100 * unit. */
  alice: HardhatEthersSigner;
  /** A second wallet of participant `aliceId`. */
  alice2: HardhatEthersSigner;
  /** Wallet of participant `bobId`, holding at least 100 * unit. */
  bob: HardhatEthersSigner;
  /** A wallet linked to no participant. */
  carol: HardhatEthersSigner;
  /** Holds no role at all. */
  outsider: HardhatEthersSigner;
  aliceId: string;
  bobId: string;
  /** KYC expiry of both participants. */
  kycExpiry: number;
  /** One whole unit (currency unit or security) in the token's smallest unit. */
  unit: bigint;
  /** Issues `amount` to `to` through the concrete token's issuance function. */
  credit(to: string, amount: bigint): Promise<unknown>;
}

/**
 * The rules PermissionedToken gives every token of the bank: the registry and freeze rule on both sides
 * of every movement, pause, forced transfer, payment references, permit and role separation.
 */
export function shouldBehaveLikePermissionedToken(fixture: () => Promise<PermissionedTokenContext>): void {
  const load = () => loadFixture(fixture);

  describe("movement rule", function () {
    it("moves tokens between wallets of allowed participants", async function () {
      const { token, alice, bob, unit } = await load();
      await expect(token.connect(alice).transfer(bob.address, 5n * unit)).to.changeTokenBalances(
        token, [alice, bob], [-5n * unit, 5n * unit],
      );
    });

    it("moves tokens between two wallets of the same participant", async function () {
      const { token, alice, alice2, unit } = await load();
      await expect(token.connect(alice).transfer(alice2.address, unit)).to.changeTokenBalances(
        token, [alice, alice2], [-unit, unit],
      );
    });

    it("refuses a transfer to a wallet linked to no participant", async function () {
      const { token, alice, carol, unit } = await load();
      await expect(token.connect(alice).transfer(carol.address, unit))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(carol.address);
    });

    it("refuses a transfer from a wallet that was unlinked", async function () {
      const { token, registry, compliance, alice, bob, unit } = await load();
      await registry.connect(compliance).unlinkWallet(alice.address);
      await expect(token.connect(alice).transfer(bob.address, unit))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(alice.address);
    });

    for (const [label, status] of [["suspended", Status.Suspended], ["revoked", Status.Revoked]] as const) {
      it(`refuses a transfer to a ${label} participant`, async function () {
        const { token, registry, compliance, alice, bob, bobId, unit } = await load();
        await registry.connect(compliance).setStatus(bobId, status);
        await expect(token.connect(alice).transfer(bob.address, unit))
          .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(bob.address);
      });

      it(`refuses a transfer from a ${label} participant`, async function () {
        const { token, registry, compliance, alice, bob, aliceId, unit } = await load();
        await registry.connect(compliance).setStatus(aliceId, status);
        await expect(token.connect(alice).transfer(bob.address, unit))
          .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(alice.address);
      });
    }

    it("resumes transfers once a suspended participant is reinstated", async function () {
      const { token, registry, compliance, alice, bob, bobId, unit } = await load();
      await registry.connect(compliance).setStatus(bobId, Status.Suspended);
      await registry.connect(compliance).setStatus(bobId, Status.Active);
      await expect(token.connect(alice).transfer(bob.address, unit)).to.changeTokenBalance(token, bob, unit);
    });

    it("refuses both sides once KYC has expired, and allows them again after renewal", async function () {
      const { token, registry, compliance, alice, bob, aliceId, bobId, kycExpiry, unit } = await load();
      await time.increaseTo(kycExpiry);
      await expect(token.connect(alice).transfer(bob.address, unit))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(alice.address);
      await registry.connect(compliance).renewKyc(aliceId, kycExpiry + 1000);
      await expect(token.connect(alice).transfer(bob.address, unit))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(bob.address);
      await registry.connect(compliance).renewKyc(bobId, kycExpiry + 1000);
      await expect(token.connect(alice).transfer(bob.address, unit)).to.changeTokenBalance(token, bob, unit);
    });

    it("refuses a transfer from or to a frozen wallet", async function () {
      const { token, compliance, alice, bob, unit } = await load();
      await token.connect(compliance).freeze(bob.address);
      await expect(token.connect(alice).transfer(bob.address, unit))
        .to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(bob.address);
      await expect(token.connect(bob).transfer(alice.address, unit))
        .to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(bob.address);
      await token.connect(compliance).unfreeze(bob.address);
      await expect(token.connect(bob).transfer(alice.address, unit)).to.changeTokenBalance(token, alice, unit);
    });

    it("keeps a frozen wallet's balance whole and its flag in place through forced transfers out and in", async function () {
      const { token, compliance, alice, bob, unit } = await load();
      const [held, supply] = [await token.balanceOf(alice.address), await token.totalSupply()];
      await token.connect(compliance).freeze(alice.address);
      expect([await token.balanceOf(alice.address), await token.totalSupply(), await token.isFrozen(alice.address)]).to.deep.equal([held, supply, true]);
      await expect(token.connect(compliance).forceTransfer(alice.address, bob.address, 3n * unit, ethers.id("COURT-ORDER")))
        .to.changeTokenBalances(token, [alice, bob], [-3n * unit, 3n * unit]);
      expect(await token.isFrozen(alice.address)).to.equal(true);
      await expect(token.connect(alice).transfer(bob.address, 1n))
        .to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(alice.address);
      await expect(token.connect(compliance).forceTransfer(alice.address, bob.address, held - 3n * unit, ethers.id("COURT-ORDER-2")))
        .to.changeTokenBalances(token, [alice, bob], [3n * unit - held, held - 3n * unit]);
      expect([await token.balanceOf(alice.address), await token.isFrozen(alice.address)]).to.deep.equal([0n, true]);
      await expect(token.connect(compliance).forceTransfer(alice.address, bob.address, 1n, ethers.id("COURT-ORDER-3")))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance").withArgs(alice.address, 0n, 1n);
      await token.connect(compliance).unfreeze(alice.address);
      await token.connect(bob).transfer(alice.address, 2n * unit);
      expect([await token.balanceOf(alice.address), await token.isFrozen(alice.address), await token.totalSupply()]).to.deep.equal([2n * unit, false, supply]);
    });

    it("leaves a balance and its flag unchanged by a transfer to oneself, and names the balance without the flag when short", async function () {
      const { token, compliance, alice, bob, unit } = await load();
      const held = await token.balanceOf(alice.address);
      await expect(token.connect(alice).transfer(alice.address, held)).to.emit(token, "Transfer").withArgs(alice.address, alice.address, held);
      expect(await token.balanceOf(alice.address)).to.equal(held);
      await token.connect(compliance).freeze(bob.address);
      const bobHeld = await token.balanceOf(bob.address);
      await expect(token.connect(compliance).forceTransfer(bob.address, alice.address, bobHeld + 1n, ethers.id("COURT-ORDER")))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance").withArgs(bob.address, bobHeld, bobHeld + 1n);
      expect(await token.isFrozen(bob.address)).to.equal(true);
      await expect(token.connect(alice).transfer(bob.address, unit)).to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(bob.address);
    });

    it("applies the same rule to transferFrom, on both sides", async function () {
      const { token, compliance, alice, alice2, bob, carol, unit } = await load();
      await token.connect(alice).approve(bob.address, 10n * unit);
      await expect(token.connect(bob).transferFrom(alice.address, alice2.address, unit))
        .to.changeTokenBalances(token, [alice, alice2], [-unit, unit]);
      await expect(token.connect(bob).transferFrom(alice.address, carol.address, unit))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(carol.address);
      await token.connect(compliance).freeze(alice.address);
      await expect(token.connect(bob).transferFrom(alice.address, alice2.address, unit))
        .to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(alice.address);
    });

    it("refuses issuance to a wallet that is not allowed or is frozen", async function () {
      const { token, compliance, bob, carol, credit, unit } = await load();
      await expect(credit(carol.address, unit))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(carol.address);
      await token.connect(compliance).freeze(bob.address);
      await expect(credit(bob.address, unit)).to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(bob.address);
    });

    it("refuses tokens sent to the token contract itself", async function () {
      const { token, alice, unit } = await load();
      const self = await token.getAddress();
      await expect(token.connect(alice).transfer(self, unit))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver").withArgs(self);
    });
  });

  describe("spenders are checked like holders", function () {
    it("refuses transferFrom by a frozen spender, even with an allowance, until unfrozen", async function () {
      const { token, compliance, alice, alice2, bob, unit } = await load();
      await token.connect(alice).approve(bob.address, 10n * unit);
      await expect(token.connect(compliance).freeze(bob.address)).to.emit(token, "Frozen").withArgs(bob.address, compliance.address);
      await expect(token.connect(bob).transferFrom(alice.address, alice2.address, unit))
        .to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(bob.address);
      await token.connect(compliance).unfreeze(bob.address);
      await expect(token.connect(bob).transferFrom(alice.address, alice2.address, unit)).to.changeTokenBalance(token, alice2, unit);
    });

    for (const [label, breakIt] of [
      ["suspended", (c: PermissionedTokenContext) => c.registry.connect(c.compliance).setStatus(c.bobId, Status.Suspended)],
      ["revoked", (c: PermissionedTokenContext) => c.registry.connect(c.compliance).setStatus(c.bobId, Status.Revoked)],
      ["unlinked", (c: PermissionedTokenContext) => c.registry.connect(c.compliance).unlinkWallet(c.bob.address)],
      ["KYC-expired", (c: PermissionedTokenContext) => time.increaseTo(c.kycExpiry)],
    ] as const) {
      it(`refuses transferFrom by a spender whose participant is ${label}, even with an allowance`, async function () {
        const ctx = await load();
        const { token, registry, compliance, alice, alice2, bob, aliceId, kycExpiry, unit } = ctx;
        await token.connect(alice).approve(bob.address, 10n * unit);
        await breakIt(ctx);
        if (label === "KYC-expired") await registry.connect(compliance).renewKyc(aliceId, kycExpiry + 1000);
        await expect(token.connect(bob).transferFrom(alice.address, alice2.address, unit))
          .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(bob.address);
        expect(await token.balanceOf(alice2.address)).to.equal(0n);
      });
    }

    it("refuses an allowance to a spender that is not allowed or frozen, and always allows lowering it to zero", async function () {
      const { token, compliance, alice, bob, carol, unit } = await load();
      await expect(token.connect(alice).approve(carol.address, unit))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(carol.address);
      await token.connect(alice).approve(bob.address, unit);
      await token.connect(compliance).freeze(bob.address);
      await expect(token.connect(alice).approve(bob.address, 2n * unit))
        .to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(bob.address);
      await expect(token.connect(alice).approve(bob.address, 0)).to.emit(token, "Approval").withArgs(alice.address, bob.address, 0);
      await expect(token.connect(alice).approve(carol.address, 0)).to.emit(token, "Approval").withArgs(alice.address, carol.address, 0);
      expect(await token.allowance(alice.address, bob.address)).to.equal(0n);
    });
  });

  describe("custodians (contracts holding tokens for others)", function () {
    async function custodian() {
      const ctx = await load();
      const [, , , , , , , , , , , , , custodianKey] = await ethers.getSigners();
      const wallet = await ethers.deployContract("ERC1271WalletMock", [custodianKey.address]);
      const address = await wallet.getAddress();
      const id = ethers.id("CUSTODIAN");
      await ctx.registry.connect(ctx.compliance).onboard(id, [address], ctx.kycExpiry);
      await ctx.credit(address, 10n * ctx.unit);
      await wallet.connect(custodianKey).approve(await ctx.token.getAddress(), ctx.bob.address, 10n * ctx.unit);
      return { ...ctx, wallet, custodianKey, address, id };
    }

    it("lets the admin mark a contract as custodian, announced with the operator", async function () {
      const { token, admin, address } = await custodian();
      await expect(token.connect(admin).setCustodian(address, true)).to.emit(token, "CustodianSet").withArgs(address, true, admin.address);
      expect(await token.isCustodian(address)).to.equal(true);
    });

    it("never lets a forced transfer take from a custodian", async function () {
      const { token, admin, compliance, bob, address, unit } = await custodian();
      await token.connect(admin).setCustodian(address, true);
      await expect(token.connect(compliance).forceTransfer(address, bob.address, unit, ethers.id("COURT-ORDER")))
        .to.be.revertedWithCustomError(token, "InvalidForcedTransferSource").withArgs(address);
    });

    it("lets a custodian give back what it holds itself while suspended or frozen, but not receive", async function () {
      const { token, registry, admin, compliance, alice, bob, wallet, custodianKey, address, id, unit, credit } = await custodian();
      const giveBack = async () => wallet.connect(custodianKey).transferToken(await token.getAddress(), bob.address, unit);
      await registry.connect(compliance).setStatus(id, Status.Suspended);
      await expect(giveBack()).to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(address);
      await token.connect(admin).setCustodian(address, true);
      await expect(giveBack()).to.changeTokenBalances(token, [address, bob.address], [-unit, unit]);
      await token.connect(compliance).freeze(address);
      await expect(giveBack()).to.changeTokenBalance(token, bob, unit);
      await registry.connect(compliance).setStatus(id, Status.Active);
      await expect(giveBack()).to.changeTokenBalance(token, bob, unit);
      await expect(token.connect(alice).transfer(address, unit)).to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(address);
      await token.connect(compliance).unfreeze(address);
      await registry.connect(compliance).setStatus(id, Status.Suspended);
      await expect(credit(address, unit)).to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(address);
    });

    for (const [label, stop, error] of [
      ["frozen", (c: Awaited<ReturnType<typeof custodian>>) => c.token.connect(c.compliance).freeze(c.address), "WalletFrozen"],
      ["suspended", (c: Awaited<ReturnType<typeof custodian>>) => c.registry.connect(c.compliance).setStatus(c.id, Status.Suspended), "ParticipantNotAllowed"],
      ["frozen and revoked", async (c: Awaited<ReturnType<typeof custodian>>) => {
        await c.registry.connect(c.compliance).setStatus(c.id, Status.Revoked);
        await c.token.connect(c.compliance).freeze(c.address);
      }, "WalletFrozen"],
    ] as const) {
      it(`checks a spender's transferFrom out of a custodian like any other: refused once the custodian is ${label}`, async function () {
        const ctx = await custodian();
        const { token, admin, bob, address, unit } = ctx;
        await token.connect(admin).setCustodian(address, true);
        await expect(token.connect(bob).transferFrom(address, bob.address, unit)).to.changeTokenBalance(token, bob, unit);
        await stop(ctx);
        await expect(token.connect(bob).transferFrom(address, bob.address, unit))
          .to.be.revertedWithCustomError(token, error).withArgs(address);
        expect(await token.balanceOf(address)).to.equal(9n * unit);
        expect(await token.allowance(address, bob.address)).to.equal(9n * unit);
      });
    }

    it("refuses a custodian's approval of a spender, and lets it lower an allowance to zero", async function () {
      const { token, admin, bob, wallet, custodianKey, address, unit } = await custodian();
      const tokenAddress = await token.getAddress();
      await token.connect(admin).setCustodian(address, true);
      await expect(wallet.connect(custodianKey).approve(tokenAddress, bob.address, 20n * unit))
        .to.be.revertedWithCustomError(token, "CustodianCannotApprove").withArgs(address);
      expect(await token.allowance(address, bob.address)).to.equal(10n * unit);
      await expect(wallet.connect(custodianKey).approve(tokenAddress, bob.address, 0))
        .to.emit(token, "Approval").withArgs(address, bob.address, 0);
      await expect(token.connect(bob).transferFrom(address, bob.address, unit))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance").withArgs(bob.address, 0, unit);
    });

    it("refuses a permit signed for a custodian's address", async function () {
      const ctx = await load();
      const { token, admin, bob, outsider, unit } = ctx;
      const [, , , , , , , , , , , , , , keyed] = await ethers.getSigners();
      // A custodian is a contract: give code to an address whose key signs, as a contract wallet's would.
      await setCode(keyed.address, "0x00");
      await token.connect(admin).setCustodian(keyed.address, true);
      const deadline = (await time.latest()) + 3600;
      const { chainId } = await ethers.provider.getNetwork();
      const domain = { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() };
      const types = { Permit: [
        { name: "owner", type: "address" }, { name: "spender", type: "address" }, { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint256" },
      ] };
      const sig = ethers.Signature.from(await keyed.signTypedData(domain, types,
        { owner: keyed.address, spender: bob.address, value: unit, nonce: 0n, deadline }));
      await expect(token.connect(outsider).permit(keyed.address, bob.address, unit, deadline, sig.v, sig.r, sig.s))
        .to.be.revertedWithCustomError(token, "CustodianCannotApprove").withArgs(keyed.address);
      expect(await token.allowance(keyed.address, bob.address)).to.equal(0n);
    });

    it("refuses to unmark a custodian that still holds tokens, or to mark an account with no code", async function () {
      const { token, admin, bob, carol, address, unit } = await custodian();
      await token.connect(admin).setCustodian(address, true);
      await expect(token.connect(admin).setCustodian(address, false))
        .to.be.revertedWithCustomError(token, "CustodianHoldsTokens").withArgs(address, 10n * unit);
      await token.connect(bob).transferFrom(address, bob.address, 10n * unit);
      await expect(token.connect(admin).setCustodian(address, false)).to.emit(token, "CustodianSet").withArgs(address, false, admin.address);
      expect(await token.isCustodian(address)).to.equal(false);
      await expect(token.connect(admin).setCustodian(carol.address, true))
        .to.be.revertedWithCustomError(token, "InvalidCustodian").withArgs(carol.address);
    });
  });

  describe("payment reference", function () {
    it("emits the reference with the value", async function () {
      const { token, alice, bob, unit } = await load();
      const ref = ethers.id("INV-2026-0042");
      const tx = token.connect(alice).transferWithReference(bob.address, 3n * unit, ref);
      await expect(tx).to.emit(token, "ReferencedTransfer").withArgs(alice.address, bob.address, 3n * unit, ref);
      await expect(tx).to.emit(token, "Transfer").withArgs(alice.address, bob.address, 3n * unit);
      await expect(tx).to.changeTokenBalances(token, [alice, bob], [-3n * unit, 3n * unit]);
    });

    it("refuses a zero amount or a missing reference", async function () {
      const { token, alice, bob, unit } = await load();
      await expect(token.connect(alice).transferWithReference(bob.address, 0, ethers.id("x")))
        .to.be.revertedWithCustomError(token, "ZeroAmount");
      await expect(token.connect(alice).transferWithReference(bob.address, unit, ethers.ZeroHash))
        .to.be.revertedWithCustomError(token, "ReferenceMissing");
    });

    it("applies the movement rule", async function () {
      const { token, alice, carol, unit } = await load();
      await expect(token.connect(alice).transferWithReference(carol.address, unit, ethers.id("x")))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(carol.address);
    });
  });

  describe("freeze", function () {
    it("records and announces freezing and unfreezing", async function () {
      const { token, compliance, bob } = await load();
      await expect(token.connect(compliance).freeze(bob.address)).to.emit(token, "Frozen").withArgs(bob.address, compliance.address);
      expect(await token.isFrozen(bob.address)).to.equal(true);
      await expect(token.connect(compliance).unfreeze(bob.address)).to.emit(token, "Unfrozen").withArgs(bob.address, compliance.address);
      expect(await token.isFrozen(bob.address)).to.equal(false);
    });

    it("refuses to freeze a frozen wallet or unfreeze one that is not frozen", async function () {
      const { token, compliance, bob } = await load();
      await expect(token.connect(compliance).unfreeze(bob.address))
        .to.be.revertedWithCustomError(token, "WalletNotFrozen").withArgs(bob.address);
      await token.connect(compliance).freeze(bob.address);
      await expect(token.connect(compliance).freeze(bob.address))
        .to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(bob.address);
    });
  });

  describe("pause", function () {
    it("stops every movement while paused and resumes after", async function () {
      const { token, pauser, alice, bob, credit, unit } = await load();
      await expect(token.connect(pauser).pause()).to.emit(token, "Paused").withArgs(pauser.address);
      expect(await token.paused()).to.equal(true);
      await expect(token.connect(alice).transfer(bob.address, unit)).to.be.revertedWithCustomError(token, "TokenPaused");
      await expect(credit(bob.address, unit)).to.be.revertedWithCustomError(token, "TokenPaused");
      await expect(token.connect(pauser).pause()).to.be.revertedWithCustomError(token, "TokenPaused");
      await expect(token.connect(pauser).unpause()).to.emit(token, "Unpaused").withArgs(pauser.address);
      await expect(token.connect(pauser).unpause()).to.be.revertedWithCustomError(token, "TokenNotPaused");
      await expect(token.connect(alice).transfer(bob.address, unit)).to.changeTokenBalance(token, bob, unit);
    });
  });

  describe("forced transfer", function () {
    it("moves tokens out of a frozen wallet under a legal reference", async function () {
      const { token, compliance, alice, bob, unit } = await load();
      const legalRef = ethers.id("COURT-ORDER-2026-117");
      await token.connect(compliance).freeze(alice.address);
      const tx = token.connect(compliance).forceTransfer(alice.address, bob.address, 7n * unit, legalRef);
      await expect(tx).to.emit(token, "ForcedTransfer")
        .withArgs(alice.address, bob.address, 7n * unit, legalRef, compliance.address);
      await expect(tx).to.changeTokenBalances(token, [alice, bob], [-7n * unit, 7n * unit]);
    });

    it("recovers the tokens of a revoked participant and works while paused", async function () {
      const { token, registry, compliance, pauser, alice, bob, aliceId, unit } = await load();
      await registry.connect(compliance).setStatus(aliceId, Status.Revoked);
      await token.connect(pauser).pause();
      await expect(token.connect(compliance).forceTransfer(alice.address, bob.address, unit, ethers.id("lost-key")))
        .to.changeTokenBalances(token, [alice, bob], [-unit, unit]);
    });

    it("refuses a recipient that is not allowed or is frozen", async function () {
      const { token, compliance, alice, bob, carol, unit } = await load();
      const ref = ethers.id("order");
      await expect(token.connect(compliance).forceTransfer(alice.address, carol.address, unit, ref))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(carol.address);
      await token.connect(compliance).freeze(bob.address);
      await expect(token.connect(compliance).forceTransfer(alice.address, bob.address, unit, ref))
        .to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(bob.address);
    });

    it("refuses a zero source, the token's own custody, a zero amount or a missing legal reference", async function () {
      const { token, compliance, alice, bob, unit } = await load();
      const ref = ethers.id("order");
      const self = await token.getAddress();
      await expect(token.connect(compliance).forceTransfer(ethers.ZeroAddress, bob.address, unit, ref))
        .to.be.revertedWithCustomError(token, "InvalidForcedTransferSource").withArgs(ethers.ZeroAddress);
      await expect(token.connect(compliance).forceTransfer(self, bob.address, unit, ref))
        .to.be.revertedWithCustomError(token, "InvalidForcedTransferSource").withArgs(self);
      await expect(token.connect(compliance).forceTransfer(alice.address, bob.address, 0, ref))
        .to.be.revertedWithCustomError(token, "ZeroAmount");
      await expect(token.connect(compliance).forceTransfer(alice.address, bob.address, unit, ethers.ZeroHash))
        .to.be.revertedWithCustomError(token, "ReferenceMissing");
    });

    it("refuses a forced transfer to the zero address: it is no way to burn", async function () {
      const { token, compliance, alice, unit } = await load();
      const [held, supply] = [await token.balanceOf(alice.address), await token.totalSupply()];
      await expect(token.connect(compliance).forceTransfer(alice.address, ethers.ZeroAddress, unit, ethers.id("order")))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver").withArgs(ethers.ZeroAddress);
      expect([await token.balanceOf(alice.address), await token.totalSupply()]).to.deep.equal([held, supply]);
    });

    it("refuses a forced transfer into the token's own custody, even once the token's address is linked in the registry", async function () {
      const { token, registry, compliance, alice, kycExpiry, credit, unit } = await load();
      const self = await token.getAddress();
      await registry.connect(compliance).onboard(ethers.id("TOKEN-ITSELF"), [self], kycExpiry);
      expect(await registry.isAllowed(self)).to.equal(true);
      await expect(token.connect(compliance).forceTransfer(alice.address, self, unit, ethers.id("COURT-ORDER")))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver").withArgs(self);
      await expect(token.connect(alice).transfer(self, unit)).to.be.revertedWithCustomError(token, "ERC20InvalidReceiver").withArgs(self);
      await expect(credit(self, unit)).to.be.revertedWithCustomError(token, "ERC20InvalidReceiver").withArgs(self);
      expect(await token.balanceOf(self)).to.equal(0n);
    });

    it("leaves the normal rule in force after a forced transfer", async function () {
      const { token, compliance, alice, bob, unit } = await load();
      await token.connect(compliance).freeze(alice.address);
      await token.connect(compliance).forceTransfer(alice.address, bob.address, unit, ethers.id("order"));
      await expect(token.connect(alice).transfer(bob.address, unit))
        .to.be.revertedWithCustomError(token, "WalletFrozen").withArgs(alice.address);
    });
  });

  describe("registry", function () {
    it("lets the admin point the token at another registry", async function () {
      const { token, registry, admin } = await load();
      const other = await ethers.deployContract("PlainERC20");
      await expect(token.connect(admin).setRegistry(await other.getAddress()))
        .to.emit(token, "RegistryChanged").withArgs(await registry.getAddress(), await other.getAddress());
      expect(await token.registry()).to.equal(await other.getAddress());
    });

    it("refuses a registry address with no code", async function () {
      const { token, admin, carol } = await load();
      await expect(token.connect(admin).setRegistry(carol.address))
        .to.be.revertedWithCustomError(token, "InvalidRegistry").withArgs(carol.address);
    });
  });

  describe("permit (ERC-2612)", function () {
    async function signPermit(ctx: PermissionedTokenContext, owner: HardhatEthersSigner, spender: string,
      value: bigint, deadline: number, signer: HardhatEthersSigner = owner) {
      const { token } = ctx;
      const { chainId } = await ethers.provider.getNetwork();
      const domain = { name: await token.name(), version: "1", chainId, verifyingContract: await token.getAddress() };
      const types = { Permit: [
        { name: "owner", type: "address" }, { name: "spender", type: "address" }, { name: "value", type: "uint256" },
        { name: "nonce", type: "uint256" }, { name: "deadline", type: "uint256" },
      ] };
      const message = { owner: owner.address, spender, value, nonce: await token.nonces(owner.address), deadline };
      return ethers.Signature.from(await signer.signTypedData(domain, types, message));
    }

    it("sets an allowance from the holder's signature, submitted by anyone", async function () {
      const ctx = await load();
      const { token, alice, bob, carol, unit } = ctx;
      const deadline = (await time.latest()) + 3600;
      const sig = await signPermit(ctx, alice, bob.address, 9n * unit, deadline);
      await expect(token.connect(carol).permit(alice.address, bob.address, 9n * unit, deadline, sig.v, sig.r, sig.s))
        .to.emit(token, "Approval").withArgs(alice.address, bob.address, 9n * unit);
      expect(await token.allowance(alice.address, bob.address)).to.equal(9n * unit);
      expect(await token.nonces(alice.address)).to.equal(1n);
    });

    it("refuses a permit for a spender that is not allowed", async function () {
      const ctx = await load();
      const { token, alice, carol, unit } = ctx;
      const deadline = (await time.latest()) + 3600;
      const sig = await signPermit(ctx, alice, carol.address, unit, deadline);
      await expect(token.permit(alice.address, carol.address, unit, deadline, sig.v, sig.r, sig.s))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(carol.address);
      expect(await token.allowance(alice.address, carol.address)).to.equal(0n);
    });

    it("refuses an expired permit", async function () {
      const ctx = await load();
      const { token, alice, bob, unit } = ctx;
      const deadline = (await time.latest()) - 1;
      const sig = await signPermit(ctx, alice, bob.address, unit, deadline);
      await expect(token.permit(alice.address, bob.address, unit, deadline, sig.v, sig.r, sig.s))
        .to.be.revertedWithCustomError(token, "ERC2612ExpiredSignature").withArgs(deadline);
    });

    it("refuses a permit signed by someone other than the holder, and a replayed one", async function () {
      const ctx = await load();
      const { token, alice, bob, unit } = ctx;
      const deadline = (await time.latest()) + 3600;
      const forged = await signPermit(ctx, alice, bob.address, unit, deadline, bob);
      await expect(token.permit(alice.address, bob.address, unit, deadline, forged.v, forged.r, forged.s))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner");
      const sig = await signPermit(ctx, alice, bob.address, unit, deadline);
      await token.permit(alice.address, bob.address, unit, deadline, sig.v, sig.r, sig.s);
      await expect(token.permit(alice.address, bob.address, unit, deadline, sig.v, sig.r, sig.s))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner");
    });
  });

  describe("roles", function () {
    it("refuses every compliance, pause and admin function to an outsider", async function () {
      const { token, outsider, alice, bob, unit } = await load();
      const t = token.connect(outsider);
      const cases: [string, () => Promise<unknown>, string][] = [
        ["freeze", () => t.freeze(alice.address), "COMPLIANCE_ROLE"],
        ["unfreeze", () => t.unfreeze(alice.address), "COMPLIANCE_ROLE"],
        ["forceTransfer", () => t.forceTransfer(alice.address, bob.address, unit, ethers.id("x")), "COMPLIANCE_ROLE"],
        ["pause", () => t.pause(), "PAUSER_ROLE"],
        ["unpause", () => t.unpause(), "PAUSER_ROLE"],
        ["setRegistry", () => t.setRegistry(ethers.ZeroAddress), "DEFAULT_ADMIN_ROLE"],
        ["setCustodian", () => t.setCustodian(alice.address, true), "DEFAULT_ADMIN_ROLE"],
      ];
      for (const [name, call, role] of cases) {
        const roleId = role === "DEFAULT_ADMIN_ROLE" ? ethers.ZeroHash : ethers.id(role);
        await expect(call(), name).to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
          .withArgs(outsider.address, roleId);
      }
    });

    it("keeps duties apart: the pauser cannot freeze and compliance cannot pause", async function () {
      const { token, compliance, pauser, alice } = await load();
      await expect(token.connect(pauser).freeze(alice.address))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(pauser.address, ethers.id("COMPLIANCE_ROLE"));
      await expect(token.connect(compliance).pause())
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(compliance.address, ethers.id("PAUSER_ROLE"));
    });

    it("refuses to give the issuer duty to a compliance officer of any contract of the deployment, or compliance to the issuer", async function () {
      const { token, registry, admin, compliance, issuer } = await load();
      const [ISSUER, COMPLIANCE] = [ethers.id("ISSUER_ROLE"), ethers.id("COMPLIANCE_ROLE")];
      await expect(token.connect(admin).grantRole(ISSUER, compliance.address))
        .to.be.revertedWithCustomError(token, "ConflictingRoles").withArgs(compliance.address, ISSUER, COMPLIANCE);
      await expect(token.connect(admin).grantRole(COMPLIANCE, issuer.address))
        .to.be.revertedWithCustomError(token, "ConflictingRoles").withArgs(issuer.address, COMPLIANCE, ISSUER);
      // Compliance on any contract of the deployment is the same duty: revoked here, it still holds it elsewhere.
      await token.connect(admin).revokeRole(COMPLIANCE, compliance.address);
      await expect(token.connect(admin).grantRole(ISSUER, compliance.address))
        .to.be.revertedWithCustomError(token, "ConflictingRoles").withArgs(compliance.address, ISSUER, COMPLIANCE);
      for (const address of [await registry.getAddress(), ...(await registry.platformContracts())]) {
        const c = await ethers.getContractAt("AccessControlDefaultAdminRulesUpgradeable", address, admin);
        if (await c.hasRole(COMPLIANCE, compliance.address)) await c.revokeRole(COMPLIANCE, compliance.address);
      }
      await expect(token.connect(admin).grantRole(ISSUER, compliance.address))
        .to.emit(token, "RoleGranted").withArgs(ISSUER, compliance.address, admin.address);
    });

    it("keeps UPGRADER_ROLE out of the admin's reach: only an upgrader (the timelock) grants it", async function () {
      const { token, admin } = await load();
      const UPGRADER = ethers.id("UPGRADER_ROLE");
      expect(await token.getRoleAdmin(UPGRADER)).to.equal(UPGRADER);
      expect(await token.hasRole(UPGRADER, admin.address)).to.equal(false);
      await expect(token.connect(admin).grantRole(UPGRADER, admin.address))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount").withArgs(admin.address, UPGRADER);
      await expect(token.connect(admin).upgradeToAndCall(admin.address, "0x"))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount").withArgs(admin.address, UPGRADER);
    });

    it("transfers the default admin in two steps, not before the delay", async function () {
      const { token, admin, outsider } = await load();
      await token.connect(admin).beginDefaultAdminTransfer(outsider.address);
      const [, schedule] = await token.pendingDefaultAdmin();
      await expect(token.connect(outsider).acceptDefaultAdminTransfer())
        .to.be.revertedWithCustomError(token, "AccessControlEnforcedDefaultAdminDelay").withArgs(schedule);
      await time.increaseTo(schedule + 1n);
      await token.connect(outsider).acceptDefaultAdminTransfer();
      expect(await token.defaultAdmin()).to.equal(outsider.address);
      expect(await token.hasRole(ethers.ZeroHash, admin.address)).to.equal(false);
    });

    it("refuses to grant the default admin role directly", async function () {
      const { token, admin, outsider } = await load();
      await expect(token.connect(admin).grantRole(ethers.ZeroHash, outsider.address))
        .to.be.revertedWithCustomError(token, "AccessControlEnforcedDefaultAdminRules");
    });
  });
}
