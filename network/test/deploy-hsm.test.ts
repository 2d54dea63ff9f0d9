import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import hre from "hardhat";
import { depositTokenKey, issuanceDeskKey, REGISTRY_KEY } from "../../lib/deployment";
import { roleId } from "../../lib/roles";
import { developmentKey, DUTY_KEY_LABELS, mixedAccountsFile } from "../../test/signers/accounts-file";
import { createSoftHsmTokens, SoftHsmToken } from "../../test/signers/softhsm";

const ROOT = path.join(__dirname, "..", "..");

/**
 * `npm run deploy` to the QBFT network with every duty key inside an HSM (a SoftHSM2 token made for the
 * run), then commands signed in the HSM over JSON-RPC: the reserve attests, an issuance officer issues.
 * The HSM accounts hold no ether: the QBFT network's gas price is 0.
 */
describe(`deployment signed with HSM keys on network "${hre.network.name}"`, function () {
  this.timeout(600_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "qbft-hsm-"));
  const addresses = new Map<number, string>();
  let hsm: { token: SoftHsmToken; remove: () => void };
  let env: NodeJS.ProcessEnv;

  const run = (command: string) => {
    const r = spawnSync("bash", ["-c", command], { cwd: ROOT, env, encoding: "utf8" });
    expect(r.status, `${command}\n${r.stdout}\n${r.stderr}`).to.equal(0);
    return r.stdout;
  };

  before(async function () {
    hsm = createSoftHsmTokens(["qbft-duties"]);
    const made = await mixedAccountsFile(work, hsm.token, DUTY_KEY_LABELS, 12);
    made.addresses.forEach((a, i) => addresses.set(i, a));
    env = { ...process.env, SIGNERS_FILE: made.file, DEPLOYMENTS_DIR: path.join(work, "deployments") };
  });

  after(function () {
    hsm?.remove();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("deploys the suite with the HSM keys: the HSM admin is the default admin, each duty is its HSM key's", async function () {
    const output = run(`npm run deploy -- --network ${hre.network.name}`);
    expect(output).to.include(`as ${addresses.get(0)}`);
    const record = JSON.parse(fs.readFileSync(path.join(work, "deployments", `${hre.network.name}.json`), "utf8")) as { contracts: Record<string, { address: string }> };
    const registry = await hre.ethers.getContractAt("ParticipantRegistry", record.contracts[REGISTRY_KEY].address);
    const token = await hre.ethers.getContractAt("DepositToken", record.contracts[depositTokenKey("USD")].address);
    const desk = await hre.ethers.getContractAt("IssuanceDesk", record.contracts[issuanceDeskKey("USD")].address);
    expect(await registry.defaultAdmin()).to.equal(addresses.get(0));
    expect(await token.defaultAdmin()).to.equal(addresses.get(0));
    expect(await registry.hasRole(roleId("COMPLIANCE_ROLE"), addresses.get(1)!)).to.equal(true);
    expect(await desk.hasRole(roleId("ISSUER_ROLE"), addresses.get(2)!)).to.equal(true);
    expect(await desk.hasRole(roleId("ISSUER_ROLE"), addresses.get(11)!)).to.equal(true);
    expect(await desk.hasRole(roleId("RESERVE_ROLE"), addresses.get(3)!)).to.equal(true);
    expect(await token.hasRole(roleId("PAUSER_ROLE"), addresses.get(4)!)).to.equal(true);
    // A second run with the same HSM keys finds everything in place and sends nothing.
    const again = run(`npm run deploy -- --network ${hre.network.name}`);
    expect(again).to.not.match(/^ {2}sent /m);
    expect(again).to.match(/reuse/);
  });

  it("signs the operators' commands in the HSM: the reserve attests and an officer issues to an onboarded client", async function () {
    const N = `--network ${hre.network.name}`;
    const acme = developmentKey(6).address;
    run(`npx hardhat participant:onboard ${N} --id "HSM Test Client" --wallets ${acme} --kyc-expiry 2099-12-31`);
    run(`npx hardhat token:attest ${N} --amount 1000.00 --report hsm-report-1 --as-of now`);
    const issued = run(`npx hardhat token:issue ${N} --to ${acme} --amount 250.00 --deposit-ref HSM-DEP-1 --json`);
    const result = JSON.parse(issued) as { transactions: { txHash: string }[] };
    const tx = await hre.ethers.provider.getTransaction(result.transactions[0].txHash);
    expect(tx!.from).to.equal(addresses.get(2));
    expect(tx!.gasPrice).to.equal(0n);
    const record = JSON.parse(fs.readFileSync(path.join(work, "deployments", `${hre.network.name}.json`), "utf8")) as { contracts: Record<string, { address: string }> };
    const token = await hre.ethers.getContractAt("DepositToken", record.contracts[depositTokenKey("USD")].address);
    expect(await token.balanceOf(acme)).to.equal(25_000n);
  });
});
