import fs from "fs";
import { Wallet } from "ethers";
import { SignedTradeFile, signTrade, termsFromJson, termsToJson, tradeDigest } from "../lib/dvp";

const USAGE = "usage: SIGNER_PRIVATE_KEY=0x... npx ts-node scripts/sign-trade.ts <terms.json> <deployments/<network>.json> <out.json>";

/**
 * A client signing DvP terms with an ethers Wallet, offline: no node is contacted. The escrow address and
 * chain id come from the deployment record the bank publishes; the terms file holds the Trade fields as
 * strings (amounts in the tokens' smallest units). The output is the file `dvp:settle-signed` takes.
 */
async function main(): Promise<void> {
  const [termsFile, deploymentFile, outFile] = process.argv.slice(2);
  if (!termsFile || !deploymentFile || !outFile) throw new Error(USAGE);
  const key = process.env.SIGNER_PRIVATE_KEY?.trim() ?? "";
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(key)) throw new Error("SIGNER_PRIVATE_KEY is not set to a 32-byte hex private key");
  const wallet = new Wallet(key.startsWith("0x") ? key : `0x${key}`);
  const read = (file: string, what: string) => {
    try {
      return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${what} ${file}: ${(e as Error).message.split("\n")[0]}`);
    }
  };
  const terms = termsFromJson(read(termsFile, "terms file") as Record<string, string>, `terms file ${termsFile}`);
  const record = read(deploymentFile, "deployment record") as { chainId?: number; contracts?: Record<string, { address: string }> };
  const escrow = record.contracts?.DvPEscrow?.address;
  if (!escrow || !record.chainId) throw new Error(`deployment record ${deploymentFile} has no DvPEscrow or chain id`);
  if (wallet.address !== terms.seller && wallet.address !== terms.buyer) {
    throw new Error(`the key's address ${wallet.address} is neither the seller ${terms.seller} nor the buyer ${terms.buyer}`);
  }
  const signature = await signTrade(wallet, escrow, record.chainId, terms);
  const file: SignedTradeFile = { escrow, chainId: String(record.chainId), terms: termsToJson(terms), signer: wallet.address, signature };
  fs.writeFileSync(outFile, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`signed as ${wallet.address === terms.seller ? "seller" : "buyer"} ${wallet.address}: ${outFile} (digest ${tradeDigest(escrow, record.chainId, terms)})`);
}

main().catch((e: unknown) => {
  console.error(`sign-trade: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
