import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import hre from "hardhat";
import { developmentKey, mixedAccountsFile } from "./accounts-file";
import { useSoftHsm } from "./softhsm";

const ROOT = path.join(__dirname, "..", "..");

/**
 * `npm run demo` with its 13 accounts from an accounts file mixing backends: the admin and the duties
 * inside an HSM (SoftHSM2), the clients and the agent in encrypted keystores. The whole lifecycle signs
 * through lib/signers: deployment, issuance under dual control, payments, both DvP flows (EIP-712), redemption.
 */
describe("the demo with HSM and keystore accounts mixed (SIGNERS_FILE)", function () {
  this.timeout(600_000);
  const hsm = useSoftHsm("demo-duties");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "demo-mixed-"));
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it("runs the whole lifecycle, each transaction and signature by the account's own backend", async function () {
    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();
    const token = hsm();
    // Duties (admin 0, duties 1 to 5, second officer 11, guardian 12) in the HSM; clients 6 to 9 and the agent 10 in keystores.
    const duties = new Map([0, 1, 2, 3, 4, 5, 11, 12].map((i) => [i, `duty-${i}`]));
    const { file, addresses } = await mixedAccountsFile(work, token, duties, 13);
    const env: NodeJS.ProcessEnv = { ...process.env, SIGNERS_FILE: file };
    delete env.HARDHAT_NETWORK;
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "hardhat"), ["run", "scripts/demo.ts"], { cwd: ROOT, env, encoding: "utf8" });
    expect(r.status, `${r.stdout.slice(-2000)}\n${r.stderr}`).to.equal(0);
    expect(r.stderr.trim()).to.equal("");
    expect(r.stdout).to.include("Lifecycle complete");
    // The officers are the HSM keys: the first officer's own approval is refused naming its HSM address.
    expect(r.stdout).to.include(`SelfApproval: ${addresses[2]} proposed 1 and cannot approve it`);
    expect(r.stdout).to.not.include(developmentKey(2).address);
  });
});
