import type { ClientConfig } from "./config";
import { onSubmit, run } from "./actions";
import { connect } from "./connect";
import { $, show } from "./dom";
import { payWithQuote, showQuote } from "./panels/fx";
import { pay, redeem } from "./panels/pay";
import { paymentPage } from "./panels/signed-payments";
import { approveEscrow, countersign, previewTerms, propose, settleSigned, sign, termsOfForm } from "./panels/trades";
import { offerNewUetr } from "./information";
import { refresh } from "./refresh";
import { checkPaymentFiles, settlePaymentFiles, signPaymentForm } from "./signed-payment";
import { app, current } from "./state";
import { injectedWallet, switchToDeploymentChain } from "./wallet";

/**
 * The client page: loads the deployment it is served with, connects the wallet, and wires each panel's
 * forms to its module (client/src/panels/). State and the reading of every panel: state.ts, refresh.ts;
 * sending: actions.ts; page elements: dom.ts.
 */
async function start(): Promise<void> {
  const response = await fetch("deployment.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`deployment.json: HTTP ${response.status} (serve the page with npm run client -- --network <name>)`);
  const config = (await response.json()) as ClientConfig;
  app.config = config;
  app.refresh = refresh;
  $("#network").textContent = `network ${config.network}, chain id ${config.chainId}`;
  $("#connect").addEventListener("click", () => void run(null, async () => {
    await connect(true);
    return app.session ? `connected ${app.session.account} on ${config.network}` : $("#wallet-status").textContent ?? "";
  }));
  $("#switch-chain").addEventListener("click", () => void run(null, async () => {
    await switchToDeploymentChain(injectedWallet(), config);
    await connect(true);
    return `wallet switched to chain ${config.chainId} (${config.network})`;
  }));
  const form = (selector: string) => $<HTMLFormElement>(selector);
  onSubmit(form("#pay-form"), pay);
  offerNewUetr(form("#pay-form"));
  offerNewUetr(form("#sign-payment-form"));
  onSubmit(form("#redeem-form"), redeem);
  onSubmit(form("#approve-form"), approveEscrow);
  const termsForm = form("#terms-form");
  onSubmit(termsForm, (f, submitter) => (submitter?.value === "sign" ? sign(termsOfForm(current(), f)) : propose(f)));
  for (const event of ["input", "change"]) termsForm.addEventListener(event, () => previewTerms(termsForm));
  onSubmit(form("#countersign-form"), countersign);
  onSubmit(form("#settle-form"), settleSigned);
  const fxForm = form("#fx-form");
  onSubmit(fxForm, payWithQuote);
  $("#fx-form [name=quote]").addEventListener("change", () => void run(fxForm, () => showQuote(fxForm)));
  onSubmit(form("#sign-payment-form"), (f) => signPaymentForm(f, paymentPage()));
  const paymentsForm = form("#settle-payments-form");
  onSubmit(paymentsForm, (f) => settlePaymentFiles(f, paymentPage()));
  $("#settle-payments-form [name=files]").addEventListener("change", () => void run(paymentsForm, () => checkPaymentFiles(paymentsForm, paymentPage())));
  const wallet = window.ethereum;
  wallet?.on?.("accountsChanged", () => void run(null, async () => { await connect(false); return app.session ? `account changed: ${app.session.account}` : "wallet disconnected"; }));
  wallet?.on?.("chainChanged", () => void run(null, async () => { await connect(false); return app.session ? `chain changed: connected on ${config.network}` : $("#wallet-status").textContent ?? ""; }));
}

start().catch((e: unknown) => show("refused", e instanceof Error ? e.message : String(e)));
