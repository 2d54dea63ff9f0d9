import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { withoutTrace } from "../../lib/hardhat-runtime";

/** How many stack traces `run` formats (V8 calls Error.prepareStackTrace once per trace it formats). */
function tracesFormatted(run: () => void): number {
  const original = Error.prepareStackTrace;
  let count = 0;
  Error.prepareStackTrace = (error, frames) => {
    count++;
    return original ? original(error, frames) : `${error}`;
  };
  try {
    run();
  } finally {
    Error.prepareStackTrace = original;
  }
  return count;
}

describe("the plugins' objects (lib/hardhat-runtime.ts)", function () {
  it("reads hre.ethers and hre.upgrades without a stack trace, where Hardhat's lazy proxy takes one per read", async function () {
    const { lazyObject } = await import("hardhat/plugins");
    const theirs = lazyObject(() => ({ provider: 1 }));
    expect(tracesFormatted(() => [1, 2, 3].forEach(() => theirs.provider))).to.equal(3);
    expect(tracesFormatted(() => [1, 2, 3].forEach(() => [ethers.provider, hre.ethers.getSigners, upgrades.deployProxy]))).to.equal(0);
    expect(ethers.provider).to.equal(hre.ethers.provider);
  });

  it("makes the object at the first use of one of its properties, not when the object itself is read, and once", function () {
    let made = 0;
    const lazy = { answer: 42 };
    const object = withoutTrace(lazy, (plain) => {
      made++;
      return Object.assign(plain, { extra: "made" });
    });
    const copied = { object };
    expect(made).to.equal(0);
    expect(copied.object.answer).to.equal(42);
    expect((object as { extra?: string }).extra).to.equal("made");
    expect(Object.keys(object)).to.deep.equal(["answer", "extra"]);
    expect("answer" in object).to.equal(true);
    (object as { answer: number }).answer = 7;
    expect(object.answer).to.equal(7);
    expect(lazy.answer).to.equal(42);
    expect(made).to.equal(1);
  });

  it("gives every contract object of one ABI the same Interface, and another ABI its own", async function () {
    const [signer] = await ethers.getSigners();
    const address = ethers.Wallet.createRandom().address;
    const a = await ethers.getContractAt("DepositToken", address);
    const b = await ethers.getContractAt("DepositToken", address, signer);
    const factory = await ethers.getContractFactory("DepositToken", signer);
    const other = await ethers.getContractAt("SecurityToken", address);
    expect(b.interface).to.equal(a.interface);
    expect(factory.interface).to.equal(a.interface);
    expect(other.interface).to.not.equal(a.interface);
    expect(b.runner).to.equal(signer);
    expect(factory.runner).to.equal(signer);
    // No signer given: the first account, as the plugin gives.
    expect(await (a.runner as unknown as { getAddress(): Promise<string> }).getAddress()).to.equal(signer.address);
    expect(factory.bytecode).to.equal((await hre.artifacts.readArtifact("DepositToken")).bytecode);
    expect(a.interface.getFunction("transferWithReference")?.selector).to.equal(ethers.id("transferWithReference(address,uint256,bytes32)").slice(0, 10));
  });

  it("passes an ABI given as such, factory options and an abstract contract to the plugin unchanged", async function () {
    const [, second] = await ethers.getSigners();
    const abi = (await hre.artifacts.readArtifact("PlainERC20")).abi;
    const direct = await ethers.getContractAt(abi, ethers.ZeroAddress);
    expect(direct.interface).to.not.equal((await ethers.getContractAt("PlainERC20", ethers.ZeroAddress)).interface);
    const withOptions = await ethers.getContractFactory("PlainERC20", { signer: second });
    expect(withOptions.runner).to.equal(second);
    await expect(ethers.getContractFactory("PermissionedToken")).to.be.rejectedWith(/abstract and can't be deployed/);
  });
});
