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
    aliceId: ids.alpha,
    bobId: ids.beta,
    unit: usd("1"),
    credit: (to: string, amount: bigint) => f.token.connect(f.issuer).mint(to, amount, ethers.id(`credit-${++creditCount}`)),
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
    it("issues against a deposit reference and announces it", async function () {
      const { token, issuer, bob } = await loadFixture(depositTokenFixture);
      const ref = ethers.id("SWIFT-MT103-0001");
      const tx = token.connect(issuer).mint(bob.address, usd("1250000.00") / 10n, ref);
      await expect(tx).to.emit(token, "Issued").withArgs(bob.address, usd("125000.00"), ref, issuer.address);
      await expect(tx).to.emit(token, "Transfer").withArgs(ethers.ZeroAddress, bob.address, usd("125000.00"));
      await expect(tx).to.changeTokenBalance(token, bob, usd("125000.00"));
      expect(await token.isDepositRefUsed(ref)).to.equal(true);
    });

    it("issues nothing when a deposit reference is replayed", async function () {
      const { token, issuer, alice, bob } = await loadFixture(depositTokenFixture);
      const ref = ethers.id("deposit-alice-1");
      const supply = await token.totalSupply();
      await expect(token.connect(issuer).mint(bob.address, usd("1.00"), ref))
        .to.be.revertedWithCustomError(token, "DepositRefAlreadyUsed").withArgs(ref);
      expect(await token.totalSupply()).to.equal(supply);
      expect(await token.balanceOf(alice.address)).to.equal(usd("10000.00"));
    });

    it("issues up to the attested reserves and not one cent more", async function () {
      const { token, issuer, bob } = await loadFixture(depositTokenFixture);
      const headroom = await token.mintHeadroom();
      expect(headroom).to.equal(usd("980000.00"));
      await expect(token.connect(issuer).mint(bob.address, headroom + 1n, ethers.id("too-much")))
        .to.be.revertedWithCustomError(token, "ReservesExceeded").withArgs(usd("1000000.00") + 1n, usd("1000000.00"));
      await token.connect(issuer).mint(bob.address, headroom, ethers.id("exactly"));
      expect(await token.totalSupply()).to.equal(usd("1000000.00"));
      expect(await token.mintHeadroom()).to.equal(0n);
    });

    it("refuses a zero amount, a missing reference and the zero address", async function () {
      const { token, issuer, bob } = await loadFixture(depositTokenFixture);
      await expect(token.connect(issuer).mint(bob.address, 0, ethers.id("z")))
        .to.be.revertedWithCustomError(token, "ZeroAmount");
      await expect(token.connect(issuer).mint(bob.address, 1, ethers.ZeroHash))
        .to.be.revertedWithCustomError(token, "ReferenceMissing");
      await expect(token.connect(issuer).mint(ethers.ZeroAddress, 1, ethers.id("z")))
        .to.be.revertedWithCustomError(token, "ERC20InvalidReceiver").withArgs(ethers.ZeroAddress);
    });

    it("refuses issuance to a suspended participant", async function () {
      const { token, registry, compliance, issuer, bob } = await loadFixture(depositTokenFixture);
      await registry.connect(compliance).setStatus(ids.beta, 2);
      await expect(token.connect(issuer).mint(bob.address, 1, ethers.id("s")))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(bob.address);
    });
  });

  describe("reserves", function () {
    it("records an attestation with its report hash", async function () {
      const { token, reserve } = await loadFixture(depositTokenFixture);
      const report = ethers.id("attestation-2026-11-24.pdf");
      const tx = token.connect(reserve).attestReserves(usd("2000000.00"), report);
      await expect(tx).to.emit(token, "ReservesAttested")
        .withArgs(usd("2000000.00"), report, usd("20000.00"), reserve.address);
      const [amount, hash, at] = await token.reserves();
      expect([amount, hash, at]).to.deep.equal([usd("2000000.00"), report, BigInt(await time.latest())]);
      expect(await token.mintHeadroom()).to.equal(usd("1980000.00"));
    });

    it("refuses a missing report hash", async function () {
      const { token, reserve } = await loadFixture(depositTokenFixture);
      await expect(token.connect(reserve).attestReserves(usd("20000.00"), ethers.ZeroHash))
        .to.be.revertedWithCustomError(token, "ReferenceMissing");
    });

    it("records an attestation below the supply as a shortfall and refuses issuance until reserves cover it", async function () {
      const { token, reserve, issuer, bob } = await loadFixture(depositTokenFixture);
      const report = ethers.id("attestation-shortfall");
      const tx = token.connect(reserve).attestReserves(usd("15000.00"), report);
      await expect(tx).to.emit(token, "ReservesAttested").withArgs(usd("15000.00"), report, usd("20000.00"), reserve.address);
      await expect(tx).to.emit(token, "ReservesShortfall").withArgs(usd("15000.00"), usd("20000.00"));
      expect((await token.reserves())[0]).to.equal(usd("15000.00"));
      expect(await token.mintHeadroom()).to.equal(0n);
      await expect(token.connect(issuer).mint(bob.address, 1n, ethers.id("while-short")))
        .to.be.revertedWithCustomError(token, "ReservesExceeded").withArgs(usd("20000.00") + 1n, usd("15000.00"));
      await expect(token.connect(reserve).attestReserves(usd("20000.01"), ethers.id("covered")))
        .to.not.emit(token, "ReservesShortfall");
      await expect(token.connect(issuer).mint(bob.address, 1n, ethers.id("covered-again"))).to.changeTokenBalance(token, bob, 1n);
    });

    it("lowers the reserves by every completed redemption, so the payout cannot be issued again", async function () {
      const { token, reserve, issuer, alice, bob } = await loadFixture(depositTokenFixture);
      await token.connect(reserve).attestReserves(usd("20000.00"), ethers.id("exact"));
      expect(await token.mintHeadroom()).to.equal(0n);
      await token.connect(alice).requestRedemption(usd("2500.00"));
      await expect(token.connect(issuer).completeRedemption(1n))
        .to.emit(token, "RedemptionCompleted").withArgs(1n, alice.address, usd("2500.00"), usd("17500.00"));
      expect((await token.reserves())[0]).to.equal(usd("17500.00"));
      expect(await token.mintHeadroom()).to.equal(0n);
      await expect(token.connect(issuer).mint(bob.address, usd("2500.00"), ethers.id("re-issue")))
        .to.be.revertedWithCustomError(token, "ReservesExceeded").withArgs(usd("20000.00"), usd("17500.00"));
    });

    it("stops the reserves at zero when a payout exceeds what is recorded", async function () {
      const { token, reserve, issuer, alice } = await loadFixture(depositTokenFixture);
      await token.connect(reserve).attestReserves(usd("1000.00"), ethers.id("short"));
      await token.connect(alice).requestRedemption(usd("2500.00"));
      await expect(token.connect(issuer).completeRedemption(1n))
        .to.emit(token, "RedemptionCompleted").withArgs(1n, alice.address, usd("2500.00"), 0n);
      expect((await token.reserves())[0]).to.equal(0n);
      expect(await token.totalSupply()).to.equal(usd("17500.00"));
    });

    it("refuses issuance on an attestation older than the maximum age, with its time", async function () {
      const { token, reserve, issuer, bob } = await loadFixture(depositTokenFixture);
      const maxAge = await token.maxAttestationAge();
      expect(maxAge).to.equal(35n * 24n * 3600n);
      expect(await token.DEFAULT_MAX_ATTESTATION_AGE()).to.equal(maxAge);
      const [, , attestedAt] = await token.reserves();
      await time.setNextBlockTimestamp(attestedAt + maxAge);
      await token.connect(issuer).mint(bob.address, 1n, ethers.id("last-second"));
      await time.setNextBlockTimestamp(attestedAt + maxAge + 1n);
      await expect(token.connect(issuer).mint(bob.address, 1n, ethers.id("stale")))
        .to.be.revertedWithCustomError(token, "AttestationStale").withArgs(attestedAt, maxAge);
      await token.connect(reserve).attestReserves(usd("1000000.00"), ethers.id("fresh"));
      await expect(token.connect(issuer).mint(bob.address, 1n, ethers.id("fresh-mint"))).to.changeTokenBalance(token, bob, 1n);
    });

    it("refuses issuance before the first attestation as stale", async function () {
      const { registry, admin } = await loadFixture(depositTokenFixture);
      const eur = await deployDepositToken(hre, admin, await registry.getAddress(), CURRENCIES.EUR, 0);
      await eur.connect(admin).grantRole(ethers.id("ISSUER_ROLE"), admin.address);
      await expect(eur.connect(admin).mint(admin.address, 1n, ethers.id("first")))
        .to.be.revertedWithCustomError(eur, "AttestationStale").withArgs(0n, 35n * 24n * 3600n);
    });

    it("lets the admin set the maximum attestation age, never to zero", async function () {
      const { token, admin, reserve, issuer, outsider, bob } = await loadFixture(depositTokenFixture);
      await expect(token.connect(admin).setMaxAttestationAge(7 * 24 * 3600))
        .to.emit(token, "MaxAttestationAgeChanged").withArgs(35 * 24 * 3600, 7 * 24 * 3600, admin.address);
      expect(await token.maxAttestationAge()).to.equal(7n * 24n * 3600n);
      await time.increase(7 * 24 * 3600 + 1);
      await expect(token.connect(issuer).mint(bob.address, 1n, ethers.id("week-old")))
        .to.be.revertedWithCustomError(token, "AttestationStale");
      await expect(token.connect(admin).setMaxAttestationAge(0))
        .to.be.revertedWithCustomError(token, "InvalidMaxAttestationAge").withArgs(0);
      for (const who of [outsider, reserve, issuer]) {
        await expect(token.connect(who).setMaxAttestationAge(1))
          .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount").withArgs(who.address, ethers.ZeroHash);
      }
    });

    it("refuses one account both issuing and attesting, whichever role it holds first", async function () {
      const { token, admin, issuer, reserve } = await loadFixture(depositTokenFixture);
      const [ISSUER, RESERVE] = [ethers.id("ISSUER_ROLE"), ethers.id("RESERVE_ROLE")];
      await expect(token.connect(admin).grantRole(RESERVE, issuer.address))
        .to.be.revertedWithCustomError(token, "ConflictingRoles").withArgs(issuer.address, RESERVE, ISSUER);
      await expect(token.connect(admin).grantRole(ISSUER, reserve.address))
        .to.be.revertedWithCustomError(token, "ConflictingRoles").withArgs(reserve.address, ISSUER, RESERVE);
      expect(await token.hasRole(RESERVE, issuer.address)).to.equal(false);
    });

    it("keeps issuing and attesting apart", async function () {
      const { token, issuer, reserve, bob } = await loadFixture(depositTokenFixture);
      await expect(token.connect(issuer).attestReserves(usd("5000000.00"), ethers.id("r")))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(issuer.address, ethers.id("RESERVE_ROLE"));
      await expect(token.connect(reserve).mint(bob.address, 1, ethers.id("m")))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount")
        .withArgs(reserve.address, ethers.id("ISSUER_ROLE"));
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
      const { token, issuer, alice, id } = await loadFixture(requested);
      const supply = await token.totalSupply();
      await expect(token.connect(issuer).completeRedemption(id))
        .to.emit(token, "RedemptionCompleted").withArgs(id, alice.address, usd("2500.00"), usd("997500.00"));
      expect(await token.totalSupply()).to.equal(supply - usd("2500.00"));
      expect(await token.pendingRedemptions()).to.equal(0n);
      expect((await token.redemption(id)).status).to.equal(RedemptionStatus.Completed);
    });

    it("returns the held amount intact when the bank rejects", async function () {
      const { token, issuer, alice, id } = await loadFixture(requested);
      const reason = ethers.id("PAYOUT-FAILED: beneficiary account closed");
      const tx = token.connect(issuer).rejectRedemption(id, reason);
      await expect(tx).to.emit(token, "RedemptionRejected").withArgs(id, alice.address, usd("2500.00"), reason);
      await expect(tx).to.changeTokenBalance(token, alice, usd("2500.00"));
      expect(await token.pendingRedemptions()).to.equal(0n);
      expect((await token.redemption(id)).status).to.equal(RedemptionStatus.Rejected);
    });

    it("completes or rejects an id once only", async function () {
      const { token, issuer, alice, id } = await loadFixture(requested);
      await token.connect(issuer).completeRedemption(id);
      await expect(token.connect(issuer).completeRedemption(id))
        .to.be.revertedWithCustomError(token, "RedemptionNotPending").withArgs(id, RedemptionStatus.Completed);
      await expect(token.connect(issuer).rejectRedemption(id, ethers.id("r")))
        .to.be.revertedWithCustomError(token, "RedemptionNotPending").withArgs(id, RedemptionStatus.Completed);
      await token.connect(alice).requestRedemption(1n);
      await token.connect(issuer).rejectRedemption(2n, ethers.id("r"));
      await expect(token.connect(issuer).completeRedemption(2n))
        .to.be.revertedWithCustomError(token, "RedemptionNotPending").withArgs(2n, RedemptionStatus.Rejected);
      await expect(token.connect(issuer).completeRedemption(99n))
        .to.be.revertedWithCustomError(token, "RedemptionNotPending").withArgs(99n, RedemptionStatus.None);
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
      const { token, registry, compliance, issuer, alice, id } = await loadFixture(requested);
      await registry.connect(compliance).setStatus(ids.alpha, 2);
      await expect(token.connect(issuer).rejectRedemption(id, ethers.id("r")))
        .to.be.revertedWithCustomError(token, "ParticipantNotAllowed").withArgs(alice.address);
      expect((await token.redemption(id)).status).to.equal(RedemptionStatus.Pending);
      await registry.connect(compliance).setStatus(ids.alpha, 1);
      await expect(token.connect(issuer).rejectRedemption(id, ethers.id("r")))
        .to.changeTokenBalance(token, alice, usd("2500.00"));
    });

    it("completes a paid-out redemption even if the holder was suspended since", async function () {
      const { token, registry, compliance, issuer, id } = await loadFixture(requested);
      await registry.connect(compliance).setStatus(ids.alpha, 2);
      await expect(token.connect(issuer).completeRedemption(id)).to.emit(token, "RedemptionCompleted");
    });

    it("refuses a missing rejection reason", async function () {
      const { token, issuer, id } = await loadFixture(requested);
      await expect(token.connect(issuer).rejectRedemption(id, ethers.ZeroHash))
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
    it("refuses issuance, attestation and upgrade to an outsider", async function () {
      const { token, outsider, bob } = await loadFixture(depositTokenFixture);
      const t = token.connect(outsider);
      await expect(t.mint(bob.address, 1, ethers.id("x")))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount").withArgs(outsider.address, ethers.id("ISSUER_ROLE"));
      await expect(t.attestReserves(1, ethers.id("x")))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount").withArgs(outsider.address, ethers.id("RESERVE_ROLE"));
      await expect(t.upgradeToAndCall(outsider.address, "0x"))
        .to.be.revertedWithCustomError(token, "AccessControlUnauthorizedAccount").withArgs(outsider.address, ethers.id("UPGRADER_ROLE"));
    });
  });

  describe("upgrade", function () {
    it("upgrades through the timelock with balances, reserves and redemptions intact", async function () {
      const { token, upgrader, timelock, alice, bob } = await loadFixture(depositTokenFixture);
      await token.connect(alice).requestRedemption(usd("100.00"));
      const before = [await token.balanceOf(alice.address), await token.balanceOf(bob.address), await token.reserves(),
        await token.redemption(1n), await token.currency(), await token.decimals(), await token.maxAttestationAge()];
      await upgradeThroughTimelock(hre, timelock, upgrader, await token.getAddress(), "DepositTokenV2Mock");
      const upgraded = await ethers.getContractAt("DepositTokenV2Mock", await token.getAddress());
      expect(await upgraded.version()).to.equal("2");
      const after = await ethers.getContractAt("DepositToken", await token.getAddress());
      expect([await after.balanceOf(alice.address), await after.balanceOf(bob.address), await after.reserves(),
        await after.redemption(1n), await after.currency(), await after.decimals(), await after.maxAttestationAge()]).to.deep.equal(before);
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
  });

  it("enforces the admin-transfer delay it was deployed with", async function () {
    const { token } = await loadFixture(depositTokenFixture);
    expect(await token.defaultAdminDelay()).to.equal(BigInt(ADMIN_DELAY));
  });
});
