import { spawnSync } from "child_process";
import { JsonRpcProvider } from "ethers";
import { CHAIN_ID, nodeKeys } from "./genesis";
import { down, NetworkBlocked, rpcUrl, up } from "./node";

/**
 * `npm run test:qbft`: starts the local QBFT network unless it is already running, runs the lifecycle
 * suite (network/test/) against it over JSON-RPC, and stops the network again if it started it.
 */
async function main(): Promise<void> {
  const provider = new JsonRpcProvider(rpcUrl(nodeKeys()[0]), CHAIN_ID, { staticNetwork: true });
  const running = await provider.send("istanbul_getValidators", ["latest"]).then(() => true, () => false);
  provider.destroy();
  if (!running) await up("geth");
  try {
    const result = spawnSync("npx", ["hardhat", "test", "--network", "qbft", "network/test/lifecycle.test.ts"], { stdio: "inherit" });
    process.exitCode = result.status ?? 1;
  } finally {
    if (!running) await down(false);
  }
}

main().catch((e: unknown) => {
  const blocked = e instanceof NetworkBlocked;
  console.error(`${blocked ? "QBFT network unavailable: " : "error: "}${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = blocked ? 3 : 1;
});
