import type { BrowserProvider, ContractTransactionReceipt, Interface, JsonRpcSigner } from "ethers";
import type { DepositToken, ParticipantRegistry } from "../../typechain-types";
import type { TypedContractMethod } from "../../typechain-types/common";
import { walletState } from "../../lib/errors";
import { isoDate } from "../../lib/format";
import { checkInformation, hasIsoFields, informationReference, informationText, PaymentInformation } from "../../lib/payment-info";
import type { SignedPaymentFile } from "../../lib/payments";
import {
  grossAndNet, liquiditySavedPercent, netPositions, PaymentText, paymentFileName, paymentTermsFromText, readSignedPaymentFile,
  refuseRepeatedNonces, SignedPayment, signedPaymentFile, signedPaymentFileText, signPayment, tokenDomain,
} from "../../lib/payments";
import { clearUetr, informationOfForm } from "./information";

/**
 * Signed payments: the payer signs an EIP-712 TransferWithReferenceAuthorization(address from, address to,
 * uint256 value, bytes32 ref, uint256 validAfter, uint256 validBefore, bytes32 nonce) in the page and
 * downloads the file `payment:sign` writes; anyone allowed submits one file (transferWithReferenceAuthorization)
 * or several as one netted batch (settlePaymentBatch). The types, the domain, the terms from text, the file
 * format and its checks and the netting all come from lib/payments.ts, as for the commands.
 */
export function signedPaymentsOffered(depositToken: Interface): boolean {
  return depositToken.getFunction("transferWithReferenceAuthorization") !== null;
}

/** A deposit token as the page holds it. */
export interface CashToken {
  address: string;
  label: string;
  decimals: number;
  contract: DepositToken;
  fmt(value: bigint): string;
}

/** Simulates a call, explaining a refusal (naming the batch's items) and sending nothing; else sends it through the wallet. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Send = <A extends any[]>(
  label: string, method: TypedContractMethod<A, unknown, "nonpayable">, args: A, leg?: { fmt(value: bigint): string }, items?: readonly string[],
  information?: readonly (PaymentInformation | undefined)[],
) => Promise<ContractTransactionReceipt>;

/** A signed-payment file with the payment's ISO 20022 information beside the signed terms (its reference is informationReference of it). */
type FileWithInformation = SignedPaymentFile & { information?: PaymentInformation };

/** What the signed-payment forms need of the page's connected session. */
export interface PaymentPage {
  account: string;
  chainId: number;
  provider: BrowserProvider;
  signer: JsonRpcSigner;
  registry: ParticipantRegistry;
  /** The deployment's deposit token of a currency (refused in words when there is none). */
  cash(currency: string): CashToken;
  send: Send;
  busy(text: string): void;
  /** Keeps the text a reference was typed as, so the page shows it with the payment. */
  rememberRef(text: string, hex: string): void;
}

/** The form's fields as they are named in messages. */
const FIELD_NAMES: Record<keyof PaymentText, string> = {
  to: "payee", amount: "amount", ref: "reference", validAfter: "valid from", validBefore: "valid until", nonce: "nonce",
};

