import { newUetr } from "../../lib/iso20022";
import { checkInformation, hasIsoFields, PaymentInformation } from "../../lib/payment-info";
import { field } from "./dom";
import { Refused } from "./state";

/** The payment-information fields of a form (pay, sign a payment) as they are named in messages. */
export const INFORMATION_NAMES: Record<keyof PaymentInformation, string> = {
  reference: "reference", uetr: "UETR", endToEndId: "end-to-end id", remittance: "remittance", creditorReference: "creditor reference",
};

const FIELDS: readonly (keyof PaymentInformation)[] = ["reference", "uetr", "endToEndId", "remittance", "creditorReference"];
const INPUT: Record<keyof PaymentInformation, string> = {
  reference: "ref", uetr: "uetr", endToEndId: "endToEndId", remittance: "remittance", creditorReference: "creditorReference",
};

/**
 * A form's payment information, checked as the commands check theirs (lib/payment-info.ts checkInformation:
 * the same rules and messages, the fields named as the form labels them): undefined when every field is
 * empty. With an end-to-end id, remittance or creditor reference and no UETR, a fresh UETR is made and
 * written into the form, so the payer sees the one the payment carries. The reference and the remittance
 * are taken as typed (a space is part of them); the identifiers without surrounding spaces.
 */
export function informationOfForm(form: HTMLFormElement): PaymentInformation | undefined {
  const given: PaymentInformation = {};
  for (const f of FIELDS) {
    const raw = field(form, INPUT[f]);
    const text = f === "reference" || f === "remittance" ? raw : raw.trim();
    if (raw.trim() !== "") given[f] = f === "reference" ? raw.trim() : text;
  }
  if (!FIELDS.some((f) => given[f] !== undefined)) return undefined;
  if (hasIsoFields(given) && given.uetr === undefined) {
    given.uetr = newUetr();
    const input = form.elements.namedItem("uetr") as HTMLInputElement | null;
    if (input) input.value = given.uetr;
  }
  try {
    return checkInformation(given, INFORMATION_NAMES);
  } catch (e) {
    throw new Refused((e as Error).message);
  }
}

/** Wires a form's "new" UETR button: a fresh UETR in its UETR field. */
export function offerNewUetr(form: HTMLFormElement): void {
  const button = form.querySelector<HTMLButtonElement>("button.new-uetr");
  const input = form.elements.namedItem("uetr") as HTMLInputElement | null;
  if (!button || !input) return;
  button.addEventListener("click", (event) => {
    event.preventDefault();
    input.value = newUetr();
  });
}


/** Empties a form's UETR field after the payment it identifies is sent or signed: a UETR names one payment only. */
export function clearUetr(form: HTMLFormElement): void {
  const input = form.elements.namedItem("uetr") as HTMLInputElement | null;
  if (input) input.value = "";
}
