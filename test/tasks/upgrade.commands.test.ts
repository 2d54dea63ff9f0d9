import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { depositTokenKey, openRecorded, readDeployment, TIMELOCK_KEY } from "../../lib/deployment";
import type { UpgradeTimelock } from "../../typechain-types";
import { sameImplementationCode } from "../../lib/upgrade";
import { deployed, failed, load, ok, run, useTemporaryDeployments } from "./helpers";

describe("upgrade commands (Hardhat tasks, through the timelock)", function () {
  useTemporaryDeployments();

  it("schedules an upgrade, refuses to execute it before the delay, executes it after, and records it", async function () {
    const { usd, record } = await load(deployed);
    const key = depositTokenKey("USD");
    const scheduled = JSON.parse(ok(await run("upgrade:schedule", { contract: key, implementation: "DepositTokenV2Mock", json: true }))) as
      { id: string; implementation: string; delay: number; readyAt: number };
    expect(scheduled.delay).to.equal(3600);
    expect(scheduled.readyAt).to.equal((await time.latest()) + 3600);
    const listed = ok(await run("upgrade:list"));
    expect(listed).to.include(scheduled.id);
    expect(listed).to.match(new RegExp(`${key} -> ${scheduled.implementation}\\s+Waiting`));
    expect(failed(await run("upgrade:execute", { id: scheduled.id })))
      .to.equal(`error: operation ${scheduled.id} is Waiting; executable from ${new Date(scheduled.readyAt * 1000).toISOString().replace(".000Z", "Z")}; nothing was sent`);
    await time.increaseTo(scheduled.readyAt);
    expect(ok(await run("upgrade:list"))).to.match(/Ready/);
    expect(ok(await run("upgrade:execute", { id: scheduled.id })))
      .to.include(`upgrade ${scheduled.id} executed: ${key} now runs ${scheduled.implementation}`);
    const upgraded = await ethers.getContractAt("DepositTokenV2Mock", await usd.getAddress());
    expect(await upgraded.version()).to.equal("2");
    expect(await upgrades.erc1967.getImplementationAddress(await usd.getAddress())).to.equal(scheduled.implementation);
    expect(readDeployment("hardhat").contracts[key].implementation).to.equal(scheduled.implementation);
    expect(record.contracts[TIMELOCK_KEY].address).to.equal(readDeployment("hardhat").contracts[TIMELOCK_KEY].address);
    expect(ok(await run("upgrade:list"))).to.equal("no pending operation");
    expect(ok(await run("upgrade:list", { all: true }))).to.match(/Done/);
    expect(failed(await run("upgrade:execute", { id: scheduled.id }))).to.equal(`error: operation ${scheduled.id} is Done; nothing was sent`);
  });

  it("refuses an upgrade to the code the proxy already runs, and executes by --contract the one pending upgrade of that contract", async function () {
    const { usd } = await load(deployed);
    const key = depositTokenKey("USD");
    const running = await upgrades.erc1967.getImplementationAddress(await usd.getAddress());
    expect(failed(await run("upgrade:schedule", { contract: key, implementation: "DepositToken" })))
      .to.equal(`error: ${key} already runs DepositToken as compiled now (implementation ${running}): nothing to upgrade (change and compile the contract first); nothing was scheduled`);
    // The same code deployed again at another address is the same code: only its own address differs.
    const again = await (await ethers.getContractFactory("DepositToken")).deploy();
    const other = await (await ethers.getContractFactory("DepositTokenV2Mock")).deploy();
    expect(await sameImplementationCode(hre, running, await again.getAddress())).to.equal(true);
    expect(await sameImplementationCode(hre, running, await other.getAddress())).to.equal(false);
    expect(failed(await run("upgrade:execute", { contract: key }))).to.equal(`error: no pending upgrade of ${key} (upgrade:list --all shows the others)`);
    expect(failed(await run("upgrade:execute", {}))).to.equal("error: give --id (an operation id) or --contract (its one pending upgrade), not both");
    const first = JSON.parse(ok(await run("upgrade:schedule", { contract: key, implementation: "DepositTokenV2Mock", json: true }))) as { id: string; implementation: string; readyAt: number };
    await time.increaseTo(first.readyAt);
    expect(ok(await run("upgrade:execute", { contract: key }))).to.include(`upgrade ${first.id} executed: ${key} now runs ${first.implementation}`);
    // Back to the tree's DepositToken: now a real upgrade. Two pending ones need --id.
    const back = JSON.parse(ok(await run("upgrade:schedule", { contract: key, implementation: "DepositToken", json: true }))) as { id: string; implementation: string; readyAt: number };
    expect(await hre.ethers.provider.getCode(back.implementation)).to.have.length((await hre.ethers.provider.getCode(running)).length);
    await time.increase(1);
    const second = JSON.parse(ok(await run("upgrade:schedule", { contract: key, implementation: "DepositToken", json: true }))) as { id: string };
    expect(failed(await run("upgrade:execute", { contract: key }))).to.equal(`error: 2 upgrades of ${key} are pending (${back.id}, ${second.id}): choose one with --id`);
    expect(failed(await run("upgrade:execute", { contract: key, id: back.id }))).to.equal("error: give --id (an operation id) or --contract (its one pending upgrade), not both");
  });

  it("refuses an unknown contract, an unsafe layout, a signer that is not a proposer, and an unknown id", async function () {
    const { admin } = await load(deployed);
    expect(failed(await run("upgrade:schedule", { contract: "Nothing", implementation: "DepositTokenV2Mock" })))
      .to.match(/^error: no upgradeable contract "Nothing" on hardhat \(recorded: ParticipantRegistry, DepositToken:USD/);
    expect(failed(await run("upgrade:schedule", { contract: depositTokenKey("USD"), implementation: "DepositTokenBadLayoutMock" })))
      .to.match(/^error: DepositTokenBadLayoutMock cannot replace DepositToken:USD: .*; nothing was scheduled$/);
    expect(failed(await run("upgrade:schedule", { contract: depositTokenKey("USD"), implementation: "DepositTokenV2Mock", from: admin.address })))
      .to.equal(`error: ${admin.address} does not hold PROPOSER_ROLE on ${TIMELOCK_KEY}; nothing was sent`);
    expect(failed(await run("upgrade:execute", { id: ethers.id("none") })))
      .to.equal(`error: no operation with id ${ethers.id("none")} was scheduled on hardhat`);
    expect(failed(await run("upgrade:execute", { id: "0x12" })))
      .to.equal('error: --id "0x12" is not an operation id (0x and 64 hex digits)');
  });

  it("lists who may cancel each pending operation, and the guardian cancels one; the upgrade key cannot", async function () {
    const { upgrader, guardian, record } = await load(deployed);
    const key = depositTokenKey("USD");
    const { id } = JSON.parse(ok(await run("upgrade:schedule", { contract: key, implementation: "DepositTokenV2Mock", json: true }))) as { id: string };
    expect(ok(await run("upgrade:list"))).to.match(new RegExp(`${id}\\s+${key} -> 0x[0-9a-fA-F]{40}\\s+Waiting\\s+\\S+\\s+${guardian.address}`));
    const listed = JSON.parse(ok(await run("upgrade:list", { json: true }))) as { operations: { id: string; cancellableBy: string[] }[]; guardians: string[] };
    expect(listed.guardians).to.deep.equal([guardian.address]);
    expect(listed.operations.map((o) => [o.id, o.cancellableBy])).to.deep.equal([[id, [guardian.address]]]);
    expect(failed(await run("upgrade:cancel", { id, from: upgrader.address })))
      .to.equal(`error: ${upgrader.address} does not hold CANCELLER_ROLE on ${TIMELOCK_KEY}; nothing was sent`);
    expect(ok(await run("upgrade:cancel", { id }))).to.match(new RegExp(`operation ${id} cancelled: ${key} -> 0x[0-9a-fA-F]{40}$`));
    const timelock = await openRecorded<UpgradeTimelock>(hre, record, TIMELOCK_KEY);
    expect(await timelock.getOperationState(id)).to.equal(0n);
    expect(ok(await run("upgrade:list"))).to.equal("no pending operation");
    expect(ok(await run("upgrade:list", { all: true }))).to.match(new RegExp(`${id}\\s+${key} -> 0x[0-9a-fA-F]{40}\\s+Cancelled`));
    expect(failed(await run("upgrade:cancel", { id }))).to.equal(`error: operation ${id} is already Cancelled; nothing was sent`);
    expect(failed(await run("upgrade:execute", { id }))).to.equal(`error: operation ${id} is Cancelled; nothing was sent`);
  });

  it("refuses to cancel an unknown or executed operation, or a malformed id", async function () {
    await load(deployed);
    expect(failed(await run("upgrade:cancel", { id: ethers.id("none") })))
      .to.equal(`error: no operation with id ${ethers.id("none")} was scheduled on hardhat`);
    expect(failed(await run("upgrade:cancel", { id: "0x12" }))).to.equal('error: --id "0x12" is not an operation id (0x and 64 hex digits)');
    const { id, readyAt } = JSON.parse(ok(await run("upgrade:schedule", { contract: depositTokenKey("USD"), implementation: "DepositTokenV2Mock", json: true }))) as { id: string; readyAt: number };
    await time.increaseTo(readyAt);
    ok(await run("upgrade:execute", { id }));
    expect(failed(await run("upgrade:cancel", { id })))
      .to.equal(`error: operation ${id} is Done: it was executed and can no longer be cancelled; nothing was sent`);
  });

  it("replaces the upgrade key: scheduled by the old key, executed after the delay by any account, and only the new key proposes then", async function () {
    const { upgrader, guardian, outsider, record } = await load(deployed);
    const newKey = outsider;
    const scheduled = JSON.parse(ok(await run("upgrade:rotate-key", { new: newKey.address, json: true }))) as
      { id: string; old: string[]; new: string; delay: number; readyAt: number };
    expect(scheduled).to.deep.include({ old: [upgrader.address], new: newKey.address, delay: 3600, readyAt: (await time.latest()) + 3600 });
    const listed = ok(await run("upgrade:list"));
    expect(listed).to.include(`grantRole(PROPOSER_ROLE, ${newKey.address}); grantRole(EXECUTOR_ROLE, ${newKey.address}); revokeRole(PROPOSER_ROLE, ${upgrader.address}); revokeRole(EXECUTOR_ROLE, ${upgrader.address})`);
    expect(listed).to.match(new RegExp(`Waiting\\s+\\S+\\s+${guardian.address}$`));
    expect(failed(await run("upgrade:cancel", { id: scheduled.id, from: upgrader.address })))
      .to.equal(`error: ${upgrader.address} does not hold CANCELLER_ROLE on ${TIMELOCK_KEY}; nothing was sent`);
    expect(failed(await run("upgrade:execute", { id: scheduled.id }))).to.match(new RegExp(`^error: operation ${scheduled.id} is Waiting; executable from `));
    await time.increaseTo(scheduled.readyAt);
    // executed by the deploying account (account 0), which holds no timelock role: the old key cannot hold it back
    expect(ok(await run("upgrade:execute", { id: scheduled.id }))).to.include(`operation ${scheduled.id} executed: grantRole(PROPOSER_ROLE, ${newKey.address})`);
    const timelock = await openRecorded<UpgradeTimelock>(hre, record, TIMELOCK_KEY);
    expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), newKey.address)).to.equal(true);
    expect(await timelock.hasRole(await timelock.EXECUTOR_ROLE(), upgrader.address)).to.equal(false);
    expect(failed(await run("upgrade:schedule", { contract: depositTokenKey("USD"), implementation: "DepositTokenV2Mock", from: upgrader.address })))
      .to.equal(`error: ${upgrader.address} does not hold PROPOSER_ROLE on ${TIMELOCK_KEY}; nothing was sent`);
    const next = JSON.parse(ok(await run("upgrade:schedule", { contract: depositTokenKey("USD"), implementation: "DepositTokenV2Mock", json: true }))) as { id: string; readyAt: number };
    await time.increaseTo(next.readyAt);
    expect(ok(await run("upgrade:execute", { id: next.id }))).to.include(`upgrade ${next.id} executed`);
    expect(failed(await run("upgrade:rotate-key", { new: newKey.address })))
      .to.equal(`error: --new ${newKey.address} is the upgrade key already; nothing was sent`);
  });

  it("refuses to make the guardian the upgrade key, a malformed address, and a signer that is not the upgrade key", async function () {
    const { admin, guardian, outsider } = await load(deployed);
    expect(failed(await run("upgrade:rotate-key", { new: guardian.address })))
      .to.equal(`error: --new ${guardian.address} is a guardian of ${TIMELOCK_KEY}: the upgrade key and the guardian must be different keys; nothing was sent`);
    expect(failed(await run("upgrade:rotate-key", { new: "0x1234" }))).to.match(/^error: --new "0x1234" is not an address/);
    expect(failed(await run("upgrade:rotate-key", { new: outsider.address, from: admin.address })))
      .to.equal(`error: ${admin.address} does not hold PROPOSER_ROLE on ${TIMELOCK_KEY}; nothing was sent`);
    expect(failed(await run("upgrade:rotate-key", { new: outsider.address, from: guardian.address })))
      .to.equal(`error: ${guardian.address} does not hold PROPOSER_ROLE on ${TIMELOCK_KEY}; nothing was sent`);
  });
});
