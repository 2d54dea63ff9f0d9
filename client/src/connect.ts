import { BrowserProvider, Contract, getAddress } from "ethers";
import type { InterfaceAbi, JsonRpcSigner } from "ethers";
import type { DvPEscrow, FxQuotes, ParticipantRegistry, PermissionedToken } from "../../typechain-types";
import { formatAmount } from "../../lib/format";
import { $ } from "./dom";
import { previewTerms } from "./panels/trades";
import { signedPaymentsOffered } from "./signed-payment";
import { app, depositTokenAbi, escrowAbi, fxQuotesAbi, INTERFACES, Leg, registryAbi, securityTokenAbi } from "./state";
import { injectedWallet, requestAccount, walletChainId } from "./wallet";

/**
 * Connects the wallet's account (asking the wallet when `ask`) on the deployment's chain: the contracts
 * through the wallet's signer, the forms' token choices, the panels the deployment offers, then every
 * panel read from the chain. On another chain the page offers to switch and shows nothing else.
 */
export async function connect(ask: boolean): Promise<void> {
  const wallet = injectedWallet();
  const account = ask ? await requestAccount(wallet) : ((await wallet.request({ method: "eth_accounts" })) as string[])[0];
  if (!account) {
    app.session = undefined;
    $("#app").hidden = true;
    $("#wallet-status").textContent = "not connected";
    return;
  }
  const chainId = await walletChainId(wallet);
  if (chainId !== app.config.chainId) {
    app.session = undefined;
    $("#app").hidden = true;
    $("#switch-chain").hidden = false;
    $("#wallet-status").textContent = `wallet is on chain ${chainId}; this deployment is on chain ${app.config.chainId} (${app.config.network})`;
    return;
  }
  $("#switch-chain").hidden = true;
  // No 250 ms cache of identical calls: the refresh after an action must not be answered with the
  // logs or balances read by the refresh just before it.
  const provider = new BrowserProvider(wallet, app.config.chainId, { pollingInterval: 500, cacheTimeout: -1 });
  const signer = await provider.getSigner(account);
  const registry = new Contract(app.config.registry.address, registryAbi as InterfaceAbi, signer) as unknown as ParticipantRegistry;
  const escrow = app.config.escrow ? new Contract(app.config.escrow.address, escrowAbi as InterfaceAbi, signer) as unknown as DvPEscrow : undefined;
  const fxQuotes = app.config.fxQuotes ? new Contract(app.config.fxQuotes.address, fxQuotesAbi as InterfaceAbi, signer) as unknown as FxQuotes : undefined;
  const legs: Leg[] = [];
  for (const t of app.config.depositTokens) legs.push(await openLeg("cash", t.address, t.fromBlock, signer, t.currency));
  for (const t of app.config.securities) legs.push(await openLeg("security", t.address, t.fromBlock, signer));
  app.session = { wallet, provider, signer, account: getAddress(signer.address), registry, escrow, fxQuotes, legs };
  $("#wallet-status").textContent = `connected: ${app.session.account}`;
  fillSelects(legs);
  previewTerms($<HTMLFormElement>("#terms-form"));
  const signedPayments = signedPaymentsOffered(INTERFACES[1]);
  $("#signed-payment-panel").hidden = !signedPayments;
  $("#settle-payments-panel").hidden = !signedPayments;
  $("#fx-panel").hidden = !fxQuotes;
  $("#app").hidden = false;
  await app.refresh();
}

async function openLeg(kind: Leg["kind"], address: string, fromBlock: number, signer: JsonRpcSigner, currency?: string): Promise<Leg> {
  const contract = new Contract(address, (kind === "cash" ? depositTokenAbi : securityTokenAbi) as InterfaceAbi, signer) as unknown as PermissionedToken;
  const decimals = Number(await contract.decimals());
  const label = currency ?? (await contract.symbol());
  return { kind, address, label, decimals, fromBlock, contract, fmt: (v: bigint) => `${formatAmount(v, decimals)} ${label}` };
}

function fillSelects(legs: Leg[]): void {
  const options = (kinds: Leg["kind"][]) => legs.filter((l) => kinds.includes(l.kind)).map((l) => {
    const o = document.createElement("option");
    o.value = l.label;
    o.textContent = l.kind === "cash" ? l.label : `${l.label} (security)`;
    return o;
  });
  document.querySelectorAll("select.cash-select").forEach((s) => s.replaceChildren(...options(["cash"])));
  // A currency asset leg starts on the second currency: one currency on both legs is refused.
  const assetCurrency = document.querySelector<HTMLSelectElement>("select[name=assetCurrency]");
  if (assetCurrency && assetCurrency.options.length > 1) assetCurrency.selectedIndex = 1;
  document.querySelectorAll("select.security-select").forEach((s) => s.replaceChildren(...options(["security"])));
  document.querySelectorAll("select.token-select").forEach((s) => s.replaceChildren(...options(["cash", "security"])));
  // The amount's example follows the chosen token's decimals: "250000.00" in USD, "250000" in JPY, "250000.000" in KWD.
  document.querySelectorAll<HTMLSelectElement>("select.cash-select, select.token-select").forEach((select) => {
    const input = select.form?.querySelector<HTMLInputElement>(select.dataset.amount ? `input[name=${select.dataset.amount}]` : "input[name=amount]");
    if (!input) return;
    const whole = (input.dataset.example ??= input.placeholder.split(".")[0]);
    select.onchange = () => {
      const leg = legs.find((l) => l.label === select.value);
      if (leg) input.placeholder = leg.decimals > 0 ? `${whole}.${"0".repeat(leg.decimals)}` : whole;
    };
    select.onchange(new Event("change"));
  });
}

