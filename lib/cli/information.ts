import type { Provider } from "ethers";
import type { ConfigurableTaskDefinition } from "hardhat/types";
import { newUetr } from "../iso20022";
import { checkInformation, hasIsoFields, informationText, PaymentInformation, readInformation } from "../payment-info";

/** The options a payment command takes for its information, by field. */
export const INFORMATION_OPTION_NAMES: Record<keyof PaymentInformation, string> = {
  reference: "--ref", uetr: "--uetr", endToEndId: "--end-to-end-id", remittance: "--remittance", creditorReference: "--creditor-reference",
};

/** The ISO 20022 options as a command's arguments hold them. */
export interface InformationArgs {
  uetr?: string;
  endToEndId?: string;
  remittance?: string;
  creditorReference?: string;
}

/** Declares the ISO 20022 options of a payment command beside its --ref. */
export function addInformationParams(cmd: ConfigurableTaskDefinition): ConfigurableTaskDefinition {
  return cmd
    .addOptionalParam("uetr", "UETR of the payment (UUID v4); generated when another ISO 20022 option is given without it")
    .addOptionalParam("endToEndId", "ISO 20022 end-to-end identification, at most 35 characters (the payer's reference; not with --ref)")
    .addOptionalParam("remittance", "unstructured remittance information, at most 140 characters (not with --ref)")
    .addOptionalParam("creditorReference", "structured creditor reference, ISO 11649 (RF...), instead of --remittance");
}

/**
 * A payment's information from a command's options, checked (lib/payment-info.ts checkInformation, naming
 * the options), or undefined when none is given. With ISO 20022 options and no --uetr, a fresh UETR is
 * generated (SWIFT gpi gives every payment one); `generated` says so, for the command to print it.
 */
export function informationFromArgs(args: InformationArgs & { ref?: string }, refOption = "--ref"): { info: PaymentInformation; generated: boolean } | undefined {
  const given: PaymentInformation = { reference: args.ref, uetr: args.uetr, endToEndId: args.endToEndId, remittance: args.remittance, creditorReference: args.creditorReference };
  for (const key of Object.keys(given) as (keyof PaymentInformation)[]) if (given[key] === undefined) delete given[key];
  if (Object.keys(given).length === 0) return undefined;
  const names = { ...INFORMATION_OPTION_NAMES, reference: refOption };
  const info = checkInformation(given, names);
  if (!hasIsoFields(info) || info.uetr !== undefined) return { info, generated: false };
  return { info: { uetr: newUetr(), ...info }, generated: true };
}

/** One line for a UETR the command generated, printed before the payment is sent (not under --json, which returns it). */
export function generatedUetrLine(given: { info: PaymentInformation; generated: boolean } | undefined): string | undefined {
  return given?.generated ? `UETR ${given.info.uetr} generated for this payment` : undefined;
}

/**
 * The information a mined transaction carries for the references its events hold: entries of its input
 * (readInformation) whose reference is among `refs`; any other entry is ignored.
 */
export async function transactionInformation(provider: Provider, txHash: string, refs: readonly string[]): Promise<Map<string, PaymentInformation>> {
  const tx = await provider.getTransaction(txHash);
  const found = new Map<string, PaymentInformation>();
  if (!tx) return found;
  const carried = readInformation(tx.data);
  for (const ref of refs) {
    const info = carried.get(ref.toLowerCase());
    if (info) found.set(ref.toLowerCase(), info);
  }
  return found;
}

/** A reference for people: its information's text when the transaction carried it, else its hex. */
export function referenceText(ref: string, info: PaymentInformation | undefined): string {
  const text = info ? informationText(info) : "";
  return text === "" ? ref : text;
}

/** A reference for --json: its hex and the information's fields (null when not carried). */
export function referenceJson(ref: string, info: PaymentInformation | undefined) {
  return {
    refHex: ref, reference: info?.reference ?? null, uetr: info?.uetr ?? null, endToEndId: info?.endToEndId ?? null,
    remittance: info?.remittance ?? null, creditorReference: info?.creditorReference ?? null, information: info ? informationText(info) || null : null,
  };
}
