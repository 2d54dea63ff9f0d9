import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import hre from "hardhat";
import { JsonRpcProvider } from "ethers";
import { DeploymentRecord, readDeployment } from "../../lib/deployment";
import { signTrade, TradeTerms } from "../../lib/dvp";
import { formatAmount, toReference } from "../../lib/format";
import { CHAIN_ID, nodeKeys, VALIDATORS } from "../genesis";
import { Market, openMarket } from "../market";
import { down, HARDHAT, rpcUrl, running, sleep, startNode, status, stopNode, up } from "../node";

/**
 * Faults on the running 4-validator QBFT network (`npm run test:faults`). QBFT needs 3 of 4 validators
 * (2f+1 with f = 1): one down must not stop settlement, two down must halt the chain without losing or
 * duplicating what was submitted. Each test starts from a healthy network and leaves it healthy. The
 * Hardhat `qbft` network talks to node0, which these tests never stop alone. Measured figures are printed
 * with a `measured:` prefix (they are observations, not pass/fail criteria).
 */
describe("QBFT network faults", function () {
  this.timeout(900_000);
  const { ethers } = hre;
  const nodes = nodeKeys();
  const rpc = nodes.map((n) => new JsonRpcProvider(rpcUrl(n), CHAIN_ID, { staticNetwork: true, pollingInterval: 250 }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-"));
  const saved = process.env.DEPLOYMENTS_DIR;
  let market: Market;
  const measured = (line: string) => console.log(`      measured: ${line}`);

  const head = (i: number) => rpc[i].getBlockNumber();
  /** Blocks per second seen on node0 over `seconds`. */
  async function blockRate(seconds: number): Promise<number> {
    const [h0, t0] = [await head(0), Date.now()];
    await sleep(seconds * 1000);
    return (await head(0) - h0) / ((Date.now() - t0) / 1000);
  }
  /** Resolves once every running node's head has moved past `height`. */
  async function allPast(height: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const n of nodes) {
      if (!running(n.index)) continue;
      while ((await head(n.index).catch(() => -1)) <= height) {
        if (Date.now() > deadline) throw new Error(`node${n.index} did not pass block ${height} within ${timeoutMs / 1000} s`);
        await sleep(250);
      }
    }
  }
  /** All four validators running, peered and producing blocks. */
  async function healthy(): Promise<void> {
    for (const n of nodes) startNode(n);
    let height = -1;
    for (const deadline = Date.now() + 60_000; height < 0 && Date.now() < deadline; await sleep(250)) height = await head(0).catch(() => -1);
    await allPast(height, 120_000);
    const peers = await Promise.all(rpc.map((p) => p.send("net_peerCount", []).then(Number)));
    expect(peers, "each validator sees the three others").to.deep.equal(nodes.map(() => VALIDATORS - 1));
  }
  /** A payment with a reference from wallet a to wallet b, sent without waiting; its hash. */
  async function pay(a: number, b: number, amount: bigint, ref: string) {
    return market.usd.connect(market.wallets[a]).transferWithReference(market.wallets[b].address, amount, toReference(ref), { gasLimit: 200_000n, gasPrice: 0n, type: 0 });
  }

  before(async function () {
    process.env.DEPLOYMENTS_DIR = dir;
    await healthy();
    market = await openMarket(hre, 8, { cash: 1_000_000_00n, units: 1_000n });
  });
  afterEach(async function () {
    await healthy();
  });
  after(function () {
    for (const p of rpc) p.destroy();
    if (saved === undefined) delete process.env.DEPLOYMENTS_DIR;
    else process.env.DEPLOYMENTS_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("with one validator stopped, payments and a DvP settlement still finalize, and status shows the stopped node", async function () {
    const withFour = await blockRate(10);
    await stopNode(3);
    const report = await status();
    expect(report[3]).to.include({ running: false });
    expect(report[3].error).to.be.a("string");
    expect(report.slice(0, 3).every((n) => n.running && n.head !== undefined && n.peers === 2)).to.equal(true);
    const printed = spawnSync(path.join(__dirname, "..", "..", "node_modules", ".bin", "ts-node"), [path.join(__dirname, "..", "cli.ts"), "status"], { encoding: "utf8" });
    expect(printed.stdout).to.match(/^node3 http:\/\/127\.0\.0\.1:8548 {2}stopped$/m);
    expect(printed.stdout).to.match(/^node0 http:\/\/127\.0\.0\.1:8545 {2}head \d+ {2}peers 2 /m);

    const [payer, payee] = market.wallets;
    const before = await market.usd.balanceOf(payee.address);
    const receipt = await (await pay(0, 1, 1_234_56n, "FAULT-ONE-DOWN")).wait();
    expect(receipt?.status).to.equal(1);
    expect(await market.usd.balanceOf(payee.address)).to.equal(before + 1_234_56n);

    const { escrow, shares, usd } = market;
    const terms: TradeTerms = {
      seller: payer.address, buyer: payee.address, asset: await shares.getAddress(), assetAmount: 10n,
      cash: await usd.getAddress(), cashAmount: 1_800_00n,
      deadline: BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 3600), ref: toReference("FAULT-DVP-ONE-DOWN"),
    };
    const sigs = [await signTrade(payer, await escrow.getAddress(), CHAIN_ID, terms), await signTrade(payee, await escrow.getAddress(), CHAIN_ID, terms)];
    const unitsBefore = await shares.balanceOf(payee.address);
    const settled = await (await escrow.connect(market.duties.admin).settleSigned(terms, sigs[0], sigs[1])).wait();
    expect(settled?.status).to.equal(1);
    expect(await shares.balanceOf(payee.address)).to.equal(unitsBefore + 10n);

    const withThree = await blockRate(10);
    measured(`blocks per second: ${withFour.toFixed(2)} with 4 validators, ${withThree.toFixed(2)} with 3 (the stopped one's proposer turns time out into round changes)`);
    expect(withThree).to.be.greaterThan(0);
  });

  it("with two validators stopped the chain halts; a payment submitted during the halt is mined exactly once after they return", async function () {
    await stopNode(3);
    await stopNode(2);
    const stoppedAt = Date.now();
    await sleep(3000); // let a block in progress finish or time out
    const halted = await head(0);
    await sleep(6000);
    expect(await head(0), "no block without a quorum of 3").to.equal(halted);

    const [payer, payee] = [market.wallets[2], market.wallets[3]];
    const balances = async () => [await market.usd.balanceOf(payer.address), await market.usd.balanceOf(payee.address)];
    const [payerBefore, payeeBefore] = await balances();
    const nonce = await ethers.provider.getTransactionCount(payer.address);
    const tx = await pay(2, 3, 50_000_00n, "FAULT-DURING-HALT");
    expect(tx.hash, "acknowledged while halted").to.match(/^0x[0-9a-f]{64}$/);
    await sleep(2000);
    expect(await ethers.provider.getTransactionReceipt(tx.hash)).to.equal(null);

    const restarted = Date.now();
    startNode(nodes[2]);
    startNode(nodes[3]);
    while (await head(0) === halted) {
      expect(Date.now() - restarted, "blocks resume within 120 s").to.be.lessThan(120_000);
      await sleep(100);
    }
    measured(`restart of 2 validators to the first new block: ${((Date.now() - restarted) / 1000).toFixed(1)} s (after a halt of ${((restarted - stoppedAt) / 1000).toFixed(0)} s; QBFT round-change back-off)`);
    const receipt = await tx.wait();
    expect(receipt?.status).to.equal(1);
    expect(receipt!.blockNumber).to.be.greaterThan(halted);
    expect(await ethers.provider.getTransactionCount(payer.address)).to.equal(nonce + 1);
    expect(await balances()).to.deep.equal([payerBefore - 50_000_00n, payeeBefore + 50_000_00n]);
    const events = await market.usd.queryFilter(market.usd.filters.ReferencedTransfer(payer.address), halted - 5);
    expect(events.filter((e) => e.args.ref === toReference("FAULT-DURING-HALT"))).to.have.length(1);
  });

  it("a validator killed with SIGKILL under load comes back from its data folder to the same head, and no acknowledged payment is lost", async function () {
    const count = 240;
    const acknowledged: string[] = [];
    const senders = market.wallets.slice(0, 6);
    const nonces = await Promise.all(senders.map((w) => ethers.provider.getTransactionCount(w.address, "pending")));
    const payees = market.wallets.slice(6);
    for (let i = 0; i < count; i++) {
      const s = i % senders.length;
      const signed = await senders[s].signTransaction({
        to: await market.usd.getAddress(), nonce: nonces[s]++, gasLimit: 200_000n, gasPrice: 0n, type: 0, chainId: CHAIN_ID,
        data: market.usd.interface.encodeFunctionData("transferWithReference", [payees[i % payees.length].address, 1_00n, toReference(`LOAD-${i}`)]),
      });
      // spread the load over every validator that is up, the one about to be killed included
      const target = i < count / 2 ? i % VALIDATORS : i % (VALIDATORS - 1);
      acknowledged.push(await rpc[target].send("eth_sendRawTransaction", [signed]));
      if (i === count / 2) await stopNode(3, "SIGKILL");
    }
    expect(running(3)).to.equal(undefined);
    const restarted = Date.now();
    startNode(nodes[3]);
    const receipts = await Promise.all(acknowledged.map((h) => rpc[0].waitForTransaction(h, 1, 180_000)));
    expect(receipts.filter((r) => r?.status === 1), "every acknowledged payment is mined and succeeded").to.have.length(count);

    const target = Math.max(...receipts.map((r) => r!.blockNumber)) + 2;
    await allPast(target, 180_000);
    measured(`SIGKILLed validator back past block ${target} ${((Date.now() - restarted) / 1000).toFixed(1)} s after its restart`);
    const hashes = await Promise.all(rpc.map(async (p) => (await p.getBlock(target))!.hash));
    expect(new Set(hashes).size, `block ${target} on all four: ${hashes.join(", ")}`).to.equal(1);
    const perBlock = new Map<number, number>();
    for (const r of receipts) perBlock.set(r!.blockNumber, (perBlock.get(r!.blockNumber) ?? 0) + 1);
    measured(`${count} payments under load in ${perBlock.size} blocks, one validator SIGKILLed half way`);
  });

  it("after all four stop cleanly, commands fail in one line naming the endpoint; after a restart the suite, its balances and its record are intact", async function () {
    const record: DeploymentRecord = readDeployment("qbft");
    const holders = market.wallets.map((w) => w.address);
    const snapshot = async () => [await market.usd.totalSupply(), ...(await Promise.all(holders.map((a) => market.usd.balanceOf(a)))),
      ...(await Promise.all(holders.map((a) => market.shares.balanceOf(a))))];
    const before = await snapshot();
    const height = await head(0);

    await down(false, () => undefined);
    const hardhat = HARDHAT;
    const env = { ...process.env, DEPLOYMENTS_DIR: dir };
    for (const args of [["status", "--network", "qbft"], ["run", "--network", "qbft", "deploy/deploy.ts"]]) {
      const r = spawnSync(hardhat, args, { encoding: "utf8", env, cwd: path.join(__dirname, "..", "..") });
      expect(r.status, `hardhat ${args.join(" ")}`).to.not.equal(0);
      const lines = r.stderr.trim().split("\n");
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(/network "qbft" does not answer at http:\/\/127\.0\.0\.1:8545 .*nothing was sent/);
    }

    await up("geth", () => undefined);
    expect(await head(0)).to.be.at.least(height);
    expect(readDeployment("qbft")).to.deep.equal(record);
    for (const [key, c] of Object.entries(record.contracts)) expect(await ethers.provider.getCode(c.address), key).to.not.equal("0x");
    expect(await snapshot()).to.deep.equal(before);
    const r = spawnSync(hardhat, ["status", "--network", "qbft"], { encoding: "utf8", env, cwd: path.join(__dirname, "..", "..") });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`USD deposit token ${record.contracts["DepositToken:USD"].address}`);
    expect(r.stdout).to.match(new RegExp(`supply +${formatAmount(before[0], 2).replace(/\./g, "\\.")} USD`));
  });
});
