import { expect } from "chai";
import fs from "fs";
import os from "os";
import path from "path";
import hre, { ethers } from "hardhat";
import { CURRENCIES, DEMO_SECURITY } from "../../lib/suite";
import {
  DeploymentRecord, deployPlatform as deploy, DeployOptions, deploymentPath, depositTokenKey, ESCROW_KEY, ESCROW_PARTICIPANT,
  PlatformParams, readDeployment, REGISTRY_KEY, securityTokenKey,
} from "../../lib/deployment";

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

  const deployPlatform = (admin: Awaited<ReturnType<typeof ethers.getSigners>>[number], p: PlatformParams, log: (l: string) => void) =>
    deploy(hre, admin, p, { persist: true, log } satisfies DeployOptions);

  async function params() {
    const [admin, compliance, issuer, reserve, pauser, upgrader] = await ethers.getSigners();
    const p: PlatformParams = {
      currencies: [CURRENCIES.USD, CURRENCIES.EUR],
      securities: [DEMO_SECURITY],
      escrow: true,
      roles: { compliance: compliance.address, issuer: issuer.address, reserve: reserve.address, pauser: pauser.address, upgrader: upgrader.address },
      adminDelay: 60,
      compliance,
    };
    return { admin, params: p };
  }

  it("records every contract with its address, implementation, transaction and block, and wires every duty", async function () {
    const { admin, params: p } = await params();
    const lines: string[] = [];
    const record = await deployPlatform(admin, p, (l) => lines.push(l));
    expect(Object.keys(record.contracts)).to.deep.equal([
      REGISTRY_KEY, depositTokenKey("USD"), depositTokenKey("EUR"), securityTokenKey(DEMO_SECURITY.isin), ESCROW_KEY,
    ]);
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
    // registry 2 roles, deposit tokens 5 each, security 4, escrow 1, three listings, one onboarding
    expect(lines.filter((l) => l.includes("done")).length).to.equal(2 + 2 * 5 + 4 + 1 + 3 + 1);
    const escrow = await ethers.getContractAt("DvPEscrow", record.contracts[ESCROW_KEY].address);
    const registry = await ethers.getContractAt("ParticipantRegistry", record.contracts[REGISTRY_KEY].address);
    expect(await registry.participantOf(await escrow.getAddress())).to.equal(ethers.id(ESCROW_PARTICIPANT));
    expect(await registry.isAllowed(await escrow.getAddress())).to.equal(true);
    for (const key of [depositTokenKey("USD"), depositTokenKey("EUR"), securityTokenKey(DEMO_SECURITY.isin)]) {
      expect(await escrow.isListed(record.contracts[key].address), key).to.equal(true);
    }
  });

  it("reuses everything on a second run and sends no transaction", async function () {
    const { admin, params: p } = await params();
    const first = await deployPlatform(admin, p, () => undefined);
    const nonce = await ethers.provider.getTransactionCount(admin.address);
    const lines: string[] = [];
    const second = await deployPlatform(admin, p, (l) => lines.push(l));
    expect(second.contracts).to.deep.equal(first.contracts);
    expect(await ethers.provider.getTransactionCount(admin.address)).to.equal(nonce);
    expect(lines.every((l) => /reuse|skip/.test(l))).to.equal(true);
  });

  it("finishes what an interrupted run left undone", async function () {
    const { admin, params: p } = await params();
    const first = await deployPlatform(admin, { ...p, currencies: [CURRENCIES.USD], escrow: false }, () => undefined);
    const usd = await ethers.getContractAt("DepositToken", first.contracts[depositTokenKey("USD")].address, admin);
    await usd.revokeRole(ethers.id("PAUSER_ROLE"), p.roles.pauser); // as if the run stopped before this grant
    const lines: string[] = [];
    const second = await deployPlatform(admin, p, (l) => lines.push(l));
    expect(second.contracts[depositTokenKey("USD")]).to.deep.equal(first.contracts[depositTokenKey("USD")]);
    expect(second.contracts[depositTokenKey("EUR")]).to.not.equal(undefined);
    expect(second.contracts[ESCROW_KEY]).to.not.equal(undefined);
    expect(await usd.hasRole(ethers.id("PAUSER_ROLE"), p.roles.pauser)).to.equal(true);
    expect(lines.filter((l) => l.startsWith("  done")).map((l) => l.split(" (")[0])).to.include(
      `  done    grant PAUSER_ROLE on ${depositTokenKey("USD")} to ${p.roles.pauser}`);
  });

  it("sends independent transactions without waiting for each block, and a run interrupted in flight is finished, not repeated", async function () {
    const { admin, params: p } = await params();
    const before = await ethers.provider.getBlockNumber();
    await ethers.provider.send("evm_setAutomine", [false]);
    let first: Promise<DeploymentRecord>;
    let interrupted: DeploymentRecord;
    try {
      first = deployPlatform(admin, p, () => undefined);
      // what an interrupted run leaves on disk: predicted addresses and the hashes still in flight
      for (let i = 0; ; i++) {
        const onDisk = fs.existsSync(deploymentPath("hardhat")) ? readDeployment("hardhat") : undefined;
        // 4 implementations (both deposit tokens share one), 5 proxies, 20 grants and listings
        if (onDisk?.contracts[ESCROW_KEY] && onDisk.pending?.length === 4 + 5 + 20) {
          interrupted = onDisk;
          break;
        }
        expect(i, `the run sends its admin transactions without waiting (${onDisk?.pending?.length} sent)`).to.be.lessThan(200);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(await ethers.provider.getBlockNumber(), "nothing mined while sending").to.equal(before);
      expect(Object.values(interrupted.contracts).every((c) => c.block === -1)).to.equal(true);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    await ethers.provider.send("evm_mine", []); // every admin transaction in one block
    const completed = await first;
    expect(new Set(Object.values(completed.contracts).map((c) => c.block)).size).to.equal(1);
    const nonce = await ethers.provider.getTransactionCount(admin.address);
    fs.writeFileSync(deploymentPath("hardhat"), JSON.stringify(interrupted));
    const resumed = await deployPlatform(admin, p, () => undefined);
    expect(resumed.contracts).to.deep.equal(completed.contracts);
    expect(resumed.pending).to.equal(undefined);
    expect(await ethers.provider.getTransactionCount(admin.address)).to.equal(nonce);
  });

  it("refuses a network whose chain id differs from the recorded one", async function () {
    const { admin, params: p } = await params();
    await deployPlatform(admin, p, () => undefined);
    const record = readDeployment("hardhat");
    fs.writeFileSync(deploymentPath("hardhat"), JSON.stringify({ ...record, chainId: 1337 }));
    await expect(deployPlatform(admin, p, () => undefined)).to.be.rejectedWith(
      /was recorded on chain id 1337, but network "hardhat" is chain id 31337/);
  });

  it("without the compliance key, deploys the escrow and says which command onboards it", async function () {
    const { admin, params: p } = await params();
    const lines: string[] = [];
    const record = await deployPlatform(admin, { ...p, compliance: undefined }, (l) => lines.push(l));
    const escrow = record.contracts[ESCROW_KEY].address;
    expect(lines.join("\n")).to.include(
      `npx hardhat participant:onboard --network hardhat --id ${ESCROW_PARTICIPANT} --wallets ${escrow} --kyc-expiry <date>`);
    const registry = await ethers.getContractAt("ParticipantRegistry", record.contracts[REGISTRY_KEY].address);
    expect(await registry.participantOf(escrow)).to.equal(ethers.ZeroHash);
  });

  it("says in one line that a network has no deployment", function () {
    expect(() => readDeployment("qbft")).to.throw(/no deployment for network "qbft": .*qbft\.json does not exist \(run npm run deploy -- --network qbft\)/);
  });
});
