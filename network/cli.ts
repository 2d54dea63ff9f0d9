import { runMain } from "./main";
import { getAddress, isAddress } from "ethers";
import { nodeKeys } from "./genesis";
import { toxiproxyBinary } from "./sites";
import { allowNode, Client, DATA_DIR, disallowNode, discardVote, down, generate, proposeValidator, running, status, up, validatorsOf } from "./node";

/**
 * `npm run network:up [-- --client besu]`, `npm run network:down [-- --reset]`, `npm run network:status`:
 * the local 4-validator QBFT network (chain id 1337, 1 s blocks, free gas) on 127.0.0.1.
 * `npx ts-node network/cli.ts allow|disallow <enode>`: the allowlist of the bank's nodes.
 * `npx ts-node network/cli.ts vote <address> add|remove [--nodes 0,1,2]` and `discard <address>`: QBFT
 * validator votes, cast over each node's IPC socket (never over HTTP). `toxiproxy`: builds (once) and prints
 * the Toxiproxy server of the sites network (network/sites.ts).
 */
async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const option = (name: string) => rest.includes(`--${name}`);
  const value = (name: string) => rest[rest.indexOf(`--${name}`) + 1];
  switch (command) {
    case "up": {
      const client = (option("client") ? value("client") : "geth") as Client;
      if (client !== "geth" && client !== "besu") throw new Error(`--client "${client}": expected geth or besu`);
      await up(client);
      break;
    }
    case "generate":
      generate((option("client") ? value("client") : "geth") as Client);
      console.log(`generated genesis (GoQuorum and Besu), node keys and start commands in ${DATA_DIR}`);
      break;
    case "down":
      await down(option("reset"));
      break;
    case "status": {
      const nodes = await status();
      if (option("json")) console.log(JSON.stringify(nodes, null, 2));
      else for (const n of nodes) {
        let line: string;
        if (!n.error) line = `head ${n.head}  peers ${n.peers}  validators ${(n.validators ?? []).join(",")}`;
        else if (!n.running) line = "stopped";
        else line = `running, not answering: ${n.error}`;
        console.log(`node${n.node} ${n.url}  ${line}`);
      }
      if (nodes.every((n) => n.error)) process.exitCode = 1;
      break;
    }
    case "allow":
    case "disallow": {
      const enode = rest[0] ?? "";
      const changed = command === "allow" ? allowNode(enode) : disallowNode(enode);
      console.log(`${enode} ${changed ? (command === "allow" ? "added to" : "removed from") : (command === "allow" ? "already in" : "not in")} the allowlist of every node in ${DATA_DIR}`);
      break;
    }
    case "vote":
    case "discard": {
      const address = rest[0] ?? "";
      if (!isAddress(address)) throw new Error(`${command} <address>: "${address}" is not a validator address`);
      const direction = command === "vote" ? rest[1] : undefined;
      if (command === "vote" && direction !== "add" && direction !== "remove") throw new Error(`vote <address> add|remove: got "${direction ?? ""}"`);
      const voters = option("nodes")
        ? value("nodes").split(",").map(Number)
        : nodeKeys().map((n) => n.index).filter((i) => running(i) !== undefined);
      for (const i of voters) {
        if (command === "vote") await proposeValidator(i, getAddress(address), direction === "add");
        else await discardVote(i, getAddress(address));
      }
      const verb = command === "vote" ? `vote to ${direction} ${getAddress(address)}` : `vote on ${getAddress(address)} withdrawn`;
      console.log(`${verb} on node${voters.join(", node")}; validators now: ${(await validatorsOf(voters[0] ?? 0)).join(",")}`);
      break;
    }
    case "toxiproxy":
      // the link proxies of the sites network (network/sites.ts): built once into the cache beside geth
      console.log(toxiproxyBinary());
      break;
    default:
      throw new Error(`usage: network/cli.ts up [--client geth|besu] | generate [--client geth|besu] | down [--reset] | status [--json] | allow|disallow <enode> | vote <address> add|remove [--nodes 0,1,2] | discard <address> [--nodes ...] | toxiproxy; got "${command ?? ""}"`);
  }
}

runMain(main);
