import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { prepareImplementation, upgradeCall, upgradeThroughTimelock } from "../../lib/upgrade";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ADMIN_DELAY, depositTokenFixture, ids, usd } from "../fixtures";
import { shouldBehaveLikePermissionedToken } from "../shared/permissionedToken.behavior";
import { CURRENCIES, deployDepositToken, deploySuite } from "../../lib/suite";

const RedemptionStatus = { None: 0n, Pending: 1n, Completed: 2n, Rejected: 3n };

let creditCount = 0;

async function permissionedContext() {
  const f = await depositTokenFixture();
  return {
    ...f,
    token: await ethers.getContractAt("PermissionedToken", await f.token.getAddress()),
    // The token's issuer is its desk.
    issuer: { address: await f.desk.getAddress() },
    aliceId: ids.alpha,
    bobId: ids.beta,
    unit: usd("1"),
    credit: (to: string, amount: bigint) => f.desk.connect(f.issuer).mint(to, amount, ethers.id(`credit-${++creditCount}`)),
  };
}

describe("DepositToken", function () {
  shouldBehaveLikePermissionedToken(permissionedContext);

  describe("metadata", function () {
    it("describes its currency with the ISO 4217 minor unit as decimals", async function () {
      const { token } = await loadFixture(depositTokenFixture);
      expect(await token.name()).to.equal("USD Deposit Token");
      expect(await token.symbol()).to.equal("USDD");
      expect(await token.currency()).to.equal("USD");
      expect(await token.decimals()).to.equal(2n);
    });

    it("refuses a currency code that is not three upper-case letters", async function () {
      const { registry, admin } = await loadFixture(depositTokenFixture);
      const registryAddress = await registry.getAddress();
      const factory = await ethers.getContractFactory("DepositToken");
      for (const code of ["usd", "US", "USDT", "U$D"]) {
        await expect(deployDepositToken(hre, admin, registryAddress, { ...CURRENCIES.USD, code }, 0), code)
          .to.be.revertedWithCustomError(factory, "InvalidCurrencyCode").withArgs(code);
      }
    });

    it("deploys another currency with its own decimals", async function () {
      const { registry, admin } = await loadFixture(depositTokenFixture);
      const jpy = await deployDepositToken(hre, admin, await registry.getAddress(),
        { code: "JPY", name: "JPY Deposit Token", symbol: "JPYD", decimals: 0 }, 0);
      expect(await jpy.currency()).to.equal("JPY");
      expect(await jpy.decimals()).to.equal(0n);
    });

    it("cannot be initialized twice, nor its implementation at all", async function () {
      const { token, registry, admin } = await loadFixture(depositTokenFixture);
      const args = ["X", "X", "USD", 2, await registry.getAddress(), admin.address, 0] as const;
      await expect(token.initialize(...args)).to.be.revertedWithCustomError(token, "InvalidInitialization");
      const implementation = await ethers.getContractAt("DepositToken",
        await upgrades.erc1967.getImplementationAddress(await token.getAddress()));
      await expect(implementation.initialize(...args))
        .to.be.revertedWithCustomError(token, "InvalidInitialization");
    });
  });

  describe("issuance", function () {
    it("issues against a deposit reference through its desk and announces it", async function () {
      const { token, desk, issuer, bob } = await loadFixture(depositTokenFixture);
      const ref = ethers.id("SWIFT-MT103-0001");
      const tx = desk.connect(issuer).mint(bob.address, usd("1250000.00") / 10n, ref);
      await expect(tx).to.emit(token, "Issued").withArgs(bob.address, usd("125000.00"), ref, await desk.getAddress());
      await expect(tx).to.emit(token, "Transfer").withArgs(ethers.ZeroAddress, bob.address, usd("125000.00"));
      await expect(tx).to.changeTokenBalance(token, bob, usd("125000.00"));
      expect(await token.isDepositRefUsed(ref)).to.equal(true);
    });

    it("issues nothing when a deposit reference is replayed, even by a second issuer that skips the desk's check", async function () {
      const { token, desk, admin, issuer, alice, bob } = await loadFixture(depositTokenFixture);
      const ref = ethers.id("deposit-alice-1");
      const supply = await token.totalSupply();
      await expect(desk.connect(issuer).mint(bob.address, usd("1.00"), ref))
        .to.be.revertedWithCustomError(desk, "DepositRefAlreadyUsed").withArgs(ref);
      // The token keeps the rule itself: the reference is spent there, whoever the issuer is.
      await token.connect(admin).grantRole(ethers.id("ISSUER_ROLE"), admin.address);
      await expect(token.connect(admin).mint(bob.address, usd("1.00"), ref))
        .to.be.revertedWithCustomError(token, "DepositRefAlreadyUsed").withArgs(ref);
      expect(await token.totalSupply()).to.equal(supply);
      expect(await token.balanceOf(alice.address)).to.equal(usd("10000.00"));
    });

    it("issues up to the attested reserves and not one cent more", async function () {
      const { token, desk, issuer, bob } = await loadFixture(depositTokenFixture);
      const headroom = await desk.mintHeadroom();
      expect(headroom).to.equal(usd("980000.00"));
      await expect(desk.connect(issuer).mint(bob.address, headroom + 1n, ethers.id("too-much")))
        .to.be.revertedWithCustomError(desk, "ReservesExceeded").withArgs(usd("1000000.00") + 1n, usd("1000000.00"));
      await desk.connect(issuer).mint(bob.address, headroom, ethers.id("exactly"));
      expect(await token.totalSupply()).to.equal(usd("1000000.00"));
      expect(await desk.mintHeadroom()).to.equal(0n);
    });

    it("refuses a zero amount, a missing reference and the zero address, at the desk and at the token", async function () {
      const { token, desk, admin, issuer, bob } = await loadFixture(depositTokenFixture);
      await expect(desk.connect(issuer).mint(bob.address, 0, ethers.id("z"))).to.be.revertedWithCustomError(desk, "ZeroAmount");
      await expect(desk.connect(issuer).mint(bob.address, 1, ethers.ZeroHash)).to.be.revertedWithCustomError(desk, "ReferenceMissing");
      await expect(desk.connect(issuer).mint(ethers.ZeroAddress, 1, ethers.id("z")))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver").withArgs(ethers.ZeroAddress);
      await token.connect(admin).grantRole(ethers.id("ISSUER_ROLE"), admin.address);
      await expect(token.connect(admin).mint(bob.address, 0, ethers.id("z"))).to.be.revertedWithCustomError(token, "ZeroAmount");
      await expect(token.connect(admin).mint(bob.address, 1, ethers.ZeroHash)).to.be.revertedWithCustomError(token, "ReferenceMissing");
    });

    it("takes issuance, completion and rejection from its desk only: an officer of the desk holds no role on the token", async function () {
      const { token, desk, issuer, secondIssuer, bob, alice } = await loadFixture(depositTokenFixture);
      const ISSUER = ethers.id("ISSUER_ROLE");
      expect(await token.hasRole(ISSUER, await desk.getAddress())).to.equal(true);
      await token.connect(alice).requestRedemption(1n);
      for (const who of [issuer, secondIssuer]) {
        expect(await token.hasRole(ISSUER, who.address)).to.equal(false);
        await expect(token.connect(who).mint(bob.address, 1n, ethers.id("around-the-desk")))
          .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount").withArgs(who.address, ISSUER);
        await expect(token.connect(who).completeRedemption(1n))
          .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount").withArgs(who.address, ISSUER);
      }
    });

    it("refuses issuance to a suspended participant", async function () {
      const { token, desk, registry, compliance, issuer, bob } = await loadFixture(depositTokenFixture);
      await registry.connect(compliance).setStatus(ids.beta, 2);
      await expect(desk.connect(issuer).mint(bob.address, 1, ethers.id("s")))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(bob.address);
    });
  });

  describe("redemption", function () {
    async function requested() {
      const f = await depositTokenFixture();
      await f.token.connect(f.alice).requestRedemption(usd("2500.00"));
      return { ...f, id: 1n };
    }

    it("holds the requested amount out of the holder's balance but in the supply", async function () {
      const { token, alice } = await loadFixture(depositTokenFixture);
      const supply = await token.totalSupply();
      const tx = token.connect(alice).requestRedemption(usd("2500.00"));
      await expect(tx).to.emit(token, "RedemptionRequested").withArgs(1n, alice.address, usd("2500.00"));
      await expect(tx).to.changeTokenBalances(token, [alice, await token.getAddress()], [-usd("2500.00"), usd("2500.00")]);
      expect(await token.totalSupply()).to.equal(supply);
      expect(await token.pendingRedemptions()).to.equal(usd("2500.00"));
      expect(await token.redemptionCount()).to.equal(1n);
      const r = await token.redemption(1n);
      expect([r.holder, r.status, r.amount]).to.deep.equal([alice.address, RedemptionStatus.Pending, usd("2500.00")]);
    });

    it("burns the held amount when the bank completes after the payout", async function () {
      const { token, desk, issuer, alice, id } = await loadFixture(requested);
      const supply = await token.totalSupply();
      await expect(desk.connect(issuer).completeRedemption(id))
        .to.emit(token, "RedemptionCompleted").withArgs(id, alice.address, usd("2500.00"));
      expect(await token.totalSupply()).to.equal(supply - usd("2500.00"));
      expect(await token.pendingRedemptions()).to.equal(0n);
      expect((await token.redemption(id)).status).to.equal(RedemptionStatus.Completed);
    });

    it("returns the held amount intact when the bank rejects", async function () {
      const { token, desk, issuer, alice, id } = await loadFixture(requested);
      const reason = ethers.id("PAYOUT-FAILED: beneficiary account closed");
      const tx = desk.connect(issuer).rejectRedemption(id, reason);
      await expect(tx).to.emit(desk, "RedemptionRejectedBy").withArgs(id, issuer.address, reason);
      await expect(tx).to.emit(token, "RedemptionRejected").withArgs(id, alice.address, usd("2500.00"), reason);
      await expect(tx).to.changeTokenBalance(token, alice, usd("2500.00"));
      expect(await token.pendingRedemptions()).to.equal(0n);
      expect((await token.redemption(id)).status).to.equal(RedemptionStatus.Rejected);
    });

    it("completes or rejects an id once only", async function () {
      const { token, desk, issuer, alice, id } = await loadFixture(requested);
      await desk.connect(issuer).completeRedemption(id);
      await expect(desk.connect(issuer).completeRedemption(id))
        .to.be.revertedWithCustomError(desk, "RedemptionNotPending").withArgs(id, RedemptionStatus.Completed);
      await expect(desk.connect(issuer).rejectRedemption(id, ethers.id("r")))
        .to.be.revertedWithCustomError(desk, "RedemptionNotPending").withArgs(id, RedemptionStatus.Completed);
      await token.connect(alice).requestRedemption(1n);
      await desk.connect(issuer).rejectRedemption(2n, ethers.id("r"));
      await expect(desk.connect(issuer).completeRedemption(2n))
        .to.be.revertedWithCustomError(desk, "RedemptionNotPending").withArgs(2n, RedemptionStatus.Rejected);
      await expect(desk.connect(issuer).completeRedemption(99n))
        .to.be.revertedWithCustomError(desk, "RedemptionNotPending").withArgs(99n, RedemptionStatus.None);
    });

    it("refuses to redeem more than the balance, or zero", async function () {
      const { token, alice } = await loadFixture(depositTokenFixture);
      await expect(token.connect(alice).requestRedemption(usd("10000.01")))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, usd("10000.00"), usd("10000.01"));
      await expect(token.connect(alice).requestRedemption(0)).to.be.revertedWithCustomError(token, "ZeroAmount");
      expect(await token.redemptionCount()).to.equal(0n);
    });

    it("refuses a request from a frozen, suspended or unknown wallet, or while paused", async function () {
      const { token, registry, compliance, pauser, alice, bob, carol } = await loadFixture(depositTokenFixture);
      await token.connect(compliance).freeze(alice.address);
      await expect(token.connect(alice).requestRedemption(1)).to.be.revertedWithCustomError(token, "WalletFrozen")
        .withArgs(alice.address);
      await registry.connect(compliance).setStatus(ids.beta, 2);
      await expect(token.connect(bob).requestRedemption(1))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(bob.address);
      await expect(token.connect(carol).requestRedemption(1))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(carol.address);
      await token.connect(compliance).unfreeze(alice.address);
      await token.connect(pauser).pause();
      await expect(token.connect(alice).requestRedemption(1)).to.be.revertedWithCustomError(token, "TokenPaused");
    });

    it("keeps a rejected redemption pending while the holder cannot receive, until reinstated", async function () {
      const { token, desk, registry, compliance, issuer, alice, id } = await loadFixture(requested);
      await registry.connect(compliance).setStatus(ids.alpha, 2);
      await expect(desk.connect(issuer).rejectRedemption(id, ethers.id("r")))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(alice.address);
      expect((await token.redemption(id)).status).to.equal(RedemptionStatus.Pending);
      await registry.connect(compliance).setStatus(ids.alpha, 1);
      await expect(desk.connect(issuer).rejectRedemption(id, ethers.id("r")))
        .to.changeTokenBalance(token, alice, usd("2500.00"));
    });

    it("completes a paid-out redemption even if the holder was suspended since", async function () {
      const { token, desk, registry, compliance, issuer, id } = await loadFixture(requested);
      await registry.connect(compliance).setStatus(ids.alpha, 2);
      await expect(desk.connect(issuer).completeRedemption(id)).to.emit(token, "RedemptionCompleted");
    });

    it("refuses a missing rejection reason", async function () {
      const { token, desk, issuer, id } = await loadFixture(requested);
      await expect(desk.connect(issuer).rejectRedemption(id, ethers.ZeroHash))
        .to.be.revertedWithCustomError(token, "ReferenceMissing");
    });

    it("leaves completion and rejection to the issuer", async function () {
      const { token, alice, outsider, compliance, id } = await loadFixture(requested);
      for (const who of [alice, outsider, compliance]) {
        await expect(token.connect(who).completeRedemption(id))
          .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount").withArgs(who.address, ethers.id("ISSUER_ROLE"));
        await expect(token.connect(who).rejectRedemption(id, ethers.id("r")))
          .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount").withArgs(who.address, ethers.id("ISSUER_ROLE"));
      }
    });
  });

  describe("roles", function () {
    it("refuses issuance and upgrade to an outsider", async function () {
      const { token, outsider, bob } = await loadFixture(depositTokenFixture);
      const t = token.connect(outsider);
      await expect(t.mint(bob.address, 1, ethers.id("x")))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount").withArgs(outsider.address, ethers.id("ISSUER_ROLE"));
      await expect(t.upgradeToAndCall(outsider.address, "0x"))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount").withArgs(outsider.address, ethers.id("UPGRADER_ROLE"));
    });
  });

  describe("upgrade", function () {
    it("upgrades through the timelock with balances, deposit references and redemptions intact", async function () {
      const { token, upgrader, timelock, alice, bob } = await loadFixture(depositTokenFixture);
      await token.connect(alice).requestRedemption(usd("100.00"));
      const before = [await token.balanceOf(alice.address), await token.balanceOf(bob.address), await token.isDepositRefUsed(ethers.id("deposit-alice-1")),
        await token.redemption(1n), await token.currency(), await token.decimals(), await token.redemptionCount()];
      await upgradeThroughTimelock(hre, timelock, upgrader, await token.getAddress(), "DepositTokenV2Mock");
      const upgraded = await ethers.getContractAt("DepositTokenV2Mock", await token.getAddress());
      expect(await upgraded.version()).to.equal("2");
      const after = await ethers.getContractAt("DepositToken", await token.getAddress());
      expect([await after.balanceOf(alice.address), await after.balanceOf(bob.address), await after.isDepositRefUsed(ethers.id("deposit-alice-1")),
        await after.redemption(1n), await after.currency(), await after.decimals(), await after.redemptionCount()]).to.deep.equal(before);
      expect(before[2]).to.equal(true);
    });

    it("refuses an upgrade by anyone but the timelock, even the admin or the upgrade key itself", async function () {
      const { token, admin, upgrader } = await loadFixture(depositTokenFixture);
      for (const who of [admin, upgrader]) {
        const v2 = await ethers.getContractFactory("DepositTokenV2Mock", who);
        await expect(upgrades.upgradeProxy(await token.getAddress(), v2, { kind: "uups" }))
          .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, ethers.id("UPGRADER_ROLE"));
      }
    });

    it("waits out the timelock's delay: an upgrade cannot run before it, nor with a shorter delay", async function () {
      const { admin, upgrader, roles } = await loadFixture(depositTokenFixture);
      const delay = 2 * 24 * 3600;
      const { tokens, timelock } = await deploySuite(hre, { admin, roles, currencies: [CURRENCIES.EUR], adminDelay: 0, upgradeDelay: delay });
      const proxy = await tokens.EUR.getAddress();
      const implementation = await prepareImplementation(hre, proxy, "DepositTokenV2Mock", upgrader);
      const data = upgradeCall(hre, implementation);
      const salt = ethers.id("eur-v2");
      await expect(timelock.connect(upgrader).schedule(proxy, 0, data, ethers.ZeroHash, salt, delay - 1))
        .to.be.revertedWithCustomError(timelock, "TimelockInsufficientDelay").withArgs(delay - 1, delay);
      await timelock.connect(upgrader).schedule(proxy, 0, data, ethers.ZeroHash, salt, delay);
      const id = await timelock.hashOperation(proxy, 0, data, ethers.ZeroHash, salt);
      const READY = "0x" + (1 << 2).toString(16).padStart(64, "0");
      await expect(timelock.connect(upgrader).execute(proxy, 0, data, ethers.ZeroHash, salt))
        .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState").withArgs(id, READY);
      await expect(timelock.connect(admin).schedule(proxy, 0, data, ethers.ZeroHash, ethers.id("admin"), delay))
        .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount").withArgs(admin.address, await timelock.PROPOSER_ROLE());
      await time.increase(delay);
      await timelock.connect(upgrader).execute(proxy, 0, data, ethers.ZeroHash, salt);
      expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(implementation);
    });

    it("refuses an implementation whose storage layout breaks the deployed one", async function () {
      const { token } = await loadFixture(depositTokenFixture);
      const bad = await ethers.getContractFactory("DepositTokenBadLayoutMock");
      await expect(upgrades.validateUpgrade(await token.getAddress(), bad, { kind: "uups" }))
        .to.be.rejectedWith(/New storage layout is incompatible|Deleted|Replaced|Layout|incompatible/i);
    });

    it("refuses to upgrade a token of the earlier layout, whose frozen flags were a mapping, to this one: it would lose every freeze", async function () {
      const earlier = await ethers.getContractFactory("PermissionedTokenFrozenMappingMock");
      for (const name of ["DepositToken", "SecurityToken"]) {
        await expect(upgrades.validateUpgrade(earlier, await ethers.getContractFactory(name), { kind: "uups" }))
          .to.be.rejectedWith(/Deleted `frozen`/);
      }
    });
  });

  it("enforces the admin-transfer delay it was deployed with", async function () {
    const { token } = await loadFixture(depositTokenFixture);
    expect(await token.defaultAdminDelay()).to.equal(BigInt(ADMIN_DELAY));
  });
});
