import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { depositTokenFixture } from "../fixtures";
import { CURRENCIES, deploySuite } from "../../lib/suite";
import { roleId } from "../../lib/roles";
import { keyRotationCalls, prepareImplementation, TimelockCall, upgradeCall } from "../../lib/upgrade";
import type { UpgradeTimelock } from "../../typechain-types";

const DELAY = 2 * 24 * 3600;
const PROPOSER = roleId("PROPOSER_ROLE");
const EXECUTOR = roleId("EXECUTOR_ROLE");
const CANCELLER = roleId("CANCELLER_ROLE");
const READY = "0x" + (1 << 2).toString(16).padStart(64, "0");

/** The platform with a two-day upgrade delay, an upgrade of the USD token prepared, and a key to rotate to. */
async function timelockFixture() {
  const base = await depositTokenFixture();
  const { admin, roles, upgrader } = base;
  const { tokens, timelock } = await deploySuite(hre, { admin, roles, currencies: [CURRENCIES.USD], adminDelay: 0, upgradeDelay: DELAY });
  const proxy = await tokens.USD.getAddress();
  const implementation = await prepareImplementation(hre, proxy, "DepositTokenV2Mock", upgrader);
  const upgrade = { target: proxy, value: 0n, data: upgradeCall(hre, implementation) };
  const newKey = ethers.Wallet.createRandom().connect(ethers.provider);
  await admin.sendTransaction({ to: newKey.address, value: ethers.parseEther("1") });
  return { ...base, timelock, proxy, implementation, upgrade, newKey };
}

const schedule = (timelock: UpgradeTimelock, c: TimelockCall, salt: string) => timelock.schedule(c.target, c.value, c.data, ethers.ZeroHash, salt, DELAY);
const execute = (timelock: UpgradeTimelock, c: TimelockCall, salt: string) => timelock.execute(c.target, c.value, c.data, ethers.ZeroHash, salt);
const batch = (calls: TimelockCall[]) => [calls.map((c) => c.target), calls.map((c) => c.value), calls.map((c) => c.data)] as const;

