import { expect } from "chai";
import { spawn, spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import hre from "hardhat";
import { ethers } from "ethers";
import type { ChildProcess } from "child_process";
import type { DeploymentRecord } from "../../lib/deployment";
import { openLedger } from "../../lib/ledger/db";
import { readCursor, syncLedger } from "../../lib/ledger/sync";
import { freePort, startHardhatNode } from "../helpers/node";
import { seedLedgerDir } from "../helpers/ledger";

const ROOT = path.join(__dirname, "..", "..");
const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");
const coverage = () => process.env.__SOLIDITY_COVERAGE_RUNNING !== undefined || (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING;

/**
 * `npx hardhat ledger sync --network localhost` against a hardhat node, killed (SIGKILL) right after its
 * first committed range, then run again: the ledger must hold every event once.
 */
describe("ledger: an interrupted sync", function () {
  this.timeout(240_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ledger-interrupted-"));
  let node: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;
  let url = "";

  before(async function () {
    if (coverage()) this.skip();
    const port = await freePort(8800, 8809);
    url = `http://127.0.0.1:${port}`;
    env = { ...process.env, RPC_TEST_PORT: String(port), DEPLOYMENTS_DIR: tmp, LEDGER_DIR: path.join(tmp, "ledger"), LEDGER_BLOCK_RANGE: "1" };
    for (const v of ["HARDHAT_NETWORK", "DATABASE_URL", "DISPLAY", "WAYLAND_DISPLAY"]) delete env[v];
    await seedLedgerDir(env.LEDGER_DIR!);
    node = await startHardhatNode(port, env);
    const made = spawnSync(HARDHAT, ["run", "--network", "localhost", "test/ledger/activity-on-node.ts"], { cwd: ROOT, env: { ...env, LEDGER_ACTIVITY_SCRIPT: "1" }, encoding: "utf8", timeout: 180_000 });
    expect(made.status, made.stderr).to.equal(0);
  });

  after(function () {
    if (node?.pid && node.exitCode === null) process.kill(node.pid);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("resumes after a kill following its first committed range, with no gap and no duplicate", async function () {
    const child = spawn(HARDHAT, ["ledger", "sync", "--network", "localhost"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += String(d)));
    const killed = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`ledger sync printed no committed range within 90 s: ${stderr}`));
      }, 90_000);
      let out = "";
      child.stdout!.on("data", (d) => {
        out += String(d);
        if (/^ {2}blocks \d+\.\.\d+: \d+ events$/m.test(out) && child.exitCode === null) {
          process.kill(child.pid!, "SIGKILL");
          clearTimeout(timer);
          resolve(out);
        }
      });
      child.on("exit", () => {
        clearTimeout(timer);
        resolve(out);
      });
    });
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(undefined) : child.once("exit", r)));
    expect(child.signalCode, `${killed}${stderr}`).to.equal("SIGKILL");

    const provider = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true });
    const record = JSON.parse(fs.readFileSync(path.join(tmp, "localhost.json"), "utf8")) as DeploymentRecord;
    const head = await provider.getBlockNumber();
    // The killed sync left its lock behind; a process that no longer runs holds nothing, so it is taken over.
    expect(fs.readFileSync(path.join(tmp, "ledger", "ledger.lock"), "utf8").trim()).to.equal(String(child.pid));
    const db = await openLedger({ dir: path.join(tmp, "ledger") });
    try {
      const atKill = (await readCursor(db))!;
      expect(atKill.lastBlock, "killed mid-sync").to.be.lessThan(head);
      const resumed = await syncLedger(db, provider, record, { blockRange: 2000 });
      expect(resumed).to.include({ resumed: true, fromBlock: atKill.lastBlock + 1, toBlock: head });

      const logs = (await provider.send("eth_getLogs", [{ fromBlock: ethers.toQuantity(atKill.firstBlock), toBlock: ethers.toQuantity(head), address: Object.values(record.contracts).map((c) => c.address) }])) as { transactionHash: string; logIndex: string }[];
      const onChain = logs.map((l) => `${l.transactionHash.toLowerCase()}:${Number(l.logIndex)}`).sort();
      const stored = (await db.query("SELECT tx_hash, log_index FROM events")).map((r) => `${r.tx_hash}:${r.log_index}`).sort();
      expect(stored).to.deep.equal(onChain);
      const transfers = logs.filter((l) => (l as unknown as { topics: string[] }).topics[0] === ethers.id("Transfer(address,address,uint256)")).length;
      expect((await db.query("SELECT count(*)::int AS n FROM movements"))[0].n).to.equal(transfers);
      expect((await readCursor(db))!.lastBlock).to.equal(head);
    } finally {
      await db.close();
      provider.destroy();
    }
  });
});
