import { expect } from "chai";
import fs from "fs";
import { getAddress, HDNodeWallet, JsonRpcProvider, Mnemonic, toQuantity } from "ethers";
import { CHAIN_ID, DEV_MNEMONIC, nodeKeys, VALIDATORS } from "../genesis";
import { ipc, nodeDir, prepareNode, rpcUrl, running, sleep, startNode, stopNode } from "../node";
import { Links, siteLayout, sitesDown, sitesUp } from "../sites";

/**
 * The 4 validators in 4 sites (network/sites.ts: a network namespace and address each, every P2P link
 * through Toxiproxy), part of `npm run test:faults`. QBFT needs 3 of 4 (2f+1, f = 1). Each test starts
 * from healthy links and leaves them healthy; every wait is bounded. Measured figures are printed with a
 * `measured:` prefix (observations, not pass/fail criteria).
 */
describe("QBFT validators in separate sites, links through Toxiproxy", function () {
  this.timeout(420_000);
  const nodes = nodeKeys();
  let links: Links;
  let rpc: JsonRpcProvider[] = [];
  const measured = (line: string) => console.log(`      measured: ${line}`);
  const wallet = (i: number) => HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${i}`);
  const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

  const head = (i: number) => rpc[i].getBlockNumber();
  const heads = () => Promise.all(nodes.map((n) => head(n.index)));
  const hashAt = async (i: number, height: number) => (await rpc[i].getBlock(height))?.hash;

  /** Polls `check` every 100 ms until it holds; fails naming `what` after `timeoutMs`. */
  async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; !(await check().catch(() => false)); await sleep(100)) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    }
  }
  /** Blocks per second on node `i` over `ms`, and the number of blocks. */
  async function blockRate(i: number, ms: number): Promise<{ rate: number; blocks: number }> {
    const [h0, t0] = [await head(i), Date.now()];
    await sleep(ms);
    const blocks = (await head(i)) - h0;
    return { rate: blocks / ((Date.now() - t0) / 1000), blocks };
  }
  /** Every validator running, peered with the three others, each head moving. */
  async function healthy(): Promise<void> {
    for (const n of nodes) startNode(n);
    await until("every validator sees the three others", 90_000, async () =>
      (await Promise.all(rpc.map((p) => p.send("net_peerCount", []).then(Number)))).every((c) => c === VALIDATORS - 1));
    const start = await heads();
    await until("every validator's head moves", 60_000, async () => (await heads()).every((h, i) => h > start[i]));
  }

  before(async function () {
    links = await sitesUp(() => undefined);
    rpc = nodes.map((n) => new JsonRpcProvider(rpcUrl(n), CHAIN_ID, { staticNetwork: true, pollingInterval: 250 }));
    await healthy();
  });
  afterEach(async function () {
    await links.reset();
    await healthy();
  });
  after(async function () {
    for (const p of rpc) p.destroy();
    await sitesDown(() => undefined);
  });

  it("validators answer on their own site addresses and each peers with the three others through the link proxies", async function () {
    expect(nodes.map(rpcUrl)).to.deep.equal(nodes.map((n) => `http://10.77.0.${n.index + 1}:${n.rpcPort}`));
    const peers = await ipc<{ network: { remoteAddress: string } }[]>(0, "admin_peers");
    expect(peers.map((p) => p.network.remoteAddress.split(":")[0])).to.deep.equal(["10.77.0.254", "10.77.0.254", "10.77.0.254"]);
    expect(fs.readFileSync(`${nodeDir(0)}/static-nodes.json`, "utf8")).to.include("@10.77.0.254:31001");
  });

  it("split 2|2, neither side makes a block; a payment sent during the split is mined exactly once after healing, and all four then hold the same hash at every height", async function () {
    const [payer, payee] = [wallet(6).connect(rpc[0]), wallet(7)];
    await links.partition([0, 1], [2, 3]);
    const splitAt = Date.now();
    await sleep(3000); // a block already being committed finishes or times out
    const frozen = await heads();
    const nonce = await rpc[0].getTransactionCount(payer.address);
    const before = [await rpc[0].getBalance(payer.address), await rpc[0].getBalance(payee.address)];
    const tx = await payer.sendTransaction({ to: payee.address, value: 1_234_567n, gasLimit: 21_000n, gasPrice: 0n, type: 0, nonce });
    await sleep(Math.max(0, splitAt + 18_000 - Date.now()));
    expect(await heads(), "no block on either side of a 2|2 split (15 s observed)").to.deep.equal(frozen);
    expect(await rpc[0].getTransactionReceipt(tx.hash)).to.equal(null);

    const healedAt = Date.now();
    await links.heal();
    await until("a block after healing", 120_000, async () => Math.max(...(await heads())) > Math.max(...frozen));
    measured(`2|2 split of ${seconds(splitAt)} s: heal to first block ${seconds(healedAt)} s`);
    const receipt = await rpc[0].waitForTransaction(tx.hash, 1, 120_000);
    expect(receipt?.status).to.equal(1);
    expect(await rpc[0].getTransactionCount(payer.address)).to.equal(nonce + 1);
    expect([await rpc[0].getBalance(payer.address), await rpc[0].getBalance(payee.address)]).to.deep.equal([before[0] - 1_234_567n, before[1] + 1_234_567n]);

    const top = receipt!.blockNumber + 2;
    await until(`every validator past block ${top}`, 120_000, async () => (await heads()).every((h) => h >= top));
    const chains = await Promise.all(nodes.map((n) => Promise.all(Array.from({ length: top + 1 }, (_, h) => rpc[n.index].getBlock(h)))));
    for (let h = 0; h <= top; h++) {
      expect(new Set(chains.map((c) => c[h]?.hash)).size, `block ${h} on all four`).to.equal(1);
    }
    expect(chains[0].filter((b) => b!.transactions.includes(tx.hash)).map((b) => b!.number), "the payment in one block").to.deep.equal([receipt!.blockNumber]);
  });

  it("after a 2|2 split that drops the connections, the validators redial through the proxies and blocks resume", async function () {
    await links.cut([0, 1], [2, 3]);
    const cutAt = Date.now();
    await until("each validator down to its one peer on its side", 30_000, async () =>
      (await Promise.all(rpc.map((p) => p.send("net_peerCount", []).then(Number)))).every((c) => c === 1));
    await sleep(3000);
    const frozen = await heads();
    await sleep(7000);
    expect(await heads(), "no block on either side").to.deep.equal(frozen);

    const [cutFor, healedAt] = [seconds(cutAt), Date.now()];
    await links.heal();
    await until("a block after healing", 120_000, async () => Math.max(...(await heads())) > Math.max(...frozen));
    const firstBlock = seconds(healedAt);
    await until("every validator peered with the three others again", 120_000, async () =>
      (await Promise.all(rpc.map((p) => p.send("net_peerCount", []).then(Number)))).every((c) => c === VALIDATORS - 1));
    measured(`2|2 cut of ${cutFor} s (connections dropped): heal to first block ${firstBlock} s, to all peers back ${seconds(healedAt)} s (GoQuorum redials a static peer 35 s after a failed dial)`);
  });

  it("split 3|1, the three keep making blocks and the isolated one catches up to the same head after healing", async function () {
    await links.partition([0, 1, 2], [3]);
    await sleep(2000);
    const isolated = await head(3);
    const { rate, blocks } = await blockRate(0, 15_000);
    expect(blocks, "blocks made by the three").to.be.at.least(3);
    expect(await head(3), "no block on the isolated validator").to.equal(isolated);

    const healedAt = Date.now();
    await links.heal();
    const target = await head(0);
    await until(`node3 at block ${target} with node0's hash`, 120_000, async () => (await head(3)) >= target && (await hashAt(3, target)) === (await hashAt(0, target)));
    measured(`3|1 split: ${rate.toFixed(2)} blocks/s on the three; isolated validator caught up ${target - isolated} blocks ${seconds(healedAt)} s after healing`);
  });

  it("with 10% loss on one validator's outgoing links only, blocks keep coming on every validator", async function () {
    const healthyRate = await blockRate(0, 8_000);
    links.loss(1, 10);
    const start = await heads();
    const { rate, blocks } = await blockRate(0, 15_000);
    expect(blocks).to.be.at.least(5);
    expect((await heads()).every((h, i) => h > start[i]), "every validator's head moves").to.equal(true);
    measured(`blocks/s: ${healthyRate.rate.toFixed(2)} with healthy links, ${rate.toFixed(2)} with 10% loss out of node1`);
  });

  it("with one slow validator (150 ms each way on its links only, RTT 300 ms), blocks keep coming on every validator", async function () {
    for (const n of nodes.filter((m) => m.index !== 2)) await links.rtt(2, n.index, 300);
    const start = await heads();
    const { rate, blocks } = await blockRate(0, 15_000);
    expect(blocks).to.be.at.least(5);
    expect((await heads()).every((h, i) => h > start[i]), "every validator's head moves").to.equal(true);
    measured(`blocks/s with node2 at RTT 300 ms from the others: ${rate.toFixed(2)}`);
  });

  it("a validator restarted with an empty data folder re-syncs from the others and signs blocks again", async function () {
    const node3 = getAddress(nodes[3].address);
    await stopNode(3);
    expect(running(3)).to.equal(undefined);
    fs.rmSync(nodeDir(3), { recursive: true, force: true });
    prepareNode(nodes[3], siteLayout().peers[3]); // its node key, static peers and allowlist: no chain data
    const restartedAt = Date.now();
    startNode(nodes[3]);
    const target = await head(0);
    await until(`node3 re-synced to block ${target}`, 120_000, async () => (await head(3)) >= target && (await hashAt(3, target)) === (await hashAt(0, target)));
    const synced = seconds(restartedAt);

    type Signers = { Author: string; Committers: string[] };
    let signed: { height: number; signers: Signers } | undefined;
    await until("a block proposed or committed by node3", 90_000, async () => {
      const height = await head(0);
      const signers = await ipc<Signers>(0, "istanbul_getSignersFromBlock", [toQuantity(height)]);
      if (height > target && (getAddress(signers.Author) === node3 || signers.Committers.map(getAddress).includes(node3))) signed = { height, signers };
      return signed !== undefined;
    });
    measured(`empty-folder validator re-synced ${target} blocks in ${synced} s; its seal in block ${signed!.height} ${seconds(restartedAt)} s after restart`);
    expect(signed!.height).to.be.greaterThan(target);
  });
});
