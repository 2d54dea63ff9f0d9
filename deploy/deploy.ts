import hre from "hardhat";
import path from "path";
import { connectedChainId, deployPlatform, deploymentPath } from "../lib/deployment";
import { platformParams, requireNetworkEnv, requirePersistentNetwork } from "./params";

/** `npm run deploy -- --network <name>`: deploys the suite, or finishes an interrupted deployment. */
async function main(): Promise<void> {
  requirePersistentNetwork(hre.network.name);
  requireNetworkEnv(hre);
  const chainId = await connectedChainId(hre);
  const { admin, params } = await platformParams(hre);
  console.log(`Deploying to ${hre.network.name} (chain id ${chainId}) as ${await admin.getAddress()}`);
  const started = Date.now();
  await deployPlatform(hre, admin, params, { persist: true, log: console.log });
  console.log(`Deployment complete in ${((Date.now() - started) / 1000).toFixed(1)} s. Recorded in ${path.relative(process.cwd(), deploymentPath(hre.network.name))}`);
}

main().catch((e: unknown) => {
  console.error(`deploy failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
