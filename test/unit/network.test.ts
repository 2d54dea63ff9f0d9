import { expect } from "chai";
import fs from "fs";
import os from "os";
import path from "path";
import { computeAddress, decodeRlp, ethers } from "ethers";
import {
  besuGenesis, CHAIN_ID, decodeQbftExtraData, devAccounts, enodeUrl, GAS_LIMIT, gethArgs, gethGenesis, nodeKeys, qbftExtraData, VALIDATORS,
} from "../../network/genesis";

describe("local QBFT network generator (network/)", function () {
  const nodes = nodeKeys();
  const validators = nodes.map((n) => n.address);

  it("derives four distinct validator keys whose enode ids and addresses belong to them", function () {
    expect(nodes).to.have.length(VALIDATORS);
    expect(new Set(validators).size).to.equal(VALIDATORS);
    for (const n of nodes) {
      expect(computeAddress(`0x04${n.enodeId}`)).to.equal(n.address);
      expect(computeAddress(n.privateKey)).to.equal(n.address);
      expect(enodeUrl(n)).to.equal(`enode://${n.enodeId}@127.0.0.1:${30303 + n.index}?discport=0`);
    }
    expect(validators).to.not.include.members(devAccounts());
  });

  it("writes QBFT extraData that decodes to the validators of the node keys, no vote, round 0, no seals", function () {
    for (const genesis of [gethGenesis(validators), besuGenesis(validators)]) {
      const extra = decodeQbftExtraData(genesis.extraData as string);
      expect(extra.vanity).to.equal(ethers.ZeroHash);
      expect(extra.validators).to.deep.equal(validators);
      expect(extra.vote).to.deep.equal([]);
      expect(extra.round).to.equal(0);
      expect(extra.committedSeals).to.deep.equal([]);
    }
    // byte layout: list header, 32-byte vanity, list of 4 x 20-byte addresses, then c0 80 c0
    const raw = qbftExtraData(validators);
    expect(raw.endsWith("c080c0")).to.equal(true);
    expect((decodeRlp(raw) as string[][])[1]).to.deep.equal(validators.map((v) => v.toLowerCase()));
  });

  it("refuses extraData that is not the five-item QBFT list", function () {
    expect(() => decodeQbftExtraData(ethers.encodeRlp(["0x01", []]))).to.throw("QBFT extraData is an RLP list of 5 items");
  });

  it("gives both clients the same chain: id 1337, berlin, 1 s blocks, same allocations and extraData", function () {
    const geth = gethGenesis(validators) as { config: Record<string, unknown>; alloc: object; extraData: string; mixHash: string };
    const besu = besuGenesis(validators) as typeof geth;
    for (const g of [geth, besu]) {
      expect(g.config.chainId).to.equal(CHAIN_ID);
      expect(g.config.berlinBlock).to.equal(0);
      expect(g.config).to.not.have.property("londonBlock");
      expect((g.config.qbft as Record<string, number>).blockperiodseconds).to.equal(1);
      expect(g.mixHash).to.equal("0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365");
    }
    expect(geth.config.isQuorum).to.equal(true);
    expect(besu.alloc).to.deep.equal(geth.alloc);
    expect(besu.extraData).to.equal(geth.extraData);
    expect(Object.keys(geth.alloc)).to.deep.equal(devAccounts().map((a) => a.slice(2).toLowerCase()));
  });

  it("fixes the block gas limit for both clients and keeps GoQuorum's nodes to 127.0.0.1 without the admin API", function () {
    const geth = gethGenesis(validators) as { config: { transitions: Record<string, unknown>[] }; gasLimit: string };
    const besu = besuGenesis(validators) as { config: Record<string, unknown>; gasLimit: string };
    expect(BigInt(geth.gasLimit)).to.equal(GAS_LIMIT);
    expect(BigInt(besu.gasLimit)).to.equal(GAS_LIMIT);
    // GoQuorum would raise a lower limit to its 700,000,000 floor without the transition and miner flags
    expect(geth.config.transitions).to.deep.equal([{ block: 0, "miner.gaslimit": Number(GAS_LIMIT) }]);
    const args = gethArgs(nodes[2], "/data/node2");
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect([value("--miner.gaslimit"), value("--miner.gastarget")]).to.deep.equal([GAS_LIMIT.toString(), GAS_LIMIT.toString()]);
    expect(value("--netrestrict")).to.equal("127.0.0.1/32");
    expect(value("--http.addr")).to.equal("127.0.0.1");
    expect(value("--http.port")).to.equal("8547");
    expect(value("--http.api").split(",")).to.not.include.members(["admin", "personal", "debug", "miner"]);
    expect(Number(value("--txpool.globalslots"))).to.be.greaterThan(4096);
  });

  it("writes genesis files, keys marked as development keys, static nodes and start commands", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qbft-"));
    process.env.QBFT_DATA_DIR = dir;
    try {
      delete require.cache[require.resolve("../../network/node")];
      const { generate } = await import("../../network/node");
      generate("geth");
      const genesis = JSON.parse(fs.readFileSync(path.join(dir, "genesis.geth.json"), "utf8")) as { extraData: string };
      expect(decodeQbftExtraData(genesis.extraData).validators).to.deep.equal(validators);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "static-nodes.json"), "utf8"))).to.deep.equal(nodes.map((n) => enodeUrl(n)));
      expect(JSON.parse(fs.readFileSync(path.join(dir, "static-nodes.besu.json"), "utf8"))[3])
        .to.equal(`enode://${nodes[3].enodeId}@172.16.239.13:30306?discport=0`);
      expect(`0x${fs.readFileSync(path.join(dir, "node2", "geth", "nodekey"), "utf8")}`).to.equal(nodes[2].privateKey);
      expect(fs.readFileSync(path.join(dir, "README.txt"), "utf8")).to.match(/^DEVELOPMENT KEYS/);
      const start = fs.readFileSync(path.join(dir, "node1", "start.sh"), "utf8");
      expect(start).to.include("export PRIVATE_CONFIG=ignore");
      expect(start).to.include("'--http.port' '8546'");
    } finally {
      delete process.env.QBFT_DATA_DIR;
      delete require.cache[require.resolve("../../network/node")];
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
