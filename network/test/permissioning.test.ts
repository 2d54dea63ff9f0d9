import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic } from "ethers";
import { CHAIN_ID, DEV_MNEMONIC, enodeUrl, HTTP_APIS, nodeKeys, NodeKey, P2P_PORT_BASE, RPC_PORT_BASE, VALIDATORS } from "../genesis";
import {
  allowlist, allowNode, disallowNode, discardVote, ipc, nodeDir, PERMISSIONED_NODES, prepareNode, proposeValidator, rpcUrl, sleep,
  startNode, status, stopNode, validatorsOf,
} from "../node";

/**
 * Node permissioning and validator changes on the running 4-validator QBFT network
 * (`npx ts-node network/test-qbft.ts permissioning`). The tests run in order on one network: an outsider is
 * refused, the bank's read-only node is allowed while the validators run and syncs, then the validators vote
 * it in as a fifth validator and out again. Measured figures are printed with a `measured:` prefix.
 */
describe("QBFT network permissioning and validator votes", function () {
  this.timeout(240_000);
  const validators = nodeKeys();
  const reader = nodeKeys(VALIDATORS + 1)[VALIDATORS]; // node4: 127.0.0.1:8549, P2P 30307
  /** A node key the bank never issued (another derivation path), on P2P 30308, with no HTTP port. */
  const outsider: NodeKey = (() => {
    const wallet = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), "m/44'/60'/2'/0/0");
    return {
      index: VALIDATORS + 1, privateKey: wallet.privateKey, enodeId: wallet.signingKey.publicKey.slice(4), address: wallet.address,
      rpcPort: RPC_PORT_BASE + VALIDATORS + 1, p2pPort: P2P_PORT_BASE + VALIDATORS + 1,
    };
  })();
  const rpc = validators.map((n) => new JsonRpcProvider(rpcUrl(n), CHAIN_ID, { staticNetwork: true, pollingInterval: 250 }));
  const readerRpc = new JsonRpcProvider(rpcUrl(reader), CHAIN_ID, { staticNetwork: true });
  const measured = (line: string) => console.log(`      measured: ${line}`);
  const head = () => rpc[0].getBlockNumber();
  const peerIds = async (i: number) => (await ipc<{ id: string; enode: string }[]>(i, "admin_peers")).map((p) => /^enode:\/\/([0-9a-f]+)@/.exec(p.enode)?.[1]);
  /** The validator set in GoQuorum's order (ascending address). */
  const bySet = (addresses: string[]) => [...addresses].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  const four = bySet(validators.map((n) => n.address));
  const majority = validators.slice(0, 3).map((n) => n.index); // 3 votes: more than half of 4, and of 5

  /** Polls `check` every 500 ms until it holds; fails naming `what` after `timeoutMs`. */
  async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    for (;;) {
      if (await check().catch(() => false)) return Date.now() - started;
      if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
      await sleep(500);
    }
  }

  /**
   * Waits until the validator set as node0 sees it does (or does not) include `address`, sampling the head
   * every 500 ms meanwhile; returns the time it took and the longest stretch without a new block.
   */
  async function voteTakesEffect(address: string, included: boolean): Promise<{ ms: number; longestGapMs: number; blocks: number }> {
    const from = await head();
    let [last, lastAt, longestGapMs] = [from, Date.now(), 0];
    const ms = await until(`validator set ${included ? "with" : "without"} ${address}`, 90_000, async () => {
      const h = await head();
      if (h > last) [last, lastAt] = [h, Date.now()];
      longestGapMs = Math.max(longestGapMs, Date.now() - lastAt);
      return (await validatorsOf(0)).includes(address) === included;
    });
    return { ms, longestGapMs, blocks: (await head()) - from };
  }

  /** Blocks per second on node0 over `seconds`. */
  async function blockRate(seconds: number): Promise<number> {
    const [h0, t0] = [await head(), Date.now()];
    await sleep(seconds * 1000);
    return ((await head()) - h0) / ((Date.now() - t0) / 1000);
  }

  after(async function () {
    // a test that failed half way leaves the network as it found it: node4 voted out, then stopped
    if ((await validatorsOf(0).catch((): string[] => [])).includes(reader.address)) {
      for (const i of majority) await proposeValidator(i, reader.address, false).catch(() => undefined);
      await voteTakesEffect(reader.address, false).catch(() => undefined);
    }
    for (const i of majority) await discardVote(i, reader.address).catch(() => undefined);
    await stopNode(outsider.index);
    await stopNode(reader.index);
    disallowNode(enodeUrl(reader));
    for (const p of [...rpc, readerRpc]) p.destroy();
  });

  it("serves no admin, personal or istanbul API over HTTP, and allows exactly the four validators' enodes", async function () {
    for (const method of ["admin_peers", "admin_addPeer", "personal_listAccounts", "istanbul_propose", "istanbul_getValidators"]) {
      const error = await rpc[0].send(method, []).then(() => undefined, (e: Error) => e.message);
      expect(error, `${method} over HTTP`).to.match(/does not exist|not available|not found/i);
    }
    expect(HTTP_APIS).to.not.include.members(["admin", "personal", "istanbul", "miner", "debug"]);
    for (const n of validators) {
      const file = JSON.parse(fs.readFileSync(path.join(nodeDir(n.index), PERMISSIONED_NODES), "utf8")) as string[];
      expect(file, `node${n.index}/${PERMISSIONED_NODES}`).to.deep.equal(validators.map((v) => enodeUrl(v)));
    }
    const report = await status();
    expect(report.map((r) => r.validators), "network:status reads the validator set over IPC").to.deep.equal(validators.map(() => four));
    const printed = spawnSync(path.join(__dirname, "..", "..", "node_modules", ".bin", "ts-node"), [path.join(__dirname, "..", "cli.ts"), "status"], { encoding: "utf8" });
    expect(printed.stdout).to.include(`node0 http://127.0.0.1:8545  head `);
    expect(printed.stdout).to.include(`  peers 3  validators ${four.join(",")}\n`);
  });

  it("refuses a node with an unknown key that dials the validators: it gets no peer and no block", async function () {
    prepareNode(outsider, validators.map((n) => enodeUrl(n)));
    startNode(outsider, { http: false, permissioned: false });
    await until("the outsider's IPC socket", 30_000, async () => (await ipc<string>(outsider.index, "eth_blockNumber")) === "0x0");
    const from = await head();
    // GoQuorum dials its static peers at once and again every few seconds: 15 s cover several attempts
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(1000)) {
      expect(await ipc<unknown[]>(outsider.index, "admin_peers"), "the outsider's peers").to.deep.equal([]);
      for (const n of validators) expect(await peerIds(n.index), `node${n.index}'s peers`).to.not.include(outsider.enodeId);
    }
    expect(await ipc<string>(outsider.index, "eth_blockNumber"), "the outsider synced nothing").to.equal("0x0");
    expect(await head(), "the validators went on").to.be.greaterThan(from);
    const log = fs.readFileSync(path.join(nodeDir(outsider.index), "node.log"), "utf8");
    expect(log, "the outsider started and dialled").to.match(/Started P2P networking/);
    await stopNode(outsider.index);
  });

  it("lets the bank's read-only node in by adding its enode to the running validators' allowlist: it peers and syncs to the same head hash", async function () {
    expect(allowNode(enodeUrl(reader))).to.equal(true);
    expect(allowNode(enodeUrl(reader)), "a second add changes nothing").to.equal(false);
    for (const n of validators) {
      const file = JSON.parse(fs.readFileSync(path.join(nodeDir(n.index), PERMISSIONED_NODES), "utf8")) as string[];
      expect(file).to.include(enodeUrl(reader));
    }
    prepareNode(reader, validators.map((n) => enodeUrl(n)));
    const started = Date.now();
    startNode(reader); // no validator restarted: GoQuorum reads permissioned-nodes.json at each new connection
    const target = await head();
    await until("the reader past the validators' head", 90_000, async () => (await readerRpc.getBlockNumber()) >= target);
    measured(`read-only node synced ${target} blocks and peered in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect((await readerRpc.getBlock(target))!.hash).to.equal((await rpc[0].getBlock(target))!.hash);
    for (const n of validators) expect(await peerIds(n.index), `node${n.index}'s peers`).to.include(reader.enodeId);
    expect(await validatorsOf(reader.index), "a reader, not a validator").to.not.include(reader.address);
  });

  it("adds the fifth node as a validator by a majority vote over IPC and removes it again, with blocks produced throughout", async function () {
    expect(await validatorsOf(0)).to.deep.equal(four);
    const withFour = await blockRate(5);

    for (const i of majority) await proposeValidator(i, reader.address, true);
    const added = await voteTakesEffect(reader.address, true);
    for (const i of majority) await discardVote(i, reader.address);
    measured(`vote in took effect ${(added.ms / 1000).toFixed(1)} s after the votes (${added.blocks} blocks), longest gap between blocks ${(added.longestGapMs / 1000).toFixed(1)} s`);
    expect(added.blocks, "blocks while the vote went through").to.be.greaterThan(0);
    // node4 may be a block behind node0, whose view the vote was timed on: its own view follows with that block
    await until("node4's own view of the validator set with itself", 30_000, async () => (await validatorsOf(reader.index)).includes(reader.address));
    expect(await validatorsOf(reader.index)).to.deep.equal(bySet([...four, reader.address]));

    // the new validator takes its proposer turns: some block within the next 20 is its own
    const from = await head();
    await until("a block proposed by node4", 60_000, async () => {
      const h = await head();
      for (let n = from + 1; n <= Math.min(h, from + 20); n++) {
        const signers = await ipc<{ Author: string }>(0, "istanbul_getSignersFromBlock", [`0x${n.toString(16)}`]);
        if (signers.Author.toLowerCase() === reader.address.toLowerCase()) return true;
      }
      return false;
    });
    const withFive = await blockRate(8);
    expect(withFive, "blocks with five validators").to.be.greaterThan(0);

    for (const i of majority) await proposeValidator(i, reader.address, false);
    const removed = await voteTakesEffect(reader.address, false);
    for (const i of majority) await discardVote(i, reader.address);
    measured(`vote out took effect ${(removed.ms / 1000).toFixed(1)} s after the votes (${removed.blocks} blocks), longest gap between blocks ${(removed.longestGapMs / 1000).toFixed(1)} s`);
    expect(removed.blocks).to.be.greaterThan(0);
    expect(await validatorsOf(0)).to.deep.equal(four);
    const after = await blockRate(5);
    measured(`blocks per second: ${withFour.toFixed(2)} with 4 validators, ${withFive.toFixed(2)} with 5, ${after.toFixed(2)} with 4 again`);
    expect(after).to.be.greaterThan(0);
    expect(allowlist()).to.include(enodeUrl(reader));
  });
});
