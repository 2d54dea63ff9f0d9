import { expect } from "chai";
import fs from "fs";
import path from "path";
import hre from "hardhat";
import { SignerError } from "../../lib/signers";
import { ExternalSigner, openExternal } from "../../lib/signers/external";
import { DepositTokenV2Mock__factory, IssuanceDesk__factory } from "../../typechain-types";
import { resolveClef, RunningClef, startClef } from "../clef";

/**
 * The signing-service backend against Clef itself (`npm run test:clef`; needs clef: CLEF_BIN, a cached
 * build, or QUORUM_SRC to build it). Clef runs on 127.0.0.1 with rules that sign transactions and typed
 * data for its one account and refuse anything else; it is stopped by process id after the suite.
 * The signing rate is printed with a `measured:` prefix (an observation, not a pass/fail criterion).
 */
describe("Clef as the signing service of an external account", function () {
  this.timeout(300_000);
  const { ethers } = hre;
  const recipient = "0x1111111111111111111111111111111111111111";
  let clef: RunningClef;
  let signer: ExternalSigner;

  before(async function () {
    const bin = resolveClef().path;
    clef = await startClef({ chainId: 31337, bin, ports: [8750, 8799] });
    signer = await openExternal({ name: "guardian", backend: "external", url: clef.url, address: clef.address }, ethers.provider);
    const [funder] = await ethers.getSigners();
    await (await funder.sendTransaction({ to: clef.address, value: ethers.parseEther("10") })).wait();
  });
  after(async function () {
    if (!clef) return;
    await clef.stop();
    expect(() => process.kill(clef.pid, 0), "clef still runs").to.throw(/ESRCH/);
    expect(fs.existsSync(clef.dir)).to.equal(false);
  });

  it("signs a legacy transaction for chain 31337 that the in-process network mines", async function () {
    const before = await ethers.provider.getBalance(recipient);
    const sent = await signer.sendTransaction({ to: recipient, value: 12_345n });
    const receipt = await sent.wait();
    expect(receipt!.status).to.equal(1);
    const mined = await ethers.provider.getTransaction(sent.hash);
    expect([mined!.type, mined!.from, mined!.chainId]).to.deep.equal([0, clef.address, 31337n]);
    expect(ethers.Transaction.from(mined!).signature!.networkV).to.equal(31337n * 2n + 35n + BigInt(mined!.signature.yParity));
    expect(await ethers.provider.getBalance(recipient)).to.equal(before + 12_345n);
  });

  it("signs a contract call when given its method signature, and refuses a call whose selector it cannot name", async function () {
    // with an empty 4-byte database Clef does not sign data it cannot name: a mock's selector is in no project ABI
    const unnamed = DepositTokenV2Mock__factory.createInterface().encodeFunctionData("version");
    const refused = await signer.signTransaction({ to: recipient, data: unnamed, nonce: 0, gasLimit: 100_000n, gasPrice: 1_000_000_000n, chainId: 31337n })
      .then(() => undefined, (e: unknown) => e);
    expect(refused).to.be.instanceOf(SignerError);
    expect((refused as Error).message).to.equal(
      `account "guardian" (signing service ${clef.url}, ${clef.address}): the signing service refused: validation failed: `
      + `Transaction contains data, but the ABI signature could not be found: signature ${unnamed.slice(2, 10)} not found; nothing was sent`,
    );
    const data = IssuanceDesk__factory.createInterface().encodeFunctionData("mint", [recipient, 100n, ethers.id("deposit-1")]);
    const parsed = ethers.Transaction.from(await signer.signTransaction({ to: recipient, data, nonce: 0, gasLimit: 100_000n, gasPrice: 1_000_000_000n, chainId: 31337n }));
    expect([parsed.from, parsed.to, parsed.data]).to.deep.equal([clef.address, recipient, data]);
    // Clef checked the signature against the data and recorded it under the selector
    const learnt = JSON.parse(fs.readFileSync(path.join(clef.dir, "4byte-custom.json"), "utf8")) as Record<string, string>;
    expect(learnt).to.deep.equal({ [data.slice(2, 10)]: "mint(address,uint256,bytes32)" });
  });

  it("signs EIP-712 typed data that ethers.verifyTypedData recovers to the account", async function () {
    const domain = { name: "Payments", version: "1", chainId: 31337, verifyingContract: recipient };
    const types = { Payment: [{ name: "to", type: "address" }, { name: "amount", type: "uint256" }, { name: "reference", type: "bytes32" }] };
    const value = { to: recipient, amount: 1234n, reference: ethers.id("invoice-7") };
    const signature = await signer.signTypedData(domain, types, value);
    expect(ethers.verifyTypedData(domain, types, value, signature)).to.equal(clef.address);
  });

  it("passes on Clef's refusal of what its rules do not approve (a personal message)", async function () {
    const error = await signer.signMessage("hello").then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(SignerError);
    expect((error as Error).message).to.equal(
      `account "guardian" (signing service ${clef.url}, ${clef.address}): the signing service refused: request denied; nothing was sent`,
    );
  });

  it("refuses to open an account Clef does not hold, naming the one it holds", async function () {
    const missing = ethers.getAddress(`0x${"ab".repeat(20)}`);
    const error = await openExternal({ name: "guardian", backend: "external", url: clef.url, address: missing }, null).then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).to.equal(
      `account "guardian" (signing service ${clef.url}, ${missing}): the signing service does not list ${missing} among its accounts (it lists ${clef.address}); nothing was sent`,
    );
  });

  it("measures the signing rate through Clef (bounded to 5 s)", async function () {
    let nonce = 1000;
    const started = Date.now();
    while (Date.now() - started < 5_000) {
      await signer.signTransaction({ to: recipient, value: 1n, nonce: nonce++, gasLimit: 21_000n, gasPrice: 1_000_000_000n, chainId: 31337n });
    }
    const seconds = (Date.now() - started) / 1000;
    const signed = nonce - 1000;
    console.log(`      measured: ${signed} transactions signed by Clef in ${seconds.toFixed(1)} s: ${(signed / seconds).toFixed(1)}/s (keystore scrypt N=2^12; Clef decrypts the key on every request)`);
    expect(signed).to.be.greaterThan(0);
  });
});
