import hre from "hardhat";
import path from "path";
import { deployPlatform, deploymentPath } from "../lib/deployment";
import { platformParams } from "./params";

/** `npm run deploy -- --network <name>`: deploys the suite, or finishes an interrupted deployment. */
async function main(): Promise<void> {
  const { admin, params } = await platformParams(hre);
  const { chainId } = await hre.ethers.provider.getNetwork();
  console.log(`Deploying to ${hre.network.name} (chain id ${chainId}) as ${await admin.getAddress()}`);
  await deployPlatform(hre, admin, params, { persist: true, log: console.log });
  console.log(`Recorded in ${path.relative(process.cwd(), deploymentPath(hre.network.name))}`);
}

main().catch((e: unknown) => {
  console.error(`deploy failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