describe("UpgradeTimelock", function () {
  it("gives CANCELLER_ROLE to the guardian alone: the upgrade key cannot cancel, the guardian cancels a scheduled upgrade", async function () {
    const { timelock, upgrader, guardian, outsider, upgrade } = await loadFixture(timelockFixture);
    expect(await timelock.hasRole(CANCELLER, guardian.address)).to.equal(true);
    expect(await timelock.hasRole(CANCELLER, upgrader.address)).to.equal(false);
    const salt = ethers.id("v2");
    await schedule(timelock.connect(upgrader), upgrade, salt);
    const id = await timelock.hashOperation(upgrade.target, 0, upgrade.data, ethers.ZeroHash, salt);
    for (const who of [upgrader, outsider]) {
      await expect(timelock.connect(who).cancel(id))
        .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount").withArgs(who.address, CANCELLER);
    }
    await expect(timelock.connect(guardian).cancel(id)).to.emit(timelock, "Cancelled").withArgs(id);
    await time.increase(DELAY);
    await expect(execute(timelock.connect(upgrader), upgrade, salt))
      .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState").withArgs(id, READY);
  });

  it("lets the guardian alone neither schedule nor execute anything, nor change the timelock's roles or delay", async function () {
    const { timelock, upgrader, guardian, upgrade } = await loadFixture(timelockFixture);
    await expect(schedule(timelock.connect(guardian), upgrade, ethers.id("guardian")))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount").withArgs(guardian.address, PROPOSER);
    await expect(timelock.connect(guardian).scheduleBatch(...batch([upgrade]), ethers.ZeroHash, ethers.id("guardian"), DELAY))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount").withArgs(guardian.address, PROPOSER);
    const salt = ethers.id("v2");
    await schedule(timelock.connect(upgrader), upgrade, salt);
    await time.increase(DELAY);
    await expect(execute(timelock.connect(guardian), upgrade, salt))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount").withArgs(guardian.address, EXECUTOR);
    await expect(timelock.connect(guardian).executeBatch(...batch([upgrade]), ethers.ZeroHash, salt))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount").withArgs(guardian.address, EXECUTOR);
    await expect(timelock.connect(guardian).grantRole(PROPOSER, guardian.address))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount").withArgs(guardian.address, ethers.ZeroHash);
    await expect(timelock.connect(guardian).updateDelay(0))
      .to.be.revertedWithCustomError(timelock, "TimelockUnauthorizedCaller").withArgs(guardian.address);
    await expect(execute(timelock.connect(upgrader), upgrade, salt)).to.emit(timelock, "CallExecuted");
  });

  it("refuses at deployment no guardian, a guardian that proposes or executes, and the zero address", async function () {
    const { admin, upgrader, guardian } = await loadFixture(timelockFixture);
    const factory = await ethers.getContractFactory("UpgradeTimelock", admin);
    const u = upgrader.address;
    const g = guardian.address;
    await expect(factory.deploy(DELAY, [u], [u], [])).to.be.revertedWithCustomError(factory, "NoGuardian");
    await expect(factory.deploy(DELAY, [u, g], [u], [g]))
      .to.be.revertedWithCustomError(factory, "ConflictingRoles").withArgs(g, CANCELLER, PROPOSER);
    await expect(factory.deploy(DELAY, [u], [u, g], [g]))
      .to.be.revertedWithCustomError(factory, "ConflictingRoles").withArgs(g, CANCELLER, EXECUTOR);
    await expect(factory.deploy(DELAY, [u], [ethers.ZeroAddress], [g]))
      .to.be.revertedWithCustomError(factory, "RoleForZeroAddress").withArgs(EXECUTOR);
    await expect(factory.deploy(DELAY, [u], [u], [ethers.ZeroAddress]))
      .to.be.revertedWithCustomError(factory, "RoleForZeroAddress").withArgs(CANCELLER);
    const timelock = await factory.deploy(DELAY, [u], [u], [g]);
    await expect(timelock.deploymentTransaction()).to.emit(timelock, "RoleGranted").withArgs(CANCELLER, g, admin.address);
    expect(await timelock.hasRole(PROPOSER, u)).to.equal(true);
    expect(await timelock.hasRole(CANCELLER, u)).to.equal(false);
  });

  it("replaces the upgrade key after the delay with a batch the old key can neither cancel nor hold back", async function () {
    const { timelock, upgrader, guardian, upgrade, proxy, implementation, newKey } = await loadFixture(timelockFixture);
    const address = await timelock.getAddress();
    // an upgrade the old key scheduled before it was replaced
    await schedule(timelock.connect(upgrader), upgrade, ethers.id("old-key-upgrade"));
    const oldUpgrade = await timelock.hashOperation(upgrade.target, 0, upgrade.data, ethers.ZeroHash, ethers.id("old-key-upgrade"));
    const calls = keyRotationCalls(timelock, address, [upgrader.address], newKey.address);
    const salt = ethers.id("rotation");
    await timelock.connect(upgrader).scheduleBatch(...batch(calls), ethers.ZeroHash, salt, DELAY);
    const id = await timelock.hashOperationBatch(...batch(calls), ethers.ZeroHash, salt);
    await expect(timelock.connect(upgrader).cancel(id))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount").withArgs(upgrader.address, CANCELLER);
    await expect(timelock.connect(newKey).executeBatch(...batch(calls), ethers.ZeroHash, salt))
      .to.be.revertedWithCustomError(timelock, "TimelockUnexpectedOperationState").withArgs(id, READY);
    await time.increaseTo(await timelock.getTimestamp(id));
    // the old key does not execute it: the new key does, holding no role yet
    await expect(timelock.connect(newKey).executeBatch(...batch(calls), ethers.ZeroHash, salt))
      .to.emit(timelock, "RoleGranted").withArgs(PROPOSER, newKey.address, address)
      .and.to.emit(timelock, "RoleGranted").withArgs(EXECUTOR, newKey.address, address)
      .and.to.emit(timelock, "RoleRevoked").withArgs(PROPOSER, upgrader.address, address)
      .and.to.emit(timelock, "RoleRevoked").withArgs(EXECUTOR, upgrader.address, address);
    await expect(schedule(timelock.connect(upgrader), upgrade, ethers.id("after")))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount").withArgs(upgrader.address, PROPOSER);
    await expect(execute(timelock.connect(upgrader), upgrade, ethers.id("old-key-upgrade")))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount").withArgs(upgrader.address, EXECUTOR);
    await expect(timelock.connect(guardian).cancel(oldUpgrade)).to.emit(timelock, "Cancelled").withArgs(oldUpgrade);
    // the new key upgrades, after the delay
    await schedule(timelock.connect(newKey), upgrade, ethers.id("new-key-upgrade"));
    await time.increase(DELAY);
    await execute(timelock.connect(newKey), upgrade, ethers.id("new-key-upgrade"));
    expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(implementation);
  });

  it("still carries out the replacement when the old key renounces its roles first", async function () {
    const { timelock, upgrader, outsider, newKey } = await loadFixture(timelockFixture);
    const calls = keyRotationCalls(timelock, await timelock.getAddress(), [upgrader.address], newKey.address);
    await timelock.connect(upgrader).scheduleBatch(...batch(calls), ethers.ZeroHash, ethers.ZeroHash, DELAY);
    await timelock.connect(upgrader).renounceRole(EXECUTOR, upgrader.address);
    await time.increase(DELAY);
    await expect(timelock.connect(outsider).executeBatch(...batch(calls), ethers.ZeroHash, ethers.ZeroHash)).to.emit(timelock, "CallExecuted");
    expect(await timelock.hasRole(PROPOSER, newKey.address)).to.equal(true);
    expect(await timelock.hasRole(PROPOSER, upgrader.address)).to.equal(false);
  });

  it("needs an executor for any ready operation that calls something else than the timelock, even in a batch", async function () {
    const { timelock, upgrader, outsider, upgrade } = await loadFixture(timelockFixture);
    const self = { target: await timelock.getAddress(), value: 0n, data: timelock.interface.encodeFunctionData("updateDelay", [DELAY + 1]) };
    const mixed = [self, upgrade];
    await timelock.connect(upgrader).scheduleBatch(...batch(mixed), ethers.ZeroHash, ethers.ZeroHash, DELAY);
    await time.increase(DELAY);
    await expect(timelock.connect(outsider).executeBatch(...batch(mixed), ethers.ZeroHash, ethers.ZeroHash))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount").withArgs(outsider.address, EXECUTOR);
    await expect(timelock.connect(outsider).executeBatch([], [], [], ethers.ZeroHash, ethers.ZeroHash))
      .to.be.revertedWithCustomError(timelock, "AccessControlUnauthorizedAccount").withArgs(outsider.address, EXECUTOR);
    await schedule(timelock.connect(upgrader), self, ethers.ZeroHash);
    await time.increase(DELAY);
    await expect(execute(timelock.connect(outsider), self, ethers.ZeroHash)).to.emit(timelock, "MinDelayChange").withArgs(DELAY, DELAY + 1);
  });

  it("keeps the guardian apart from the upgrade key in every later grant, and no role goes to the zero address", async function () {
    const { timelock, upgrader, guardian, outsider } = await loadFixture(timelockFixture);
    const address = await timelock.getAddress();
    const grant = (role: string, account: string) => ({ target: address, value: 0n, data: timelock.interface.encodeFunctionData("grantRole", [role, account]) });
    const cases: [TimelockCall, string, string[]][] = [
      [grant(PROPOSER, guardian.address), "ConflictingRoles", [guardian.address, PROPOSER, CANCELLER]],
      [grant(EXECUTOR, guardian.address), "ConflictingRoles", [guardian.address, EXECUTOR, CANCELLER]],
      [grant(CANCELLER, upgrader.address), "ConflictingRoles", [upgrader.address, CANCELLER, PROPOSER]],
      [grant(EXECUTOR, ethers.ZeroAddress), "RoleForZeroAddress", [EXECUTOR]],
    ];
    for (const [[call, error, args], i] of cases.map((c, n) => [c, n] as const)) {
      const salt = ethers.toBeHex(i + 1, 32);
      await schedule(timelock.connect(upgrader), call, salt);
      await time.increase(DELAY);
      await expect(execute(timelock.connect(outsider), call, salt), error).to.be.revertedWithCustomError(timelock, error).withArgs(...args);
    }
    const second = grant(CANCELLER, outsider.address);
    await schedule(timelock.connect(upgrader), second, ethers.id("second guardian"));
    await time.increase(DELAY);
    await expect(execute(timelock.connect(outsider), second, ethers.id("second guardian")))
      .to.emit(timelock, "RoleGranted").withArgs(CANCELLER, outsider.address, address);
  });
});
