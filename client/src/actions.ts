import type { ContractTransactionReceipt } from "ethers";
import type { ContractMethodArgs, TypedContractMethod } from "../../typechain-types/common";
import { explainError } from "../../lib/errors";
import { parseAddress, parseAmount } from "../../lib/format";
import { appendInformation, PaymentInformation } from "../../lib/payment-info";
import { show } from "./dom";
import { app, current, INTERFACES, Leg, Refused } from "./state";

/**
 * Sends a contract call after simulating it, as the commands do (lib/cli/context.ts): a call the contract
 * would refuse is explained in words by lib/errors.ts (the error's name, the wallet's registry state,
 * amounts in the units of `leg`, the instruction of a batch by its item's name) and nothing is sent.
 * Transactions are legacy with the network's gas price. With `information`, the payments' texts travel
 * after the call's arguments (lib/payment-info.ts appendInformation): the call is populated, the texts
 * appended to its input, and that input simulated and sent through the wallet's signer.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function send<A extends any[]>(
  label: string, method: TypedContractMethod<A, unknown, "nonpayable">, args: A, leg?: Pick<Leg, "fmt">, items?: readonly string[],
  information?: readonly (PaymentInformation | undefined)[],
): Promise<ContractTransactionReceipt> {
  const s = current();
  const explain = (e: unknown) => explainError(e, { interfaces: INTERFACES, registry: s.registry, amount: leg?.fmt, items });
  const overrides = { type: 0, gasPrice: BigInt(app.config.gasPrice) };
  show("busy", `${label}: simulating...`);
  const withText = information?.some((i) => i !== undefined) ?? false;
  const populated = withText ? await method.populateTransaction(...(args as ContractMethodArgs<A, "nonpayable">)) : undefined;
  if (populated) populated.data = appendInformation(populated.data, information!);
  try {
    if (populated) await s.signer.call(populated);
    else await method.staticCall(...(args as ContractMethodArgs<A, "view">));
  } catch (e) {
    throw new Refused(`${label} refused: ${await explain(e)}; nothing was sent`);
  }
  show("busy", `${label}: waiting for the wallet...`);
  let hash = "";
  try {
    const tx = populated
      ? await s.signer.sendTransaction({ ...populated, ...overrides })
      : await method.send(...([...args, overrides] as unknown as ContractMethodArgs<A, "nonpayable">));
    hash = tx.hash;
    show("busy", `${label}: sent ${hash}, waiting for its block...`);
    const receipt = (await tx.wait()) as ContractTransactionReceipt | null;
    if (!receipt) throw new Error(`tx ${hash} was dropped before it was mined`);
    return receipt;
  } catch (e) {
    throw new Error(`${label} failed${hash ? ` (tx ${hash})` : ""}: ${await explain(e)}`);
  }
}

export function sentLine(label: string, receipt: ContractTransactionReceipt): string {
  return `${label}: tx ${receipt.hash} in block ${receipt.blockNumber}`;
}

let running = 0;

/** Runs a form's action with its buttons disabled; shows its outcome, then refreshes what the page shows. */
export async function run(form: HTMLElement | null, action: () => Promise<string>): Promise<void> {
  const buttons = form ? [...form.querySelectorAll("button")] : [];
  buttons.forEach((b) => { b.disabled = true; });
  // Until every action and the refresh after it are done (tests wait for it to go).
  running += 1;
  document.body.dataset.busy = String(running);
  try {
    show("ok", await action());
  } catch (e) {
    show("refused", e instanceof Error ? e.message.split("\n")[0] : String(e));
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
  if (app.session) await app.refresh().catch((e: unknown) => show("refused", `reading the chain failed: ${(e as Error).message}`));
  running -= 1;
  if (running === 0) delete document.body.dataset.busy;
}

/** Runs an action and refreshes the page after it when the form is submitted. */
export function onSubmit(form: HTMLFormElement, action: (form: HTMLFormElement, submitter: HTMLButtonElement | null) => Promise<string>): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void run(form, () => action(form, (event as SubmitEvent).submitter as HTMLButtonElement | null));
  });
}

export function amountIn(text: string, leg: Leg, what: string): bigint {
  let value: bigint;
  try {
    value = parseAmount(text, leg.decimals, what);
  } catch (e) {
    throw new Refused((e as Error).message);
  }
  if (value === 0n) throw new Refused(`${what} "${text}" is zero`);
  return value;
}

export function addressIn(text: string, what: string): string {
  try {
    return parseAddress(text.trim(), what);
  } catch (e) {
    throw new Refused((e as Error).message);
  }
}
