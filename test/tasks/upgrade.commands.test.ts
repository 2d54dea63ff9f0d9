import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { depositTokenKey, readDeployment, TIMELOCK_KEY } from "../../lib/deployment";
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
    expect(listed).to.match(new RegExp(`${key}\\s+${scheduled.implementation}\\s+Waiting`));
    expect(failed(await run("upgrade:execute", { id: scheduled.id })))
      .to.equal(`error: upgrade ${scheduled.id} is Waiting; executable from ${new Date(scheduled.readyAt * 1000).toISOString().replace(".000Z", "Z")}; nothing was sent`);
    await time.increaseTo(scheduled.readyAt);
    expect(ok(await run("upgrade:list"))).to.match(/Ready/);
    expect(ok(await run("upgrade:execute", { id: scheduled.id })))
      .to.include(`upgrade ${scheduled.id} executed: ${key} now runs ${scheduled.implementation}`);
    const upgraded = await ethers.getContractAt("DepositTokenV2Mock", await usd.getAddress());
    expect(await upgraded.version()).to.equal("2");
    expect(await upgrades.erc1967.getImplementationAddress(await usd.getAddress())).to.equal(scheduled.implementation);
    expect(readDeployment("hardhat").contracts[key].implementation).to.equal(scheduled.implementation);
    expect(record.contracts[TIMELOCK_KEY].address).to.equal(readDeployment("hardhat").contracts[TIMELOCK_KEY].address);
    expect(ok(await run("upgrade:list"))).to.equal("no pending upgrade");
    expect(ok(await run("upgrade:list", { all: true }))).to.match(/Done/);
    expect(failed(await run("upgrade:execute", { id: scheduled.id }))).to.equal(`error: upgrade ${scheduled.id} is Done; nothing was sent`);
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
      .to.equal(`error: no upgrade with id ${ethers.id("none")} was scheduled on hardhat`);
    expect(failed(await run("upgrade:execute", { id: "0x12" })))
      .to.equal('error: --id "0x12" is not an operation id (0x and 64 hex digits)');
  });
});
