import { expect } from "chai";
import fs from "fs";
import os from "os";
import path from "path";
import hre, { ethers } from "hardhat";
import { CURRENCIES } from "../../lib/suite";
import { DeploymentRecord, deployPlatform, deploymentPath, depositTokenKey, readDeployment } from "../../lib/deployment";

describe("deployment (deploy/ and lib/deployment.ts)", function () {
  let dir: string;
  const saved = process.env.DEPLOYMENTS_DIR;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "deployments-"));
    process.env.DEPLOYMENTS_DIR = dir;
  });
  afterEach(function () {
    if (saved === undefined) delete process.env.DEPLOYMENTS_DIR;
    else process.env.DEPLOYMENTS_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function params() {
    const [admin, compliance, issuer, reserve, pauser, upgrader] = await ethers.getSigners();
    return {
      admin,
      params: {
        currencies: [CURRENCIES.USD, CURRENCIES.EUR],
        roles: { compliance: compliance.address, issuer: issuer.address, reserve: reserve.address, pauser: pauser.address, upgrader: upgrader.address },
        adminDelay: 60,
      },
    };
  }

  it("records every contract with its address, implementation, transaction and block, and wires every duty", async function () {
    const { admin, params: p } = await params();
    const lines: string[] = [];
    const record = await deployPlatform(hre, admin, p, (l) => lines.push(l));
    expect(Object.keys(record.contracts)).to.deep.equal(["ParticipantRegistry", depositTokenKey("USD"), depositTokenKey("EUR")]);
    const onDisk = JSON.parse(fs.readFileSync(deploymentPath("hardhat"), "utf8")) as DeploymentRecord;
    expect(onDisk).to.deep.equal(record);
    expect(onDisk.chainId).to.equal(31337);
    for (const c of Object.values(onDisk.contracts)) {
      const tx = await ethers.provider.getTransactionReceipt(c.txHash);
      expect(tx?.blockNumber).to.equal(c.block);
      expect(await hre.upgrades.erc1967.getImplementationAddress(c.address)).to.equal(c.implementation);
    }
    const eur = await ethers.getContractAt("DepositToken", record.contracts[depositTokenKey("EUR")].address);
    expect(await eur.currency()).to.equal("EUR");
    expect(await eur.hasRole(ethers.id("ISSUER_ROLE"), p.roles.issuer)).to.equal(true);
    expect(await eur.hasRole(ethers.id("ISSUER_ROLE"), p.roles.reserve)).to.equal(false);
    expect(await eur.registry()).to.equal(record.contracts.ParticipantRegistry.address);
    expect(lines.filter((l) => l.includes("done")).length).to.equal(2 + 2 * 5);
  });

  it("reuses everything on a second run and sends no transaction", async function () {
    const { admin, params: p } = await params();
    const first = await deployPlatform(hre, admin, p, () => undefined);
    const nonce = await ethers.provider.getTransactionCount(admin.address);
    const lines: string[] = [];
    const second = await deployPlatform(hre, admin, p, (l) => lines.push(l));
    expect(second.contracts).to.deep.equal(first.contracts);
    expect(await ethers.provider.getTransactionCount(admin.address)).to.equal(nonce);
    expect(lines.every((l) => /reuse|skip/.test(l))).to.equal(true);
  });

  it("finishes what an interrupted run left undone", async function () {
    const { admin, params: p } = await params();
    const first = await deployPlatform(hre, admin, { ...p, currencies: [CURRENCIES.USD] }, () => undefined);
    const usd = await ethers.getContractAt("DepositToken", first.contracts[depositTokenKey("USD")].address, admin);
    await usd.revokeRole(ethers.id("PAUSER_ROLE"), p.roles.pauser); // as if the run stopped before this grant
    const lines: string[] = [];
    const second = await deployPlatform(hre, admin, p, (l) => lines.push(l));
    expect(second.contracts[depositTokenKey("USD")]).to.deep.equal(first.contracts[depositTokenKey("USD")]);
    expect(second.contracts[depositTokenKey("EUR")]).to.not.equal(undefined);
    expect(await usd.hasRole(ethers.id("PAUSER_ROLE"), p.roles.pauser)).to.equal(true);
    expect(lines.filter((l) => l.startsWith("  done")).map((l) => l.split(" (")[0])).to.include(
      `  done    grant PAUSER_ROLE on ${depositTokenKey("USD")} to ${p.roles.pauser}`);
  });

  it("refuses a network whose chain id differs from the recorded one", async function () {
    const { admin, params: p } = await params();
    await deployPlatform(hre, admin, p, () => undefined);
    const record = readDeployment("hardhat");
    fs.writeFileSync(deploymentPath("hardhat"), JSON.stringify({ ...record, chainId: 1337 }));
    await expect(deployPlatform(hre, admin, p, () => undefined)).to.be.rejectedWith(
      /was recorded on chain id 1337, but network "hardhat" is chain id 31337/);
  });

  it("says in one line that a network has no deployment", function () {
    expect(() => readDeployment("qbft")).to.throw(/no deployment for network "qbft": .*qbft\.json does not exist \(run npm run deploy -- --network qbft\)/);
  });
});