const field = (form: HTMLFormElement, name: string): string => ((form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? "");

function element<T extends HTMLElement = HTMLElement>(selector: string): T {
  const e = document.querySelector<T>(selector);
  if (!e) throw new Error(`page element ${selector} is missing`);
  return e;
}

/** The token's EIP-712 domain as the token reports it (ERC-5267), as payment:sign reads it; refused if it is not this deployment's. */
async function domainOf(page: PaymentPage, token: CashToken) {
  const reported = await token.contract.eip712Domain();
  if (reported.verifyingContract.toLowerCase() !== token.address.toLowerCase() || Number(reported.chainId) !== page.chainId) {
    throw new Error(`the ${token.label} deposit token ${token.address} reports the EIP-712 domain of ${reported.verifyingContract} on chain ${reported.chainId}, not its own on chain ${page.chainId}; nothing was signed`);
  }
  return tokenDomain(reported.name, reported.verifyingContract, reported.chainId);
}

/**
 * "Sign a payment": terms from the form (lib/payments.ts paymentTermsFromText: the amount parsed exactly,
 * the reference as the commands make it, valid from the chain's time for 24 hours, a random nonce unless
 * given), refused in words before the wallet is asked when the amount is zero, the payee malformed or the
 * nonce used; then eth_signTypedData_v4 through the wallet and the file `payment:sign` writes, offered as
 * a download. With ISO 20022 identifiers (UETR, end-to-end id, remittance or creditor reference, checked as
 * the commands check them), the signed reference is informationReference of them. The file carries the
 * payment's text (the identifiers, or a free-text reference) as `information`, so that the payment's
 * settlement carries it in its transaction.
 */
export async function signPaymentForm(form: HTMLFormElement, page: PaymentPage): Promise<string> {
  const token = page.cash(field(form, "currency"));
  const domain = await domainOf(page, token);
  const now = (await page.provider.getBlock("latest"))!.timestamp;
  const info = informationOfForm(form);
  const iso = info !== undefined && hasIsoFields(info);
  const refText = info === undefined ? "" : iso ? informationReference(info) : info.reference!;
  const terms = paymentTermsFromText({
    to: field(form, "to"), amount: field(form, "amount"), ref: refText,
    validAfter: field(form, "validAfter"), validBefore: field(form, "validBefore"), nonce: field(form, "nonce"),
  }, page.account, token.decimals, now, FIELD_NAMES);
  if (await token.contract.authorizationState(page.account, terms.nonce)) {
    throw new Error(`nonce ${terms.nonce} of ${page.account} is already used: a signed payment with it has settled or was cancelled; choose another (or leave it empty for a random one); nothing was signed`);
  }
  const words = `pay ${token.fmt(terms.value)} to ${terms.to} ${iso ? `with ${informationText(info)}` : `ref "${refText}"`}, valid ${isoDate(Number(terms.validAfter))} to ${isoDate(Number(terms.validBefore))}`;
  page.busy(`signing: ${words}; confirm in the wallet...`);
  const payment = await signPayment(page.signer, domain, terms);
  const file: FileWithInformation = signedPaymentFile(token.address, page.chainId, payment, info);
  const text = signedPaymentFileText(file);
  if (iso) clearUetr(form);
  else page.rememberRef(refText, payment.ref);
  const name = paymentFileName(payment);
  const link = element<HTMLAnchorElement>("#payment-download");
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  link.download = name;
  link.textContent = name;
  element("#payment-text").textContent = text;
  element("#payment-output").hidden = false;
  link.click();
  return `signed by ${page.account}: ${words}: ${name} (give it to the payee or whoever settles it)`;
}

/** The files chosen, read and checked against this deployment (token, chain, payer's signature; one use of each nonce). */
async function loadPayments(form: HTMLFormElement, page: PaymentPage): Promise<{ token: CashToken; batch: SignedPayment[]; names: string[]; infos: (PaymentInformation | undefined)[] }> {
  const token = page.cash(field(form, "currency"));
  const files = [...((form.elements.namedItem("files") as HTMLInputElement).files ?? [])];
  if (files.length === 0) throw new Error("choose one or more signed-payment files");
  const domain = await domainOf(page, token);
  const names = files.map((f) => f.name);
  const deployment = { token: token.address, label: token.label, chainId: page.chainId, domain };
  const batch: SignedPayment[] = [];
  const infos: (PaymentInformation | undefined)[] = [];
  for (const f of files) {
    const text = await f.text();
    const payment = readSignedPaymentFile(text, f.name, "signed-payment file", deployment);
    batch.push(payment);
    infos.push(informationOfFile(text, f.name, payment));
  }
  refuseRepeatedNonces(batch, names);
  return { token, batch, names, infos };
}

/**
 * The `information` a signed-payment file carries, checked by the input rules and bound to the signed
 * reference: information whose informationReference is not the reference the payer signed is refused,
 * naming the file (it would travel with a payment it does not describe).
 */
function informationOfFile(text: string, name: string, payment: SignedPayment): PaymentInformation | undefined {
  const given = (JSON.parse(text) as FileWithInformation).information;
  if (given === undefined) return undefined;
  if (typeof given !== "object" || given === null || Array.isArray(given)) throw new Error(`${name}: field "information" is not an object; nothing was sent`);
  let info: PaymentInformation;
  try {
    info = checkInformation(given);
  } catch (e) {
    throw new Error(`${name}: ${(e as Error).message}; nothing was sent`);
  }
  const ref = informationReference(info);
  if (ref.toLowerCase() !== payment.ref.toLowerCase()) {
    throw new Error(`${name}: its information hashes to reference ${ref}, not the signed reference ${payment.ref}: it does not describe this payment; nothing was sent`);
  }
  return info;
}

/** Shows each wallet's net position over the files (lib/payments.ts netPositions), its balance and whether it may hold tokens. */
async function showPositions(page: PaymentPage, token: CashToken, batch: SignedPayment[]): Promise<string> {
  const rows: HTMLTableRowElement[] = [];
  for (const [wallet, net] of netPositions(batch)) {
    const allowed = await page.registry.isAllowed(wallet);
    const cells = [wallet, `${net > 0n ? "+" : ""}${token.fmt(net)}`, token.fmt(await token.contract.balanceOf(wallet)), allowed ? "yes" : `no (${await walletState(page.registry, wallet)})`];
    const tr = document.createElement("tr");
    cells.forEach((text, i) => {
      const td = document.createElement("td");
      td.textContent = text;
      td.className = ["addr", "num", "num", allowed ? "" : "frozen"][i];
      tr.append(td);
    });
    rows.push(tr);
  }
  element("#payment-positions tbody").replaceChildren(...rows);
  const { gross, net } = grossAndNet(batch);
  const summary = `${batch.length} signed payment${batch.length === 1 ? "" : "s"}: gross ${token.fmt(gross)}, net ${token.fmt(net)}`;
  element("#payment-positions-summary").textContent = summary;
  element("#payment-positions-output").hidden = false;
  return summary;
}

/** On choosing files: checks them and shows the net positions, sending nothing. */
export async function checkPaymentFiles(form: HTMLFormElement, page: PaymentPage): Promise<string> {
  const { token, batch } = await loadPayments(form, page);
  return `checked ${await showPositions(page, token, batch)}; settle to move the net positions`;
}

/**
 * "Settle signed payments": one file with transferWithReferenceAuthorization, several as one netted batch
 * with settlePaymentBatch; simulated first, a refusal explained naming the file of the refused instruction,
 * and nothing sent. After a batch: gross, net moved and the liquidity netting saved (PaymentBatchSettled).
 */
export async function settlePaymentFiles(form: HTMLFormElement, page: PaymentPage): Promise<string> {
  const { token, batch, names, infos } = await loadPayments(form, page);
  await showPositions(page, token, batch);
  const contract = token.contract;
  if (batch.length === 1) {
    const p = batch[0];
    const receipt = await page.send(`pay ${token.fmt(p.value)} from ${p.from} to ${p.to} (signed payment ${names[0]})`,
      contract.transferWithReferenceAuthorization, [p], token, names, infos);
    return `paid ${token.fmt(p.value)} from ${p.from} to ${p.to} (signed payment ${names[0]}): tx ${receipt.hash} in block ${receipt.blockNumber}`;
  }
  const receipt = await page.send(`settle ${batch.length} signed payments netted`, contract.settlePaymentBatch, [batch], token, names, infos);
  const event = receipt.logs.map((l) => { try { return contract.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "PaymentBatchSettled");
  if (!event) throw new Error(`tx ${receipt.hash} settled no batch (no PaymentBatchSettled event)`);
  const [gross, net] = [event.args.grossValue as bigint, event.args.netValue as bigint];
  return `settled ${batch.length} payments: gross ${token.fmt(gross)}, net moved ${token.fmt(net)} (${liquiditySavedPercent(gross, net)}% of the liquidity saved): tx ${receipt.hash} in block ${receipt.blockNumber}`;
}
