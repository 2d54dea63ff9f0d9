import { runMain } from "./main";
import { Client, DATA_DIR, down, generate, status, up } from "./node";

/**
 * `npm run network:up [-- --client besu]`, `npm run network:down [-- --reset]`, `npm run network:status`:
 * the local 4-validator QBFT network (chain id 1337, 1 s blocks, free gas) on 127.0.0.1.
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
    default:
      throw new Error(`usage: network/cli.ts up [--client geth|besu] | generate [--client geth|besu] | down [--reset] | status [--json]; got "${command ?? ""}"`);
  }
}

runMain(main);
