import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployRegistry } from "../../lib/suite";
import { depositTokenFixture, dvpFixture, ids, usd, YEAR } from "../fixtures";

const [COMPLIANCE, ISSUER, RESERVE, PAUSER] = ["COMPLIANCE_ROLE", "ISSUER_ROLE", "RESERVE_ROLE", "PAUSER_ROLE"].map((r) => ethers.id(r));
const Answer = { No: 0, Yes: 1, Revert: 2, Short: 3, NotBool: 4 };

async function roleAnswer() {
  return ethers.deployContract("RoleAnswerMock");
}

describe("separation of duties across the contracts of a deployment", function () {
  describe("conflicting duties on different contracts", function () {
    it("refuses the registry's compliance duty to the token's issuer, so it cannot onboard a wallet of its own and issue the headroom into it", async function () {
      const { registry, token, desk, admin, issuer } = await loadFixture(depositTokenFixture);
      await expect(registry.connect(admin).grantRole(COMPLIANCE, issuer.address))
        .to.be.revertedWithCustomError(registry, "ConflictingRoles").withArgs(issuer.address, COMPLIANCE, ISSUER);
      const own = ethers.Wallet.createRandom().address;
      await expect(registry.connect(issuer).onboard(ids.gamma, [own], (await time.latest()) + YEAR))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount").withArgs(issuer.address, COMPLIANCE);
      await expect(desk.connect(issuer).mint(own, usd("900000.00"), ethers.id("own-deposit")))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(own);
    });

    it("refuses the token's issuer duty to the registry's compliance officer", async function () {
      const { registry, token, admin, carol } = await loadFixture(depositTokenFixture);
      await registry.connect(admin).grantRole(COMPLIANCE, carol.address);
      await expect(token.connect(admin).grantRole(ISSUER, carol.address))
        .to.be.revertedWithCustomError(token, "ConflictingRoles").withArgs(carol.address, ISSUER, COMPLIANCE);
      expect(await token.hasRole(ISSUER, carol.address)).to.equal(false);
    });

    it("refuses a security token's issuer duty to a deposit token's compliance officer, and the other way round", async function () {
      const { cash, asset, admin, carol, outsider } = await loadFixture(dvpFixture);
      await cash.connect(admin).grantRole(COMPLIANCE, carol.address);
      await expect(asset.connect(admin).grantRole(ISSUER, carol.address))
        .to.be.revertedWithCustomError(asset, "ConflictingRoles").withArgs(carol.address, ISSUER, COMPLIANCE);
      await asset.connect(admin).grantRole(ISSUER, outsider.address);
      await expect(cash.connect(admin).grantRole(COMPLIANCE, outsider.address))
        .to.be.revertedWithCustomError(cash, "ConflictingRoles").withArgs(outsider.address, COMPLIANCE, ISSUER);
    });

    it("refuses the escrow's compliance duty to a token's issuer, and a token's issuer duty to the escrow's compliance officer", async function () {
      const { registry, escrow, cash, admin, issuer, carol } = await loadFixture(dvpFixture);
      await expect(escrow.connect(admin).grantRole(COMPLIANCE, issuer.address))
        .to.be.revertedWithCustomError(registry, "ConflictingRoles").withArgs(issuer.address, COMPLIANCE, ISSUER);
      await escrow.connect(admin).grantRole(COMPLIANCE, carol.address);
      await expect(cash.connect(admin).grantRole(ISSUER, carol.address))
        .to.be.revertedWithCustomError(cash, "ConflictingRoles").withArgs(carol.address, ISSUER, COMPLIANCE);
    });

    it("refuses the issuer duty on one contract to the reserve attester of another, and the other way round", async function () {
      const { cash, asset, admin, reserve, carol } = await loadFixture(dvpFixture);
      await expect(asset.connect(admin).grantRole(ISSUER, reserve.address))
        .to.be.revertedWithCustomError(asset, "ConflictingRoles").withArgs(reserve.address, ISSUER, RESERVE);
      await asset.connect(admin).grantRole(ISSUER, carol.address);
      await expect(cash.connect(admin).grantRole(RESERVE, carol.address))
        .to.be.revertedWithCustomError(cash, "ConflictingRoles").withArgs(carol.address, RESERVE, ISSUER);
    });

    it("gives a duty that conflicts with none without asking any contract", async function () {
      const { registry, token, admin, issuer } = await loadFixture(depositTokenFixture);
      const broken = await roleAnswer();
      await registry.connect(admin).addPlatformContract(await broken.getAddress());
      await broken.setAnswer(Answer.Revert);
      await expect(token.connect(admin).grantRole(PAUSER, issuer.address))
        .to.emit(token, "RoleGranted").withArgs(PAUSER, issuer.address, admin.address);
      expect(await registry.requireCompatibleRole(PAUSER, issuer.address)).to.deep.equal([]);
    });
  });

  describe("platform contracts", function () {
    it("answers an operator's check before a grant: a conflicting duty held anywhere is named", async function () {
      const { registry, issuer, carol } = await loadFixture(depositTokenFixture);
      await expect(registry.requireCompatibleRole(COMPLIANCE, issuer.address))
        .to.be.revertedWithCustomError(registry, "ConflictingRoles").withArgs(issuer.address, COMPLIANCE, ISSUER);
      expect(await registry.requireCompatibleRole(COMPLIANCE, carol.address)).to.deep.equal([]);
    });


    it("lists the contracts added and removed by the admin, with events", async function () {
      const { registry, admin } = await loadFixture(depositTokenFixture);
      const before = [...(await registry.platformContracts())];
      const extra = await roleAnswer();
      const address = await extra.getAddress();
      await expect(registry.connect(admin).addPlatformContract(address))
        .to.emit(registry, "PlatformContractAdded").withArgs(address, admin.address);
      expect(await registry.platformContracts()).to.deep.equal([...before, address]);
      await expect(registry.connect(admin).removePlatformContract(address))
        .to.emit(registry, "PlatformContractRemoved").withArgs(address, admin.address);
      expect(await registry.platformContracts()).to.deep.equal(before);
    });

    it("no longer consults a removed contract, while that contract still keeps its own duties apart", async function () {
      const { registry, asset, admin, carol } = await loadFixture(dvpFixture);
      await asset.connect(admin).grantRole(ISSUER, carol.address);
      await registry.connect(admin).removePlatformContract(await asset.getAddress());
      await expect(registry.connect(admin).grantRole(COMPLIANCE, carol.address))
        .to.emit(registry, "RoleGranted").withArgs(COMPLIANCE, carol.address, admin.address);
      await registry.connect(admin).revokeRole(COMPLIANCE, carol.address);
      await expect(asset.connect(admin).grantRole(COMPLIANCE, carol.address))
        .to.be.revertedWithCustomError(asset, "ConflictingRoles").withArgs(carol.address, COMPLIANCE, ISSUER);
    });

    it("refuses an outsider adding or removing a platform contract", async function () {
      const { registry, token, outsider } = await loadFixture(depositTokenFixture);
      const address = await token.getAddress();
      await expect(registry.connect(outsider).addPlatformContract(await registry.getAddress()))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount").withArgs(outsider.address, ethers.ZeroHash);
      await expect(registry.connect(outsider).removePlatformContract(address))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount").withArgs(outsider.address, ethers.ZeroHash);
    });

    it("refuses an address without code, a contract already listed or the registry itself, and an unknown one on removal", async function () {
      const { registry, token, admin, carol } = await loadFixture(depositTokenFixture);
      const asAdmin = registry.connect(admin);
      await expect(asAdmin.addPlatformContract(carol.address))
        .to.be.revertedWithCustomError(registry, "PlatformContractNotAContract").withArgs(carol.address);
      await expect(asAdmin.addPlatformContract(await token.getAddress()))
        .to.be.revertedWithCustomError(registry, "PlatformContractAlreadyAdded").withArgs(await token.getAddress());
      await expect(asAdmin.addPlatformContract(await registry.getAddress()))
        .to.be.revertedWithCustomError(registry, "PlatformContractAlreadyAdded").withArgs(await registry.getAddress());
      await expect(asAdmin.removePlatformContract(carol.address))
        .to.be.revertedWithCustomError(registry, "PlatformContractUnknown").withArgs(carol.address);
    });

    it("refuses a contract that does not answer hasRole", async function () {
      const { registry, admin } = await loadFixture(depositTokenFixture);
      const plain = await ethers.deployContract("PlainERC20");
      await expect(registry.connect(admin).addPlatformContract(await plain.getAddress()))
        .to.be.revertedWithCustomError(registry, "PlatformContractUnreadable").withArgs(await plain.getAddress());
    });

    it("refuses a duty while a platform contract answers hasRole wrongly, until the admin removes it, and counts a yes as a conflict", async function () {
      const { registry, token, admin, carol } = await loadFixture(depositTokenFixture);
      const mock = await roleAnswer();
      const address = await mock.getAddress();
      await registry.connect(admin).addPlatformContract(address);
      for (const answer of [Answer.Revert, Answer.Short, Answer.NotBool]) {
        await mock.setAnswer(answer);
        await expect(token.connect(admin).grantRole(ISSUER, carol.address), `answer ${answer}`)
          .to.be.revertedWithCustomError(registry, "PlatformContractUnreadable").withArgs(address);
      }
      await mock.setAnswer(Answer.Yes);
      await expect(token.connect(admin).grantRole(ISSUER, carol.address))
        .to.be.revertedWithCustomError(token, "ConflictingRoles").withArgs(carol.address, ISSUER, COMPLIANCE);
      await registry.connect(admin).removePlatformContract(address);
      await expect(token.connect(admin).grantRole(ISSUER, carol.address))
        .to.emit(token, "RoleGranted").withArgs(ISSUER, carol.address, admin.address);
    });

    it("lists at most MAX_PLATFORM_CONTRACTS, and a grant of a duty asking all of them stays within a block", async function () {
      const [admin, , , carol] = await ethers.getSigners();
      const registry = await deployRegistry(hre, admin, 0);
      const max = await registry.MAX_PLATFORM_CONTRACTS();
      expect(max).to.equal(64n);
      for (let i = 0n; i < max; i++) await registry.addPlatformContract(await (await roleAnswer()).getAddress());
      const one = await (await roleAnswer()).getAddress();
      await expect(registry.addPlatformContract(one)).to.be.revertedWithCustomError(registry, "TooManyPlatformContracts").withArgs(max);
      const receipt = await (await registry.grantRole(COMPLIANCE, carol.address)).wait();
      expect(receipt!.gasUsed).to.be.lessThan(1_000_000n);
    });
  });
});
