import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployRegistry } from "../../lib/suite";
import { YEAR, ids } from "../fixtures";

const Status = { None: 0n, Active: 1n, Suspended: 2n, Revoked: 3n };

async function registryFixture() {
  const [admin, compliance, upgrader, alice, alice2, bob, carol, outsider] = await ethers.getSigners();
  const registry = await deployRegistry(hre, admin, 0);
  await registry.grantRole(await registry.COMPLIANCE_ROLE(), compliance.address);
  await registry.grantRole(await registry.UPGRADER_ROLE(), upgrader.address);
  const kycExpiry = (await time.latest()) + YEAR;
  const asCompliance = registry.connect(compliance);
  await asCompliance.onboard(ids.alpha, [alice.address, alice2.address], kycExpiry);
  return { registry, asCompliance, kycExpiry, admin, compliance, upgrader, alice, alice2, bob, carol, outsider };
}

describe("ParticipantRegistry", function () {
  describe("onboarding", function () {
    it("onboards an active participant with its wallets", async function () {
      const { registry, asCompliance, kycExpiry, bob, carol } = await loadFixture(registryFixture);
      const tx = asCompliance.onboard(ids.beta, [bob.address, carol.address], kycExpiry);
      await expect(tx).to.emit(registry, "ParticipantOnboarded").withArgs(ids.beta, kycExpiry);
      await expect(tx).to.emit(registry, "StatusChanged").withArgs(ids.beta, Status.None, Status.Active);
      await expect(tx).to.emit(registry, "WalletLinked").withArgs(ids.beta, bob.address);
      await expect(tx).to.emit(registry, "WalletLinked").withArgs(ids.beta, carol.address);
      const [status, expiry, wallets] = await registry.getParticipant(ids.beta);
      expect([status, expiry, [...wallets]]).to.deep.equal([Status.Active, BigInt(kycExpiry), [bob.address, carol.address]]);
      expect(await registry.participantOf(carol.address)).to.equal(ids.beta);
      expect(await registry.isAllowed(bob.address)).to.equal(true);
    });

    it("onboards a participant with no wallet yet", async function () {
      const { registry, asCompliance, kycExpiry } = await loadFixture(registryFixture);
      await asCompliance.onboard(ids.gamma, [], kycExpiry);
      const [status, , wallets] = await registry.getParticipant(ids.gamma);
      expect([status, wallets.length]).to.deep.equal([Status.Active, 0]);
    });

    it("refuses a zero id, an existing id and a KYC expiry that is not in the future", async function () {
      const { registry, asCompliance, kycExpiry, bob } = await loadFixture(registryFixture);
      await expect(asCompliance.onboard(ethers.ZeroHash, [bob.address], kycExpiry))
        .to.be.revertedWithCustomError(registry, "ParticipantIdZero");
      await expect(asCompliance.onboard(ids.alpha, [bob.address], kycExpiry))
        .to.be.revertedWithCustomError(registry, "ParticipantAlreadyExists").withArgs(ids.alpha);
      const now = await time.latest();
      await time.setNextBlockTimestamp(now + 1);
      await expect(asCompliance.onboard(ids.beta, [bob.address], now))
        .to.be.revertedWithCustomError(registry, "KycExpiryNotInFuture").withArgs(now, now + 1);
    });

    it("refuses a wallet that already belongs to a participant, and links none of the batch", async function () {
      const { registry, asCompliance, kycExpiry, alice, bob } = await loadFixture(registryFixture);
      await expect(asCompliance.onboard(ids.beta, [bob.address, alice.address], kycExpiry))
        .to.be.revertedWithCustomError(registry, "WalletAlreadyLinked").withArgs(alice.address, ids.alpha);
      expect(await registry.participantOf(bob.address)).to.equal(ethers.ZeroHash);
      expect((await registry.getParticipant(ids.beta))[0]).to.equal(Status.None);
      await expect(asCompliance.onboard(ids.beta, [bob.address, bob.address], kycExpiry))
        .to.be.revertedWithCustomError(registry, "WalletAlreadyLinked").withArgs(bob.address, ids.beta);
    });

    it("refuses the zero address as a wallet", async function () {
      const { registry, asCompliance, kycExpiry } = await loadFixture(registryFixture);
      await expect(asCompliance.onboard(ids.beta, [ethers.ZeroAddress], kycExpiry))
        .to.be.revertedWithCustomError(registry, "WalletZero");
      await expect(asCompliance.linkWallet(ids.alpha, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(registry, "WalletZero");
    });
  });

  describe("names", function () {
    it("records the LEI or name a participant id was derived from, in an event", async function () {
      const { registry, asCompliance } = await loadFixture(registryFixture);
      await expect(asCompliance.nameParticipant(ids.alpha, "LEI:5493001KJTIIGC8Y1R12"))
        .to.emit(registry, "ParticipantNamed").withArgs(ids.alpha, "LEI:5493001KJTIIGC8Y1R12");
    });

    it("refuses a name that is not the id's preimage, and an unknown participant", async function () {
      const { registry, asCompliance } = await loadFixture(registryFixture);
      await expect(asCompliance.nameParticipant(ids.alpha, "LEI:5493001kjtiigc8y1r12"))
        .to.be.revertedWithCustomError(registry, "NameDoesNotMatchId")
        .withArgs(ids.alpha, ethers.id("LEI:5493001kjtiigc8y1r12"));
      await expect(asCompliance.nameParticipant(ids.beta, "LEI:529900T8BM49AURSDO55"))
        .to.be.revertedWithCustomError(registry, "ParticipantNotFound").withArgs(ids.beta);
    });
  });

  describe("legal names", function () {
    it("records a participant's legal name in an event, apart from its LEI, and a new one later", async function () {
      const { registry, asCompliance } = await loadFixture(registryFixture);
      await expect(asCompliance.setLegalName(ids.alpha, "Initech Corp."))
        .to.emit(registry, "ParticipantLegalName").withArgs(ids.alpha, "Initech Corp.");
      await expect(asCompliance.setLegalName(ids.alpha, "Initech Holdings Corp."))
        .to.emit(registry, "ParticipantLegalName").withArgs(ids.alpha, "Initech Holdings Corp.");
      const recorded = await registry.queryFilter(registry.filters.ParticipantLegalName(ids.alpha));
      expect(recorded.map((e) => e.args.legalName)).to.deep.equal(["Initech Corp.", "Initech Holdings Corp."]);
    });

    it("takes a legal name of exactly 140 bytes of UTF-8 and refuses 141, counting bytes, not characters", async function () {
      const { registry, asCompliance } = await loadFixture(registryFixture);
      expect(await registry.MAX_LEGAL_NAME_BYTES()).to.equal(140n);
      await expect(asCompliance.setLegalName(ids.alpha, "A".repeat(140)))
        .to.emit(registry, "ParticipantLegalName").withArgs(ids.alpha, "A".repeat(140));
      await expect(asCompliance.setLegalName(ids.alpha, "A".repeat(141)))
        .to.be.revertedWithCustomError(registry, "LegalNameTooLong").withArgs(ids.alpha, 141, 140);
      // 71 two-byte characters: 142 bytes.
      await expect(asCompliance.setLegalName(ids.alpha, "é".repeat(71)))
        .to.be.revertedWithCustomError(registry, "LegalNameTooLong").withArgs(ids.alpha, 142, 140);
    });

    it("refuses an empty legal name and a participant that does not exist", async function () {
      const { registry, asCompliance } = await loadFixture(registryFixture);
      await expect(asCompliance.setLegalName(ids.alpha, ""))
        .to.be.revertedWithCustomError(registry, "LegalNameEmpty").withArgs(ids.alpha);
      await expect(asCompliance.setLegalName(ids.beta, "Globex Markets Ltd"))
        .to.be.revertedWithCustomError(registry, "ParticipantNotFound").withArgs(ids.beta);
    });

    it("records the legal name of a revoked participant: the record of who held a wallet outlives it", async function () {
      const { registry, asCompliance } = await loadFixture(registryFixture);
      await asCompliance.setStatus(ids.alpha, Status.Revoked);
      await expect(asCompliance.setLegalName(ids.alpha, "Initech Corp. (in liquidation)"))
        .to.emit(registry, "ParticipantLegalName").withArgs(ids.alpha, "Initech Corp. (in liquidation)");
    });
  });

  describe("wallets", function () {
    it("links a further wallet to a participant", async function () {
      const { registry, asCompliance, alice, alice2, bob } = await loadFixture(registryFixture);
      await expect(asCompliance.linkWallet(ids.alpha, bob.address))
        .to.emit(registry, "WalletLinked").withArgs(ids.alpha, bob.address);
      expect([...(await registry.getParticipant(ids.alpha))[2]]).to.deep.equal([alice.address, alice2.address, bob.address]);
      expect(await registry.isAllowed(bob.address)).to.equal(true);
    });

    it("refuses to link to an unknown or revoked participant, or a wallet already linked", async function () {
      const { registry, asCompliance, alice, bob } = await loadFixture(registryFixture);
      await expect(asCompliance.linkWallet(ids.beta, bob.address))
        .to.be.revertedWithCustomError(registry, "ParticipantNotFound").withArgs(ids.beta);
      await expect(asCompliance.linkWallet(ids.alpha, alice.address))
        .to.be.revertedWithCustomError(registry, "WalletAlreadyLinked").withArgs(alice.address, ids.alpha);
      await asCompliance.setStatus(ids.alpha, Status.Revoked);
      await expect(asCompliance.linkWallet(ids.alpha, bob.address))
        .to.be.revertedWithCustomError(registry, "ParticipantIsRevoked").withArgs(ids.alpha);
    });

    it("unlinks a wallet, which is then allowed nothing and may be linked elsewhere", async function () {
      const { registry, asCompliance, kycExpiry, alice, alice2 } = await loadFixture(registryFixture);
      await expect(asCompliance.unlinkWallet(alice.address))
        .to.emit(registry, "WalletUnlinked").withArgs(ids.alpha, alice.address);
      expect(await registry.isAllowed(alice.address)).to.equal(false);
      expect(await registry.participantOf(alice.address)).to.equal(ethers.ZeroHash);
      expect([...(await registry.getParticipant(ids.alpha))[2]]).to.deep.equal([alice2.address]);
      await asCompliance.onboard(ids.beta, [alice.address], kycExpiry);
      expect(await registry.participantOf(alice.address)).to.equal(ids.beta);
    });

    it("refuses to unlink a wallet that is not linked", async function () {
      const { registry, asCompliance, bob } = await loadFixture(registryFixture);
      await expect(asCompliance.unlinkWallet(bob.address))
        .to.be.revertedWithCustomError(registry, "WalletNotLinked").withArgs(bob.address);
    });
  });

  describe("wallet records (what a movement reads)", function () {
    // RegistryStorage's sixth slot: participantOf, participants, wallets, platformContracts (two slots), walletRecords.
    const REGISTRY_STORAGE = 0x087f88191c3daaac9c325f759f74e64b13214d6cf584322b6730b9f5bb5f5700n;
    const recordSlot = (wallet: string) => ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [wallet, REGISTRY_STORAGE + 5n]));

    it("writes every wallet's record when its participant's status or KYC expiry changes, with the same answer for each", async function () {
      const { registry, asCompliance, kycExpiry, alice, alice2 } = await loadFixture(registryFixture);
      const answers = async () => [await registry.isAllowed(alice.address), await registry.isAllowed(alice2.address)];
      await asCompliance.setStatus(ids.alpha, Status.Suspended);
      expect(await answers()).to.deep.equal([false, false]);
      await asCompliance.setStatus(ids.alpha, Status.Active);
      expect(await answers()).to.deep.equal([true, true]);
      await time.increaseTo(kycExpiry);
      expect(await answers()).to.deep.equal([false, false]);
      await asCompliance.renewKyc(ids.alpha, kycExpiry + YEAR);
      expect(await answers()).to.deep.equal([true, true]);
      const stored = await ethers.provider.getStorage(await registry.getAddress(), recordSlot(alice2.address));
      expect(BigInt(stored)).to.equal((BigInt(kycExpiry + YEAR) << 8n) | Status.Active);
    });

    it("gives a wallet linked later its participant's record, and clears the record of an unlinked wallet", async function () {
      const { registry, asCompliance, bob, alice } = await loadFixture(registryFixture);
      await asCompliance.setStatus(ids.alpha, Status.Suspended);
      await asCompliance.linkWallet(ids.alpha, bob.address);
      expect(await registry.isAllowed(bob.address)).to.equal(false);
      await asCompliance.setStatus(ids.alpha, Status.Active);
      expect(await registry.isAllowed(bob.address)).to.equal(true);
      await asCompliance.unlinkWallet(alice.address);
      expect(await ethers.provider.getStorage(await registry.getAddress(), recordSlot(alice.address))).to.equal(ethers.ZeroHash);
      expect(await registry.isAllowed(alice.address)).to.equal(false);
    });

    it("refuses a wallet without a record (a proxy upgraded from before wallet records) until anyone syncs it from the participant's record", async function () {
      const { registry, asCompliance, alice, alice2, carol, outsider } = await loadFixture(registryFixture);
      const address = await registry.getAddress();
      await ethers.provider.send("hardhat_setStorageAt", [address, recordSlot(alice.address), ethers.ZeroHash]);
      await ethers.provider.send("hardhat_setStorageAt", [address, recordSlot(carol.address), ethers.toBeHex((BigInt(2n ** 40n) << 8n) | Status.Active, 32)]);
      expect([await registry.isAllowed(alice.address), await registry.isAllowed(carol.address)]).to.deep.equal([false, true]);
      const tx = registry.connect(outsider).syncWallets([alice.address, carol.address]);
      await expect(tx).to.emit(registry, "WalletRecordSynced").withArgs(alice.address, ids.alpha);
      await expect(tx).to.emit(registry, "WalletRecordSynced").withArgs(carol.address, ethers.ZeroHash);
      expect([await registry.isAllowed(alice.address), await registry.isAllowed(carol.address), await registry.isAllowed(alice2.address)]).to.deep.equal([true, false, true]);
      await asCompliance.setStatus(ids.alpha, Status.Revoked);
      await registry.connect(outsider).syncWallets([alice.address]);
      expect(await registry.isAllowed(alice.address)).to.equal(false);
    });

    it("refuses a participant's wallet beyond MAX_WALLETS_PER_PARTICIPANT, so a status change always fits in a block", async function () {
      const { registry, asCompliance, kycExpiry } = await loadFixture(registryFixture);
      const max = await registry.MAX_WALLETS_PER_PARTICIPANT();
      expect(max).to.equal(100n);
      const wallets = Array.from({ length: Number(max) }, (_, i) => ethers.getAddress(ethers.toBeHex(0x1000 + i, 20)));
      await asCompliance.onboard(ids.gamma, wallets.slice(0, 60), kycExpiry);
      for (const w of wallets.slice(60)) await asCompliance.linkWallet(ids.gamma, w);
      const extra = ethers.getAddress(ethers.toBeHex(0x2000, 20));
      await expect(asCompliance.linkWallet(ids.gamma, extra)).to.be.revertedWithCustomError(registry, "TooManyWallets").withArgs(ids.gamma, max);
      await expect(asCompliance.onboard(ids.delta, Array.from({ length: 101 }, (_, i) => ethers.getAddress(ethers.toBeHex(0x3000 + i, 20))), kycExpiry))
        .to.be.revertedWithCustomError(registry, "TooManyWallets").withArgs(ids.delta, max);
      const suspend = await (await asCompliance.setStatus(ids.gamma, Status.Suspended)).wait();
      expect(suspend!.gasUsed).to.be.lessThan(1_500_000n);
      expect(await registry.isAllowed(wallets[99])).to.equal(false);
    });
  });

  describe("status", function () {
    it("suspends and reinstates a participant", async function () {
      const { registry, asCompliance, alice, alice2 } = await loadFixture(registryFixture);
      await expect(asCompliance.setStatus(ids.alpha, Status.Suspended))
        .to.emit(registry, "StatusChanged").withArgs(ids.alpha, Status.Active, Status.Suspended);
      expect([await registry.isAllowed(alice.address), await registry.isAllowed(alice2.address)]).to.deep.equal([false, false]);
      await expect(asCompliance.setStatus(ids.alpha, Status.Active))
        .to.emit(registry, "StatusChanged").withArgs(ids.alpha, Status.Suspended, Status.Active);
      expect(await registry.isAllowed(alice.address)).to.equal(true);
    });

    it("makes revocation final", async function () {
      const { registry, asCompliance, kycExpiry, alice } = await loadFixture(registryFixture);
      await asCompliance.setStatus(ids.alpha, Status.Revoked);
      expect(await registry.isAllowed(alice.address)).to.equal(false);
      for (const status of [Status.Active, Status.Suspended]) {
        await expect(asCompliance.setStatus(ids.alpha, status))
          .to.be.revertedWithCustomError(registry, "ParticipantIsRevoked").withArgs(ids.alpha);
      }
      await expect(asCompliance.renewKyc(ids.alpha, kycExpiry + 1))
        .to.be.revertedWithCustomError(registry, "ParticipantIsRevoked").withArgs(ids.alpha);
    });

    it("refuses status None, an unchanged status and an unknown participant", async function () {
      const { registry, asCompliance } = await loadFixture(registryFixture);
      await expect(asCompliance.setStatus(ids.alpha, Status.None))
        .to.be.revertedWithCustomError(registry, "StatusNotSettable").withArgs(Status.None);
      await expect(asCompliance.setStatus(ids.alpha, Status.Active))
        .to.be.revertedWithCustomError(registry, "StatusUnchanged").withArgs(ids.alpha, Status.Active);
      await expect(asCompliance.setStatus(ids.beta, Status.Suspended))
        .to.be.revertedWithCustomError(registry, "ParticipantNotFound").withArgs(ids.beta);
    });
  });

  describe("KYC", function () {
    it("stops allowing a participant at its KYC expiry and allows it again after renewal", async function () {
      const { registry, asCompliance, kycExpiry, alice } = await loadFixture(registryFixture);
      await time.increaseTo(kycExpiry - 1);
      expect(await registry.isAllowed(alice.address)).to.equal(true);
      await time.increaseTo(kycExpiry);
      expect(await registry.isAllowed(alice.address)).to.equal(false);
      const renewed = kycExpiry + YEAR;
      await expect(asCompliance.renewKyc(ids.alpha, renewed))
        .to.emit(registry, "KycRenewed").withArgs(ids.alpha, kycExpiry, renewed);
      expect(await registry.isAllowed(alice.address)).to.equal(true);
      expect((await registry.getParticipant(ids.alpha))[1]).to.equal(BigInt(renewed));
    });

    it("refuses a renewal into the past or for an unknown participant", async function () {
      const { registry, asCompliance, kycExpiry } = await loadFixture(registryFixture);
      const now = await time.latest();
      await time.setNextBlockTimestamp(now + 1);
      await expect(asCompliance.renewKyc(ids.alpha, now - 10))
        .to.be.revertedWithCustomError(registry, "KycExpiryNotInFuture").withArgs(now - 10, now + 1);
      await expect(asCompliance.renewKyc(ids.beta, kycExpiry))
        .to.be.revertedWithCustomError(registry, "ParticipantNotFound").withArgs(ids.beta);
    });
  });

  describe("views", function () {
    it("answers for both sides of a movement in one call", async function () {
      const { registry, asCompliance, alice, bob, carol } = await loadFixture(registryFixture);
      expect(await registry.areAllowed(alice.address, carol.address)).to.deep.equal([true, false]);
      expect(await registry.areAllowed(carol.address, alice.address)).to.deep.equal([false, true]);
      await asCompliance.setStatus(ids.alpha, Status.Suspended);
      expect(await registry.areAllowed(alice.address, bob.address)).to.deep.equal([false, false]);
    });

    it("knows nothing of an unknown participant", async function () {
      const { registry } = await loadFixture(registryFixture);
      const [status, expiry, wallets] = await registry.getParticipant(ids.gamma);
      expect([status, expiry, wallets.length]).to.deep.equal([Status.None, 0n, 0]);
    });
  });

  describe("roles", function () {
    it("refuses every compliance function to an outsider and to the upgrader", async function () {
      const { registry, kycExpiry, alice, bob, outsider, upgrader } = await loadFixture(registryFixture);
      for (const who of [outsider, upgrader]) {
        const r = registry.connect(who);
        const calls: [string, () => Promise<unknown>][] = [
          ["onboard", () => r.onboard(ids.beta, [bob.address], kycExpiry)],
          ["linkWallet", () => r.linkWallet(ids.alpha, bob.address)],
          ["unlinkWallet", () => r.unlinkWallet(alice.address)],
          ["setStatus", () => r.setStatus(ids.alpha, Status.Suspended)],
          ["renewKyc", () => r.renewKyc(ids.alpha, kycExpiry + 1)],
          ["nameParticipant", () => r.nameParticipant(ids.alpha, "LEI:5493001KJTIIGC8Y1R12")],
          ["setLegalName", () => r.setLegalName(ids.alpha, "Initech Corp.")],
        ];
        for (const [name, call] of calls) {
          await expect(call(), name).to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
            .withArgs(who.address, ethers.id("COMPLIANCE_ROLE"));
        }
      }
    });

    it("cannot be initialized twice", async function () {
      const { registry, admin } = await loadFixture(registryFixture);
      await expect(registry.initialize(admin.address, 0)).to.be.revertedWithCustomError(registry, "InvalidInitialization");
    });
  });

  describe("proxy (answers the movement checks itself)", function () {
    it("answers isAllowed and areAllowed in the proxy's own code, the same after an upgrade, and never delegates them", async function () {
      const { registry, asCompliance, upgrader, alice, bob } = await loadFixture(registryFixture);
      const address = await registry.getAddress();
      const implementation = await ethers.getContractAt("ParticipantRegistry", await upgrades.erc1967.getImplementationAddress(address));
      expect(await registry.areAllowed(alice.address, bob.address)).to.deep.equal([true, false]);
      await upgrades.upgradeProxy(address, await ethers.getContractFactory("ParticipantRegistryV2Mock", upgrader), { kind: "uups" });
      expect(await registry.areAllowed(alice.address, bob.address)).to.deep.equal([true, false]);
      await asCompliance.setStatus(ids.alpha, Status.Suspended);
      expect([await registry.isAllowed(alice.address), ...(await registry.areAllowed(bob.address, alice.address))]).to.deep.equal([false, false, false]);
      // The implementation, called directly, answers from its own storage, which holds no record: a token
      // pointed at it would refuse everyone.
      expect([await implementation.isAllowed(alice.address), ...(await implementation.areAllowed(alice.address, alice.address))]).to.deep.equal([false, false, false]);
      const proxyCode = await ethers.provider.getCode(address);
      const selector = (name: "isAllowed" | "areAllowed" | "setStatus") => registry.interface.getFunction(name).selector.slice(2);
      expect([proxyCode.includes(selector("isAllowed")), proxyCode.includes(selector("areAllowed")), proxyCode.includes(selector("setStatus"))]).to.deep.equal([true, true, false]);
    });
  });

  describe("upgrade", function () {
    it("upgrades through the upgrader and keeps every participant", async function () {
      const { registry, upgrader, alice, alice2, kycExpiry } = await loadFixture(registryFixture);
      const v2 = await ethers.getContractFactory("ParticipantRegistryV2Mock", upgrader);
      const upgraded = await upgrades.upgradeProxy(await registry.getAddress(), v2, { kind: "uups" });
      expect(await upgraded.version()).to.equal("2");
      const [status, expiry, wallets] = await registry.getParticipant(ids.alpha);
      expect([status, expiry, [...wallets]]).to.deep.equal([Status.Active, BigInt(kycExpiry), [alice.address, alice2.address]]);
      expect(await registry.isAllowed(alice.address)).to.equal(true);
    });

    it("refuses an upgrade by an outsider or the compliance officer", async function () {
      const { registry, outsider, compliance } = await loadFixture(registryFixture);
      for (const who of [outsider, compliance]) {
        const v2 = await ethers.getContractFactory("ParticipantRegistryV2Mock", who);
        await expect(upgrades.upgradeProxy(await registry.getAddress(), v2, { kind: "uups" }))
          .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, ethers.id("UPGRADER_ROLE"));
      }
    });
  });
});
