import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { dvpFixture, ids, proposedTerms } from "../fixtures";
import { shouldBehaveLikePermissionedToken } from "../shared/permissionedToken.behavior";
import { DEMO_SECURITY } from "../../lib/suite";
import { upgradeThroughTimelock } from "../../lib/upgrade";

async function securityContext() {
  const f = await dvpFixture();
  await f.asset.connect(f.issuer).issue(f.bob.address, 500n);
  return {
    ...f,
    token: await ethers.getContractAt("PermissionedToken", await f.asset.getAddress()),
    aliceId: ids.alpha,
    bobId: ids.beta,
    unit: 1n,
    credit: (to: string, amount: bigint) => f.asset.connect(f.issuer).issue(to, amount),
  };
}

async function deploySecurity(isin: string) {
  const [admin] = await ethers.getSigners();
  const { registry } = await loadFixture(dvpFixture);
  const factory = await ethers.getContractFactory("SecurityToken", admin);
  // A fixture's snapshot may have reverted the implementation the upgrades plugin remembers: deploy a fresh one.
  return upgrades.deployProxy(factory, ["Note", "NT", isin, 0, await registry.getAddress(), admin.address, 0], { kind: "uups", redeployImplementation: "always" });
}

describe("SecurityToken", function () {
  shouldBehaveLikePermissionedToken(securityContext);

  it("refuses issuance past a supply of 2^255 - 1 (every balance below the frozen flag) and issues up to it", async function () {
    const { asset, issuer, alice, bob } = await loadFixture(dvpFixture);
    const limit = 2n ** 255n - 1n;
    const room = limit - (await asset.totalSupply());
    await expect(asset.connect(issuer).issue(alice.address, room + 1n))
      .to.be.revertedWithCustomError(asset, "SupplyLimitExceeded").withArgs(limit + 1n, limit);
    const held = await asset.balanceOf(alice.address);
    await asset.connect(issuer).issue(alice.address, room);
    expect([await asset.totalSupply(), await asset.balanceOf(alice.address), await asset.isFrozen(alice.address)]).to.deep.equal([limit, held + room, false]);
    await expect(asset.connect(issuer).issue(bob.address, 1n))
      .to.be.revertedWithCustomError(asset, "SupplyLimitExceeded").withArgs(limit + 1n, limit);
    await asset.connect(alice).transfer(bob.address, held + room);
    expect([await asset.balanceOf(alice.address), await asset.isFrozen(bob.address)]).to.deep.equal([0n, false]);
  });

  it("describes the security by its ISIN, in whole units", async function () {
    const { asset } = await loadFixture(dvpFixture);
    expect([await asset.isin(), await asset.decimals(), await asset.symbol()]).to.deep.equal([DEMO_SECURITY.isin, 0n, DEMO_SECURITY.symbol]);
  });

  it("accepts valid ISINs and refuses malformed ones or a wrong check digit", async function () {
    for (const isin of ["US0378331005", "GB0002634946", "DE000BAY0017", "XS2314659447"]) {
      const token = await deploySecurity(isin);
      expect(await token.isin(), isin).to.equal(isin);
    }
    const factory = await ethers.getContractFactory("SecurityToken");
    for (const isin of ["US0378331006", "US037833100", "us0378331005", "1S0378331005", "US03783310-5", "US037833100X"]) {
      await expect(deploySecurity(isin), isin).to.be.revertedWithCustomError(factory, "InvalidIsin").withArgs(isin);
    }
  });

  it("issues and redeems units through the issuer agent", async function () {
    const { asset, issuer, bob } = await loadFixture(dvpFixture);
    await expect(asset.connect(issuer).issue(bob.address, 250n))
      .to.emit(asset, "SecuritiesIssued").withArgs(bob.address, 250n, issuer.address);
    await expect(asset.connect(issuer).redeem(bob.address, 100n))
      .to.emit(asset, "SecuritiesRedeemed").withArgs(bob.address, 100n, issuer.address);
    expect(await asset.balanceOf(bob.address)).to.equal(150n);
    expect(await asset.totalSupply()).to.equal(1150n);
  });

  it("refuses zero amounts, redemption above the balance, and a holder who is not allowed", async function () {
    const { asset, issuer, registry, compliance, alice, bob, carol } = await loadFixture(dvpFixture);
    await expect(asset.connect(issuer).issue(bob.address, 0)).to.be.revertedWithCustomError(asset, "ZeroAmount");
    await expect(asset.connect(issuer).redeem(alice.address, 0)).to.be.revertedWithCustomError(asset, "ZeroAmount");
    await expect(asset.connect(issuer).redeem(alice.address, 1001n))
      .to.be.revertedWithCustomError(asset, "ERC20InsufficientBalance").withArgs(alice.address, 1000n, 1001n);
    await expect(asset.connect(issuer).issue(carol.address, 1n))
      .to.be.revertedWithCustomError(asset, "ParticipantNotAllowed").withArgs(carol.address);
    await registry.connect(compliance).setStatus(ids.alpha, 2);
    await expect(asset.connect(issuer).redeem(alice.address, 1n))
      .to.be.revertedWithCustomError(asset, "ParticipantNotAllowed").withArgs(alice.address);
  });

  it("refuses issuance, redemption and upgrade to an outsider", async function () {
    const { asset, outsider, alice } = await loadFixture(dvpFixture);
    await expect(asset.connect(outsider).issue(alice.address, 1n))
      .to.be.revertedWithCustomError(asset, "AccessControlUnauthorizedAccount").withArgs(outsider.address, ethers.id("ISSUER_ROLE"));
    await expect(asset.connect(outsider).redeem(alice.address, 1n))
      .to.be.revertedWithCustomError(asset, "AccessControlUnauthorizedAccount").withArgs(outsider.address, ethers.id("ISSUER_ROLE"));
    await expect(asset.connect(outsider).upgradeToAndCall(outsider.address, "0x"))
      .to.be.revertedWithCustomError(asset, "AccessControlUnauthorizedAccount").withArgs(outsider.address, ethers.id("UPGRADER_ROLE"));
  });

  it("refuses to redeem units held by a custodian (the escrow's locked legs)", async function () {
    const { asset, escrow, escrowAddress, issuer, alice, terms } = await loadFixture(dvpFixture);
    const receipt = await (await escrow.connect(alice).proposeTrade(terms)).wait();
    const tradeId = escrow.interface.parseLog(receipt!.logs[0])!.args.tradeId as string;
    await escrow.connect(alice).fund(tradeId, await proposedTerms(escrow, tradeId));
    await expect(asset.connect(issuer).redeem(escrowAddress, 1n))
      .to.be.revertedWithCustomError(asset, "InvalidRedemptionSource").withArgs(escrowAddress);
    expect(await asset.balanceOf(escrowAddress)).to.equal(terms.assetAmount);
  });

  it("upgrades through the timelock with holdings and ISIN intact", async function () {
    const { asset, upgrader, alice, timelock } = await loadFixture(dvpFixture);
    await upgradeThroughTimelock(hre, timelock, upgrader, await asset.getAddress(), "SecurityTokenV2Mock");
    const upgraded = await ethers.getContractAt("SecurityTokenV2Mock", await asset.getAddress());
    expect(await upgraded.version()).to.equal("2");
    expect([await asset.isin(), await asset.balanceOf(alice.address)]).to.deep.equal([DEMO_SECURITY.isin, 1000n]);
  });
});
