import { expect } from "chai";
import fs from "fs";
import os from "os";
import path from "path";
import { computeAddress, decodeRlp, ethers } from "ethers";
import net from "net";
import {
  besuArgs, besuGenesis, CHAIN_ID, decodeQbftExtraData, devAccounts, enodeUrl, GAS_LIMIT, gethArgs, gethGenesis, nodeKeys, qbftExtraData, VALIDATORS,
} from "../../network/genesis";
import { ipcCall } from "../../network/ipc";

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

  it("fixes the block gas limit for both clients and keeps GoQuorum's nodes to 127.0.0.1 and the allowlist, with no admin, personal or istanbul API over HTTP", function () {
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
    expect(value("--http.api").split(",")).to.deep.equal(["eth", "net", "web3", "txpool"]);
    expect(args).to.include("--permissioned");
    const outsider = gethArgs(nodes[2], "/data/x", { http: false, permissioned: false });
    expect(outsider).to.not.include.members(["--http", "--http.api", "--permissioned"]);
    expect(Number(value("--txpool.globalslots"))).to.be.greaterThan(4096);
  });

  it("keeps Besu's ADMIN, QBFT and PERM APIs off HTTP (IPC only) and turns on its node allowlist", function () {
    const args = besuArgs(nodes[1], "/data/node1", "/data/genesis.besu.json", "/data/static-nodes.json", "/data/permissions_config.toml");
    const value = (flag: string) => args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
    expect(value("--rpc-http-api")?.split(",")).to.deep.equal(["ETH", "NET", "WEB3", "TXPOOL"]);
    expect(args).to.include("--permissions-nodes-config-file-enabled");
    expect(value("--permissions-nodes-config-file")).to.equal("/data/permissions_config.toml");
    expect(value("--Xrpc-ipc-apis")?.split(",")).to.include.members(["ADMIN", "QBFT"]);
    expect(value("--Xrpc-ipc-path")).to.equal("/data/node1/besu.ipc");
    const compose = fs.readFileSync(path.join(__dirname, "..", "..", "network", "besu", "config.toml"), "utf8");
    expect(compose).to.match(/^rpc-http-api = \["ETH", "NET", "WEB3", "TXPOOL"\]$/m);
    expect(compose).to.match(/^permissions-nodes-config-file = "\/qbft\/permissions_config\.besu\.toml"$/m);
  });

  it("calls JSON-RPC over a unix socket and names the socket when the node is not there or answers with an error", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ipc-"));
    const socket = path.join(dir, "geth.ipc");
    const server = net.createServer((conn) => conn.on("data", (d) => {
      const req = JSON.parse(d.toString()) as { id: number; method: string; params: unknown[] };
      const reply = req.method === "istanbul_getValidators" ? { result: ["0x01"] } : { error: { message: `the method ${req.method} does not exist/is not available` } };
      const text = JSON.stringify({ jsonrpc: "2.0", id: req.id, ...reply });
      conn.write(text.slice(0, 10)); // an answer in two chunks
      setTimeout(() => conn.write(`${text.slice(10)}\n`), 10);
    }));
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      expect(await ipcCall(socket, "istanbul_getValidators", ["latest"])).to.deep.equal(["0x01"]);
      await expect(ipcCall(socket, "istanbul_nope")).to.be.rejectedWith(`${socket}: istanbul_nope: the method istanbul_nope does not exist/is not available`);
    } finally {
      server.close();
    }
    await expect(ipcCall(path.join(dir, "missing.ipc"), "eth_blockNumber")).to.be.rejectedWith(/missing\.ipc: cannot connect \(ENOENT\): is the node running\?/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("writes the allowlist of the four validators into every node folder and Besu's TOML, and keeps added nodes across generations", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qbft-"));
    process.env.QBFT_DATA_DIR = dir;
    try {
      delete require.cache[require.resolve("../../network/node")];
      const { allowNode, allowlist, disallowNode, generate } = await import("../../network/node");
      generate("geth");
      const validatorEnodes = nodes.map((n) => enodeUrl(n));
      const read = (file: string) => JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as string[];
      for (const n of nodes) expect(read(`node${n.index}/permissioned-nodes.json`)).to.deep.equal(validatorEnodes);
      expect(fs.readFileSync(path.join(dir, "permissions_config.toml"), "utf8")).to.include(`nodes-allowlist=${JSON.stringify(validatorEnodes)}`);
      expect(fs.readFileSync(path.join(dir, "permissions_config.besu.toml"), "utf8")).to.include(`enode://${nodes[3].enodeId}@172.16.239.13:30306?discport=0`);

      const added = `enode://${"ab".repeat(64)}@127.0.0.1:30307?discport=0`;
      expect(allowNode(added)).to.equal(true);
      expect(allowNode(added.replace("30307", "30399")), "the same node id at another address").to.equal(false);
      expect(read("node2/permissioned-nodes.json")).to.deep.equal([...validatorEnodes, added]);
      expect(fs.readFileSync(path.join(dir, "permissions_config.besu.toml"), "utf8")).to.include(added);
      generate("geth");
      expect(allowlist(), "a new generation keeps the added node").to.deep.equal([...validatorEnodes, added]);
      expect(disallowNode(added)).to.equal(true);
      expect(disallowNode(added)).to.equal(false);
      expect(read("node0/permissioned-nodes.json")).to.deep.equal(validatorEnodes);
      expect(() => allowNode("enode://00@127.0.0.1:1")).to.throw(/"enode:\/\/00@127\.0\.0\.1:1" is not an enode URL/);
    } finally {
      delete process.env.QBFT_DATA_DIR;
      delete require.cache[require.resolve("../../network/node")];
      fs.rmSync(dir, { recursive: true, force: true });
    }
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
  it("in sites, each validator dials its peers through the link proxies, listens for JSON-RPC on its site address and allows the validators by node id at their sites", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "qbft-sites-"));
    process.env.QBFT_DATA_DIR = dir;
    try {
      delete require.cache[require.resolve("../../network/node")];
      delete require.cache[require.resolve("../../network/sites")];
      const { generate } = await import("../../network/node");
      const { siteLayout } = await import("../../network/sites");
      const layout = siteLayout();
      generate("geth", "/bin/geth", layout);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "node1", "static-nodes.json"), "utf8"))).to.deep.equal([0, 2, 3].map((j) =>
        `enode://${nodes[j].enodeId}@10.77.0.254:${31010 + j}?discport=0`));
      expect(JSON.parse(fs.readFileSync(path.join(dir, "node1", "permissioned-nodes.json"), "utf8"))).to.deep.equal(nodes.map((n) =>
        `enode://${n.enodeId}@10.77.0.${n.index + 1}:${n.p2pPort}?discport=0`));
      const start = fs.readFileSync(path.join(dir, "node1", "start.sh"), "utf8");
      expect(start).to.include("exec 'ip' 'netns' 'exec' 'qbs-n1' '/bin/geth'");
      expect(start).to.include("'--http.addr' '10.77.0.2'");
      expect(start).to.include("'--netrestrict' '10.77.0.0/24'");
    } finally {
      delete process.env.QBFT_DATA_DIR;
      delete require.cache[require.resolve("../../network/node")];
      delete require.cache[require.resolve("../../network/sites")];
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
