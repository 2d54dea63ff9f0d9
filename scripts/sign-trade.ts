import fs from "fs";
import { Wallet } from "ethers";
import { CURRENCIES } from "../lib/config";
import type { DeploymentRecord } from "../lib/deployment";
import { contractOf, ESCROW_KEY, keyOfAddress, recordName } from "../lib/deployment";
import {
  CurrencyAmount, derivedRate, RATE_PRECISION, signedFileText, signedTradeFile, signTrade, termsFromTermsFile, tradeHash, TradeTerms,
} from "../lib/dvp";
import { readJsonFile } from "../lib/files";
import { formatAmount, isoDate, parsePrivateKey, refText } from "../lib/format";

const USAGE = "usage: SIGNER_PRIVATE_KEY=0x... npx ts-node scripts/sign-trade.ts <terms.json> <deployments/<network>.json> <out.json>";

/** The decimals of a token of the published record (deposit tokens by their currency, securities whole units); undefined for any other. */
function decimalsOf(record: DeploymentRecord, token: string): number | undefined {
  const key = keyOfAddress(record, token);
  if (!key) return undefined;
  if (contractOf(key) === "DepositToken") return CURRENCIES[recordName(key)]?.decimals;
  return contractOf(key) === "SecurityToken" ? 0 : undefined;
}

/** A token of the published record in words: "180,000.00 USD", "1,000 US0378331005" (securities are whole units). */
function inUnits(record: DeploymentRecord, token: string, amount: bigint): string {
  const key = keyOfAddress(record, token);
  if (!key) return `${amount} smallest units of ${token} (not a token of this deployment)`;
  const name = recordName(key);
  const decimals = decimalsOf(record, token);
  return decimals === undefined ? `${amount} of ${key}` : `${formatAmount(amount, decimals)} ${name}`;
}

/** A deposit token of the published record as a currency leg (for a derived rate); undefined for any other token. */
function currencyLeg(record: DeploymentRecord, token: string, amount: bigint): CurrencyAmount | undefined {
  const key = keyOfAddress(record, token);
  const decimals = decimalsOf(record, token);
  return key && contractOf(key) === "DepositToken" && decimals !== undefined ? { amount, decimals, label: recordName(key) } : undefined;
}

/** The terms as the signer should read them before signing; payment versus payment with the rate derived from the two amounts. */
export function termsInWords(record: DeploymentRecord, terms: TradeTerms): string {
  const [asset, cash] = [currencyLeg(record, terms.asset, terms.assetAmount), currencyLeg(record, terms.cash, terms.cashAmount)];
  return [
    `  seller    ${terms.seller}`, `  buyer     ${terms.buyer}`,
    `  delivers  ${inUnits(record, terms.asset, terms.assetAmount)} (${terms.asset})`,
    `  pays      ${inUnits(record, terms.cash, terms.cashAmount)} (${terms.cash})`,
    ...(asset && cash ? [`  rate      ${derivedRate(cash, asset).text} (${RATE_PRECISION})`] : []),
    `  deadline  ${isoDate(Number(terms.deadline))}`, `  ref       ${refText(terms.ref)}`,
  ].join("\n");
}

/**
 * A client signing DvP terms with an ethers Wallet, offline: no node is contacted. The escrow address and
 * chain id come from the deployment record the bank publishes; the terms file holds the Trade fields as
 * strings (lib/dvp.ts termsFromTermsFile: the reference as text or 0x hex, the deadline as a date or unix
 * seconds, amounts in the tokens' smallest units). The terms are printed in currency units before they are
 * signed. The output is the file `dvp:settle-signed` takes.
 */
async function main(): Promise<void> {
  const [termsFile, deploymentFile, outFile] = process.argv.slice(2);
  if (!termsFile || !deploymentFile || !outFile) throw new Error(USAGE);
  const wallet = new Wallet(parsePrivateKey(process.env.SIGNER_PRIVATE_KEY, "SIGNER_PRIVATE_KEY"));
  const record = readJsonFile<DeploymentRecord>(deploymentFile, `deployment record ${deploymentFile}`, "a deployment record");
  const escrow = record.contracts?.[ESCROW_KEY]?.address;
  if (!escrow || !record.chainId) throw new Error(`deployment record ${deploymentFile} has no ${ESCROW_KEY} or chain id`);
  const terms = termsFromTermsFile(readJsonFile<Record<string, unknown>>(termsFile, `terms file ${termsFile}`, "trade terms"), `terms file ${termsFile}`, (token) => decimalsOf(record, token));
  if (wallet.address !== terms.seller && wallet.address !== terms.buyer) {
    throw new Error(`the key's address ${wallet.address} is neither the seller ${terms.seller} nor the buyer ${terms.buyer}`);
  }
  const side = wallet.address === terms.seller ? "seller" : "buyer";
  console.log(`signing as ${side} ${wallet.address}, on chain ${record.chainId} for escrow ${escrow}:\n${termsInWords(record, terms)}`);
  const signature = await signTrade(wallet, escrow, record.chainId, terms);
  fs.writeFileSync(outFile, signedFileText(signedTradeFile(escrow, record.chainId, terms, wallet.address, signature)));
  console.log(`signed as ${side} ${wallet.address}: ${outFile} (trade hash ${tradeHash(escrow, record.chainId, terms)})`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(`sign-trade: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
