import { expect } from "chai";
import fs from "fs";
import hre, { ethers } from "hardhat";
import { CURRENCIES, DEMO_SECURITY, DEVELOPMENT_LIMITS } from "../../lib/suite";
import {
  deskLimits,
  DeploymentRecord, deployPlatform as deploy, DeployOptions, deploymentPath, depositTokenKey, ESCROW_KEY, ESCROW_PARTICIPANT, FX_QUOTES_KEY,
  FX_QUOTES_PARTICIPANT, issuanceDeskKey,
  PlatformParams, readDeployment, REGISTRY_KEY, requireFinished, requireSeparateDuties, securityTokenKey, TIMELOCK_KEY,
} from "../../lib/deployment";
import { DEVELOPMENT_SECOND_ISSUER, GUARDIAN_ACCOUNT, issuanceLimits, platformParams, requireLongDelays, requireOwnChainId } from "../../deploy/params";
import { useTemporaryDeployments } from "../helpers/temporary";

describe("deployment (deploy/ and lib/deployment.ts)", function () {
  useTemporaryDeployments(true);

  const deployPlatform = (admin: Awaited<ReturnType<typeof ethers.getSigners>>[number], p: PlatformParams, log: (l: string) => void) =>
    deploy(hre, admin, p, { persist: true, log } satisfies DeployOptions);

  async function params() {
    const signers = await ethers.getSigners();
    const [admin, compliance, issuer, reserve, pauser, upgrader] = signers;
    const guardian = signers[GUARDIAN_ACCOUNT];
    const p: PlatformParams = {
      currencies: [CURRENCIES.USD, CURRENCIES.EUR],
      securities: [DEMO_SECURITY],
      escrow: true,
      roles: {
        compliance: compliance.address, issuer: issuer.address, secondIssuer: signers[DEVELOPMENT_SECOND_ISSUER].address, reserve: reserve.address,
        pauser: pauser.address, upgrader: upgrader.address, guardian: guardian.address,
      },
      limits: DEVELOPMENT_LIMITS,
      adminDelay: 60,
      upgradeDelay: 0,
      compliance,
    };
    return { admin, params: p };
  }

  it("records every contract with its address, implementation, transaction and block, and wires every duty", async function () {
    const { admin, params: p } = await params();
    const lines: string[] = [];
    const record = await deployPlatform(admin, p, (l) => lines.push(l));
    expect(Object.keys(record.contracts)).to.deep.equal([
      TIMELOCK_KEY, REGISTRY_KEY, depositTokenKey("USD"), issuanceDeskKey("USD"), depositTokenKey("EUR"), issuanceDeskKey("EUR"),
      securityTokenKey(DEMO_SECURITY.isin), ESCROW_KEY, FX_QUOTES_KEY,
    ]);
    const onDisk = JSON.parse(fs.readFileSync(deploymentPath("hardhat"), "utf8")) as DeploymentRecord;
    expect(onDisk).to.deep.equal(record);
    expect(onDisk.chainId).to.equal(31337);
    for (const [key, c] of Object.entries(onDisk.contracts)) {
      const tx = await ethers.provider.getTransactionReceipt(c.txHash);
      expect(tx?.blockNumber).to.equal(c.block);
      if (key === TIMELOCK_KEY) expect(c.implementation).to.equal(c.address);
      else expect(await hre.upgrades.erc1967.getImplementationAddress(c.address)).to.equal(c.implementation);
    }
    const eur = await ethers.getContractAt("DepositToken", record.contracts[depositTokenKey("EUR")].address);
    expect(await eur.currency()).to.equal("EUR");
    // The token's issuer is its desk alone; the officers and the attester hold their roles on the desk.
    const eurDesk = await ethers.getContractAt("IssuanceDesk", record.contracts[issuanceDeskKey("EUR")].address);
    expect(await eur.hasRole(ethers.id("ISSUER_ROLE"), await eurDesk.getAddress())).to.equal(true);
    expect(await eur.hasRole(ethers.id("ISSUER_ROLE"), p.roles.issuer)).to.equal(false);
    expect(await eurDesk.token()).to.equal(await eur.getAddress());
    for (const officer of [p.roles.issuer, p.roles.secondIssuer]) {
      expect(await eurDesk.hasRole(ethers.id("ISSUER_ROLE"), officer)).to.equal(true);
      expect((await eurDesk.officerAllowance(officer)).allowance).to.equal(ethers.parseUnits(DEVELOPMENT_LIMITS.officerAllowance, 2));
    }
    expect(await eurDesk.hasRole(ethers.id("RESERVE_ROLE"), p.roles.reserve)).to.equal(true);
    expect(await eurDesk.limits()).to.deep.equal([
      ethers.parseUnits(DEVELOPMENT_LIMITS.issuanceThreshold, 2), ethers.parseUnits(DEVELOPMENT_LIMITS.redemptionThreshold, 2),
      BigInt(DEVELOPMENT_LIMITS.approvalWindow),
    ]);
    expect(await eur.registry()).to.equal(record.contracts.ParticipantRegistry.address);
    // registry 1 role; per currency: token 2 roles, the desk's ISSUER_ROLE on it, desk 3 roles and 2 allowances;
    // security 3 roles, escrow 1, FxQuotes none; seven platform-contract registrations (tokens, desks, security,
    // escrow, FxQuotes); each of the eight proxies hands UPGRADER_ROLE to the timelock and renounces it (2); three
    // listings in the escrow and three custodian marks; two listings in FxQuotes (the deposit tokens); two onboardings
    expect(lines.filter((l) => l.includes("done")).length).to.equal(1 + 2 * (2 + 1 + 3 + 2) + 3 + 1 + 7 + 8 * 2 + 3 + 3 + 2 + 2);
    const escrow = await ethers.getContractAt("DvPEscrow", record.contracts[ESCROW_KEY].address);
    const registry = await ethers.getContractAt("ParticipantRegistry", record.contracts[REGISTRY_KEY].address);
    // every contract but the registry (always consulted) and the timelock (no conflicting duty) is a platform
    // contract, registered before any duty was granted on it
    expect([...(await registry.platformContracts())]).to.deep.equal(
      [depositTokenKey("USD"), issuanceDeskKey("USD"), depositTokenKey("EUR"), issuanceDeskKey("EUR"), securityTokenKey(DEMO_SECURITY.isin), ESCROW_KEY, FX_QUOTES_KEY]
        .map((k) => record.contracts[k].address));
    for (const key of [depositTokenKey("USD"), ESCROW_KEY]) {
      const registered = lines.findIndex((l) => l.startsWith(`  done    register ${key} as platform contract`));
      expect(registered, key).to.be.greaterThan(-1);
      expect(registered, key).to.be.lessThan(lines.findIndex((l) => l.startsWith(`  done    grant COMPLIANCE_ROLE on ${key}`)));
    }
    expect(await registry.participantOf(await escrow.getAddress())).to.equal(ethers.id(ESCROW_PARTICIPANT));
    expect(await registry.isAllowed(await escrow.getAddress())).to.equal(true);
    for (const key of [depositTokenKey("USD"), depositTokenKey("EUR"), securityTokenKey(DEMO_SECURITY.isin)]) {
      expect(await escrow.isListed(record.contracts[key].address), key).to.equal(true);
    }
    // FxQuotes pays between deposit tokens only; it spends allowances, so it is an onboarded participant
    const fx = await ethers.getContractAt("FxQuotes", record.contracts[FX_QUOTES_KEY].address);
    for (const key of [depositTokenKey("USD"), depositTokenKey("EUR")]) expect(await fx.isListed(record.contracts[key].address), key).to.equal(true);
    expect(await fx.isListed(record.contracts[securityTokenKey(DEMO_SECURITY.isin)].address)).to.equal(false);
    expect(await registry.participantOf(await fx.getAddress())).to.equal(ethers.id(FX_QUOTES_PARTICIPANT));
    expect(await registry.isAllowed(await fx.getAddress())).to.equal(true);
  });

  it("hands UPGRADER_ROLE of every contract to a timelock with the given delay, cancelled by the guardian alone; the admin keeps none and cannot take it", async function () {
    const { admin, params: p } = await params();
    const record = await deployPlatform(admin, { ...p, upgradeDelay: 2 * 24 * 3600 }, () => undefined);
    const timelock = await ethers.getContractAt("UpgradeTimelock", record.contracts[TIMELOCK_KEY].address);
    expect(await timelock.getMinDelay()).to.equal(2n * 24n * 3600n);
    expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), p.roles.upgrader)).to.equal(true);
    expect(await timelock.hasRole(await timelock.EXECUTOR_ROLE(), p.roles.upgrader)).to.equal(true);
    expect(await timelock.hasRole(await timelock.DEFAULT_ADMIN_ROLE(), admin.address)).to.equal(false);
    expect(await timelock.hasRole(await timelock.CANCELLER_ROLE(), p.roles.guardian)).to.equal(true);
    expect(await timelock.hasRole(await timelock.CANCELLER_ROLE(), p.roles.upgrader)).to.equal(false);
    expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), p.roles.guardian)).to.equal(false);
    expect(await timelock.hasRole(await timelock.EXECUTOR_ROLE(), p.roles.guardian)).to.equal(false);
    const upgrader = ethers.id("UPGRADER_ROLE");
    for (const key of [REGISTRY_KEY, depositTokenKey("USD"), issuanceDeskKey("USD"), securityTokenKey(DEMO_SECURITY.isin), ESCROW_KEY, FX_QUOTES_KEY]) {
      const c = await ethers.getContractAt("AccessControlDefaultAdminRulesUpgradeable", record.contracts[key].address, admin);
      expect(await c.hasRole(upgrader, await timelock.getAddress()), key).to.equal(true);
      expect(await c.hasRole(upgrader, admin.address), key).to.equal(false);
      expect(await c.hasRole(upgrader, p.roles.upgrader), key).to.equal(false);
      expect(await c.getRoleAdmin(upgrader), key).to.equal(upgrader);
      await expect(c.grantRole(upgrader, admin.address), key)
        .to.be.revertedWithCustomError(c, "AccessControlUnauthorizedAccount").withArgs(admin.address, upgrader);
    }
    const escrow = record.contracts[ESCROW_KEY].address;
    for (const key of [depositTokenKey("USD"), depositTokenKey("EUR"), securityTokenKey(DEMO_SECURITY.isin)]) {
      const token = await ethers.getContractAt("PermissionedToken", record.contracts[key].address);
      expect(await token.isCustodian(escrow), key).to.equal(true);
    }
    const dvp = await ethers.getContractAt("DvPEscrow", escrow);
    expect(await dvp.hasRole(ethers.id("COMPLIANCE_ROLE"), p.roles.compliance)).to.equal(true);
  });

  it("refuses one account for the issuer duty and the reserve or compliance duty", async function () {
    const { admin, params: p } = await params();
    expect(() => requireSeparateDuties({ ...p.roles, reserve: p.roles.issuer }))
      .to.throw(`issuer and reserve are the same account ${p.roles.issuer}: these duties must be held by different keys`);
    expect(() => requireSeparateDuties({ ...p.roles, compliance: p.roles.issuer.toLowerCase() }))
      .to.throw(/issuer and compliance are the same account/);
    await expect(deployPlatform(admin, { ...p, roles: { ...p.roles, reserve: p.roles.issuer } }, () => undefined))
      .to.be.rejectedWith(/issuer and reserve are the same account/);
    // Dual control needs two people.
    expect(() => requireSeparateDuties({ ...p.roles, secondIssuer: p.roles.issuer }))
      .to.throw(`issuer and secondIssuer are the same account ${p.roles.issuer}: these duties must be held by different keys`);
    expect(() => requireSeparateDuties({ ...p.roles, secondIssuer: p.roles.reserve })).to.throw(/secondIssuer and reserve are the same account/);
    expect(fs.existsSync(deploymentPath("hardhat"))).to.equal(false);
  });

  it("refuses one account for the upgrader and the guardian duty", async function () {
    const { admin, params: p } = await params();
    expect(() => requireSeparateDuties({ ...p.roles, guardian: p.roles.upgrader.toLowerCase() }))
      .to.throw(`upgrader and guardian are the same account ${p.roles.upgrader}: these duties must be held by different keys`);
    await expect(deployPlatform(admin, { ...p, roles: { ...p.roles, guardian: p.roles.upgrader } }, () => undefined))
      .to.be.rejectedWith(/upgrader and guardian are the same account/);
    expect(fs.existsSync(deploymentPath("hardhat"))).to.equal(false);
  });

  it("says which step is left when the recorded timelock does not have the guardian, and sends nothing", async function () {
    const { admin, params: p } = await params();
    const first = await deployPlatform(admin, p, () => undefined);
    const nonce = await ethers.provider.getTransactionCount(admin.address);
    const other = (await ethers.getSigners())[GUARDIAN_ACCOUNT + 2].address;
    const lines: string[] = [];
    await deployPlatform(admin, { ...p, roles: { ...p.roles, guardian: other } }, (l) => lines.push(l));
    expect(lines).to.include(`  todo    the recorded ${TIMELOCK_KEY} ${first.contracts[TIMELOCK_KEY].address} does not give the guardian ${other} CANCELLER_ROLE: migrate to a timelock with a guardian (README, Upgrades)`);
    expect(await ethers.provider.getTransactionCount(admin.address)).to.equal(nonce);
  });

  it("refuses on a configured network an admin or upgrade delay below one day, naming the variable, unless ALLOW_SHORT_DELAYS=1", function () {
    const day = 24 * 3600;
    expect(() => requireLongDelays("besu", { adminDelay: day - 1, upgradeDelay: day }, undefined)).to.throw(
      'ADMIN_DELAY_SECONDS=86399 on network "besu" is below one day (86400 s): the bank would have less than a day to stop a change; raise it (or set ALLOW_SHORT_DELAYS=1 if this is deliberate)');
    expect(() => requireLongDelays("besu", { adminDelay: day, upgradeDelay: 0 }, "0")).to.throw(
      /^UPGRADE_DELAY_SECONDS=0 on network "besu" is below one day/);
    expect(() => requireLongDelays("rpc", { adminDelay: 2 * day, upgradeDelay: 3600 }, undefined)).to.throw(/^UPGRADE_DELAY_SECONDS=3600 on network "rpc"/);
    expect(() => requireLongDelays("besu", { adminDelay: 60, upgradeDelay: 0 }, "1")).to.not.throw();
    expect(() => requireLongDelays("besu", { adminDelay: day, upgradeDelay: day }, undefined)).to.not.throw();
    for (const dev of ["hardhat", "localhost", "qbft"]) expect(() => requireLongDelays(dev, { adminDelay: 60, upgradeDelay: 0 }, undefined), dev).to.not.throw();
  });

  it("takes the desks' limits from the environment off development networks: two officers for everything by default", function () {
    expect(issuanceLimits(true, { ISSUANCE_THRESHOLD: "5" })).to.deep.equal(DEVELOPMENT_LIMITS);
    expect(issuanceLimits(false, {})).to.deep.equal({ issuanceThreshold: "0", redemptionThreshold: "0", officerAllowance: "0", approvalWindow: 86400 });
    expect(issuanceLimits(false, { ISSUANCE_THRESHOLD: "250000.00", REDEMPTION_THRESHOLD: "100000", OFFICER_ALLOWANCE: " 1000000.00 ", APPROVAL_WINDOW_SECONDS: "3600" }))
      .to.deep.equal({ issuanceThreshold: "250000.00", redemptionThreshold: "100000", officerAllowance: "1000000.00", approvalWindow: 3600 });
    expect(() => issuanceLimits(false, { OFFICER_ALLOWANCE: "1,000" }))
      .to.throw('OFFICER_ALLOWANCE="1,000" is not an amount in currency units (for example 1000000.00)');
    expect(() => issuanceLimits(false, { APPROVAL_WINDOW_SECONDS: "1h" })).to.throw('APPROVAL_WINDOW_SECONDS="1h" is not a whole number of seconds');
  });

  it("gives a currency its own limits where ISSUANCE_THRESHOLD_<CODE> and the others say so, naming that variable in a refusal", function () {
    const env = { ISSUANCE_THRESHOLD: "1000000.00", OFFICER_ALLOWANCE: "5000000.00", ISSUANCE_THRESHOLD_JPY: "150000000", OFFICER_ALLOWANCE_JPY: "750000000" };
    const jpy = issuanceLimits(false, env, "JPY");
    expect(jpy).to.deep.equal({
      issuanceThreshold: "150000000", redemptionThreshold: "0", officerAllowance: "750000000", approvalWindow: 86400,
      sources: { issuanceThreshold: "ISSUANCE_THRESHOLD_JPY", officerAllowance: "OFFICER_ALLOWANCE_JPY" },
    });
    expect(issuanceLimits(false, env, "USD")).to.deep.equal({ issuanceThreshold: "1000000.00", redemptionThreshold: "0", officerAllowance: "5000000.00", approvalWindow: 86400 });
    expect(deskLimits(jpy, CURRENCIES.JPY).issuanceThreshold).to.equal(150_000_000n);
    expect(() => deskLimits(issuanceLimits(false, { ISSUANCE_THRESHOLD_JPY: "1.5" }, "JPY"), CURRENCIES.JPY))
      .to.throw('ISSUANCE_THRESHOLD_JPY "1.5" has 1 decimals; JPY has 0 (its ISO 4217 minor unit): give the limit in whole units');
    expect(() => issuanceLimits(false, { REDEMPTION_THRESHOLD_KWD: "1,5" }, "KWD"))
      .to.throw('REDEMPTION_THRESHOLD_KWD="1,5" is not an amount in currency units (for example 1000000.00)');
  });

  it("refuses a limit with more decimals than the currency has, naming it, before anything is sent", async function () {
    const { admin, params: p } = await params();
    const nonce = await ethers.provider.getTransactionCount(admin.address);
    await expect(deployPlatform(admin, { ...p, limits: { ...p.limits, officerAllowance: "10.001" } }, () => undefined))
      .to.be.rejectedWith(/OFFICER_ALLOWANCE "10.001" has 3 decimals; USD has 2 \(its ISO 4217 minor unit\)/);
    expect(await ethers.provider.getTransactionCount(admin.address)).to.equal(nonce);
  });

  it("keeps every deployed contract at least 2,048 bytes below the 24,576-byte contract size limit", async function () {
    // Instrumented for coverage the code is larger than it deploys; the sizes are those of the real build.
    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();
    for (const name of ["ParticipantRegistry", "DepositToken", "IssuanceDesk", "SecurityToken", "DvPEscrow", "FxQuotes", "UpgradeTimelock"]) {
      const size = ethers.dataLength((await hre.artifacts.readArtifact(name)).deployedBytecode);
      expect(size, name).to.be.at.most(24_576 - 2_048);
    }
  });

  it("gives the guardian duty to development account 10", async function () {
    const { params: p } = await platformParams(hre);
    const signers = await ethers.getSigners();
    expect(p.roles.guardian).to.equal(signers[10].address);
    expect(p.roles.secondIssuer).to.equal(signers[DEVELOPMENT_SECOND_ISSUER].address);
    expect(DEVELOPMENT_SECOND_ISSUER).to.equal(11);
  });

  it("refuses a configured network on a development chain id unless explicitly allowed", async function () {
    expect(() => requireOwnChainId("besu", 1337, undefined)).to.throw(
      'network "besu" is chain id 1337, a development chain id: signatures made for one environment would be valid on another; give each environment its own chain id (or set ALLOW_DEV_CHAIN_ID=1 if this is deliberate)');
    expect(() => requireOwnChainId("besu", 31337, "0")).to.throw(/chain id 31337, a development chain id/);
    expect(() => requireOwnChainId("besu", 1337, "1")).to.not.throw();
    expect(() => requireOwnChainId("besu", 2024, undefined)).to.not.throw();
    for (const dev of ["hardhat", "localhost", "qbft"]) expect(() => requireOwnChainId(dev, 1337, undefined), dev).to.not.throw();
  });

  it("gives development networks an upgrade delay of 0, or UPGRADE_DELAY_SECONDS", async function () {
    const saved = process.env.UPGRADE_DELAY_SECONDS;
    try {
      delete process.env.UPGRADE_DELAY_SECONDS;
      expect((await platformParams(hre)).params.upgradeDelay).to.equal(0);
      process.env.UPGRADE_DELAY_SECONDS = "172800";
      expect((await platformParams(hre)).params.upgradeDelay).to.equal(172800);
      process.env.UPGRADE_DELAY_SECONDS = "2 days";
      await expect(platformParams(hre)).to.be.rejectedWith('UPGRADE_DELAY_SECONDS="2 days" is not a whole number of seconds');
    } finally {
      if (saved === undefined) delete process.env.UPGRADE_DELAY_SECONDS;
      else process.env.UPGRADE_DELAY_SECONDS = saved;
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
        // the timelock, 6 implementations (both deposit tokens share one, both desks another), 8 proxies,
        // 7 platform-contract registrations, 25 role grants (17 duties, 8 UPGRADER_ROLE to the timelock),
        // 4 officer allowances, 8 renouncements of UPGRADER_ROLE, 3 listings in the escrow, 3 custodian marks
        // and 2 listings in FxQuotes
        if (onDisk?.contracts[FX_QUOTES_KEY] && onDisk.pending?.length === 1 + 6 + 8 + 7 + 25 + 4 + 8 + 3 + 3 + 2) {
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

  it("does not send again while an interrupted run's transactions are still unmined, and commands refuse the unfinished record", async function () {
    const { admin, params: p } = await params();
    await ethers.provider.send("evm_setAutomine", [false]);
    let first: Promise<DeploymentRecord> | undefined;
    try {
      first = deployPlatform(admin, p, () => undefined);
      let interrupted: DeploymentRecord | undefined;
      for (let i = 0; !interrupted; i++) {
        const onDisk = fs.existsSync(deploymentPath("hardhat")) ? readDeployment("hardhat") : undefined;
        if (onDisk?.pending?.length === 1 + 6 + 8 + 7 + 25 + 4 + 8 + 3 + 3 + 2) interrupted = onDisk; // all the admin's transactions sent
        expect(i).to.be.lessThan(200);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(() => requireFinished(interrupted!)).to.throw(/the deployment of "hardhat" is unfinished .*run npm run deploy -- --network hardhat/);
      const nonce = await ethers.provider.getTransactionCount(admin.address, "pending");
      await expect(deploy(hre, admin, p, { persist: true, log: () => undefined, interruptedWaitMs: 500 })).to.be.rejectedWith(
        /transactions of an interrupted run are still waiting to be mined .*nothing was sent/);
      expect(await ethers.provider.getTransactionCount(admin.address, "pending")).to.equal(nonce);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
      await ethers.provider.send("evm_mine", []);
    }
    requireFinished(await first!);
  });

  it("creates again what an interrupted run sent but the network dropped", async function () {
    const { admin, params: p } = await params();
    const done = await deployPlatform(admin, p, () => undefined);
    const key = securityTokenKey(DEMO_SECURITY.isin);
    const dropped = ethers.hexlify(ethers.randomBytes(32));
    const lost = { ...done.contracts[key], address: ethers.getCreateAddress({ from: admin.address, nonce: 10_000 }), txHash: dropped, block: -1 };
    fs.writeFileSync(deploymentPath("hardhat"), JSON.stringify({ ...done, contracts: { ...done.contracts, [key]: lost }, pending: [dropped] }));
    const lines: string[] = [];
    const resumed = await deployPlatform(admin, p, (l) => lines.push(l));
    expect(lines).to.include(`  drop    ${key} at ${lost.address} (its creation never succeeded; created again)`);
    expect(resumed.contracts[key].address).to.not.equal(lost.address);
    expect(await ethers.provider.getCode(resumed.contracts[key].address)).to.not.equal("0x");
    expect(resumed.pending).to.equal(undefined);
    requireFinished(resumed);
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
    const fx = record.contracts[FX_QUOTES_KEY].address;
    expect(lines.join("\n")).to.include(
      `npx hardhat participant:onboard --network hardhat --id ${FX_QUOTES_PARTICIPANT} --wallets ${fx} --kyc-expiry <date>`);
    expect(await registry.participantOf(fx)).to.equal(ethers.ZeroHash);
  });

  it("says in one line that a network has no deployment", function () {
    expect(() => readDeployment("qbft")).to.throw(/no deployment for network "qbft": .*qbft\.json does not exist; deploy with npm run deploy -- --network qbft$/);
  });
});
