// Browser-safe: the client page (client/) imports this module, so it imports ethers and nothing of node or Hardhat.
import { ethers, Interface } from "ethers";
import type { ParticipantRegistry } from "../typechain-types";
import { isoDate, refText } from "./format";
import { enumName, PARTICIPANT_STATUS, PROPOSAL_STATUS, REDEMPTION_STATUS, roleName, TRADE_STATES } from "./roles";

/** Finds the revert data in an error thrown by ethers or by a Hardhat provider. */
export function revertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0) {
    const e = stack.pop();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8}/.test(data)) return data;
    for (const key of ["error", "info", "cause", "data"]) stack.push((e as Record<string, unknown>)[key]);
  }
  return undefined;
}

/** A decoded custom error: its name and arguments by name. */
export interface DecodedError {
  name: string;
  args: Record<string, string>;
}

/** Decodes revert data against the given contract interfaces (the first that knows the selector). */
export function decodeRevert(data: string, interfaces: Interface[]): DecodedError | undefined {
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (!parsed) continue;
      const args: Record<string, string> = {};
      parsed.fragment.inputs.forEach((input, i) => {
        const value: unknown = parsed.args[i];
        args[input.name || `arg${i}`] = typeof value === "bigint" ? value.toString() : String(value);
      });
      return { name: parsed.name, args };
    } catch {
      // not this interface's error
    }
  }
  if (data.startsWith("0x08c379a0")) {
    const [reason] = ethers.AbiCoder.defaultAbiCoder().decode(["string"], ethers.dataSlice(data, 4));
    return { name: "Error", args: { reason: String(reason) } };
  }
  return undefined;
}

/** The custom error by name with its raw arguments ("Name(arg=value, ...)"), or the plain message: for logs. */
export function describeError(error: unknown, interfaces: Interface[]): string {
  const data = revertData(error);
  const decoded = data ? decodeRevert(data, interfaces) : undefined;
  if (decoded) {
    const args = Object.entries(decoded.args).map(([k, v]) => `${k}=${v}`).join(", ");
    return args ? `${decoded.name}(${args})` : decoded.name;
  }
  if (error instanceof Error) {
    const short = (error as { shortMessage?: string }).shortMessage;
    return short ?? error.message.split("\n")[0];
  }
  return String(error);
}

/** What an explanation may look up: the registry (why a wallet is not allowed) and how to show amounts. */
export interface ExplainContext {
  /** Interfaces whose custom errors are decoded, the first that knows a selector wins. */
  interfaces: Interface[];
  registry?: ParticipantRegistry;
  /** Shows an amount of the token the call was about ("1,250,000.00 USD"); raw integers without it. */
  amount?: (value: bigint) => string;
  /** Names the items of a batch by index (a trade's reference, a payment's file), for errors that name one. */
  items?: readonly string[];
  /** The contracts (record keys) on which an account holds a role, to name where a conflicting role is held. */
  roleHeldOn?: (role: string, account: string) => Promise<string[]>;
}

/**
 * One line saying why a call failed: the custom error by name with its arguments in words (amounts in
 * currency units, roles and states by name, dates as ISO 8601), or the node's short message. The same
 * explanation serves the commands and the demo.
 */
export async function explainError(error: unknown, ctx: ExplainContext): Promise<string> {
  const data = revertData(error);
  const decoded = data ? decodeRevert(data, ctx.interfaces) : undefined;
  if (!decoded) {
    const short = (error as { shortMessage?: string }).shortMessage;
    return short ?? (error instanceof Error ? error.message.split("\n")[0] : String(error));
  }
  return explainDecoded(decoded, ctx);
}

/** The errors that wrap the refusal of one item of a batch, and what such an item is called. */
const BATCH_ITEM: Record<string, string> = { TradeRefused: "trade", PaymentInstructionRefused: "instruction" };

/** A decoded error in words; a batch item's refusal as "trade N (label): " and the item's own error. */
async function explainDecoded(decoded: DecodedError, ctx: ExplainContext): Promise<string> {
  const item = BATCH_ITEM[decoded.name];
  if (item) {
    const index = Number(decoded.args.index);
    const label = ctx.items?.[index];
    const inner = decodeRevert(decoded.args.reason, ctx.interfaces);
    const why = inner ? await explainDecoded(inner, ctx) : `undecoded reason ${decoded.args.reason}`;
    return `${item} ${index}${label ? ` (${label})` : ""}: ${why}`;
  }
  return `${decoded.name}: ${await inWords(decoded, ctx)}`;
}

async function inWords(d: DecodedError, ctx: ExplainContext): Promise<string> {
  const a = d.args;
  const amount = (v: string) => (ctx.amount ? ctx.amount(BigInt(v)) : v);
  const date = (v: string) => isoDate(Number(v));
  const state = (wallet: string) => (ctx.registry ? walletState(ctx.registry, wallet) : Promise.resolve("not allowed"));
  switch (d.name) {
    case "ParticipantNotAllowed":
      return `${a.wallet} (${await state(a.wallet)})`;
    case "PartyNotAllowed":
      return `${a.party} (${await state(a.party)})`;
    case "WalletFrozen":
      return `${a.wallet} is frozen`;
    case "WalletNotFrozen":
      return `${a.wallet} is not frozen`;
    case "AccessControlUnauthorizedAccount":
      return `${a.account} does not hold ${roleName(a.neededRole)}`;
    case "ConflictingRoles": {
      const where = ctx.roleHeldOn ? await ctx.roleHeldOn(a.heldRole, a.account) : [];
      return `${a.account} holds ${roleName(a.heldRole)}${where.length ? ` on ${where.join(", ")}` : ""}, which must stay apart from ${roleName(a.role)}: one key may not hold both duties`;
    }
    case "AccessControlEnforcedDefaultAdminDelay":
      return Number(a.schedule) === 0
        ? "no default admin transfer is pending"
        : `the default admin transfer becomes acceptable after ${date(a.schedule)}`;
    case "AccessControlInvalidDefaultAdmin":
      return `${a.defaultAdmin} is not the pending default admin`;
    case "InvalidMaxAttestationAge":
      return `a maximum attestation age of ${a.maxAge} s is not allowed`;
    case "ERC20InsufficientBalance":
      return `${a.sender} holds ${amount(a.balance)}, needs ${amount(a.needed)}`;
    case "ERC20InsufficientAllowance":
      return `allowance of ${a.spender} is ${amount(a.allowance)}, needs ${amount(a.needed)}`;
    case "ReservesExceeded":
      return `supply would be ${amount(a.supplyAfter)}, the reserves available are ${amount(a.available)} (the last report less the payouts since its cut-off)`;
    case "AttestationStale":
      return Number(a.asOf) === 0
        ? "no reserve report has been attested yet: issuance waits for one"
        : `the last reserve report is as of ${date(a.asOf)}, older than the maximum age of ${Number(a.maxAge) / 86400} days: a new report is needed`;
    case "AsOfInFuture":
      return `the report's cut-off ${date(a.asOf)} is after the chain time ${date(a.blockTime)}`;
    case "AsOfNotAfterPrevious":
      return `the report's cut-off ${date(a.asOf)} is not after the last attested report's cut-off ${date(a.previous)}`;
    case "ReportAlreadyAttested":
      return `report ${a.reportHash} has been attested already`;
    case "DualControlRequired":
      return `${amount(a.amount)} is above the single-officer threshold of ${amount(a.threshold)}: it needs a second officer (propose it)`;
    case "AllowanceExceeded":
      return `${a.officer} issued ${amount(a.used)} alone in the last 24 hours; ${amount(a.amount)} more would pass its allowance of ${amount(a.allowance)}`;
    case "DepositRefReserved":
      return `deposit reference ${a.depositRef} is reserved by pending proposal ${a.proposalId}`;
    case "RedemptionAlreadyProposed":
      return `completing redemption ${a.redemptionId} is already proposed (proposal ${a.proposalId}): a second officer approves it`;
    case "ProposalNotPending":
      return `proposal ${a.id} is ${enumName(PROPOSAL_STATUS, a.status)}`;
    case "ProposalExpired":
      return `proposal ${a.id} could be approved until ${date(a.validUntil)}; propose it again`;
    case "SelfApproval":
      return `${a.officer} proposed ${a.id} and cannot approve it: a second officer must`;
    case "InvalidApprovalWindow":
      return `an approval window of ${a.approvalWindow} s is outside 60 s to 7 days`;
    case "DepositRefAlreadyUsed":
      return `deposit reference ${a.depositRef} has already issued tokens: a deposit issues once, ever`;
    case "TokenPaused":
      return "the token is paused: only forced transfers move until it is unpaused";
    case "InvalidForcedTransferSource":
      return `${a.from} holds tokens for others (a custodian or the token's redemption custody): no forced transfer may take from it`;
    case "TimelockUnexpectedOperationState":
      return `timelock operation ${a.operationId} is not in the state the call needs`;
    case "RedemptionNotPending":
      return `redemption ${a.id ?? a.redemptionId} is ${enumName(REDEMPTION_STATUS, a.status)}`;
    case "StatusUnchanged":
    case "StatusNotSettable":
      return `${a.id ? `${a.id} ` : ""}status ${enumName(PARTICIPANT_STATUS, a.status)}`;
    case "KycExpiryNotInFuture":
      return `${date(a.kycExpiry)} is not after ${date(a.currentTime)}`;
    case "TradeNotOpen":
      return `trade ${a.tradeId} is ${enumName(TRADE_STATES, a.state)}`;
    case "UnknownTrade":
      return `no trade has id ${a.tradeId}`;
    case "TradeTermsMismatch":
      return `the terms given for trade ${a.tradeId} (hash ${a.termsHash}) are not the terms it was proposed with: pass them as its TradeProposed event carries them`;
    case "NotTradeParty":
      return `${a.caller} is neither the seller nor the buyer of trade ${a.tradeId}`;
    case "LegAlreadyFunded":
      return `${a.party} has already locked its leg of trade ${a.tradeId}`;
    case "DeadlinePassed":
      return `the deadline ${date(a.deadline)} has passed (chain time ${date(a.currentTime)})`;
    case "DeadlineNotPassed":
      return `the deadline ${date(a.deadline)} has not passed (chain time ${date(a.currentTime)})`;
    case "InvalidSignature":
      return `the signature given for ${a.party} is not ${a.party}'s signature of these terms`;
    case "SignedTradeAlreadySettled":
      return `these signed terms (trade hash ${a.tradeHash}) have already settled`;
    case "TradeRefAlreadySettled":
      return `a trade of ${a.seller} to ${a.buyer} with reference ${refText(a.ref)} has already settled`;
    case "TermsWithdrawn":
      return `a party withdrew its signature on these terms (trade hash ${a.tradeHash})`;
    case "NoRefundPending":
      return `no refund waits for ${a.party} in ${a.token}`;
    case "SameToken":
      return `both legs are token ${a.token}: a trade exchanges two different tokens (a security or a currency against another currency)`;
    case "TokenNotListed":
      return `${a.token} is not listed for settlement`;
    case "InvalidRegistry":
      return `${a.registry} is not a participant registry (no contract code there)`;
    case "QuoteAmountZero":
      return "an amount of the quote is zero: a quote sells and buys non-zero amounts";
    case "QuoteExpired":
      return `the quote was valid until ${date(a.validUntil)}; the chain time is ${date(a.currentTime)}`;
    case "QuoteUsed":
      return `nonce ${a.nonce} of provider ${a.provider} is used: a payment has already been made with this quote`;
    case "QuoteCancelled":
      return `provider ${a.provider} cancelled nonce ${a.nonce}: no quote it signed with it can be used`;
    case "NotQuotePayer":
      return `the quote is for payer ${a.payer} only, not ${a.sender}`;
    case "InvalidQuoteSignature":
      return `the signature is not ${a.provider}'s signature of these terms on this FxQuotes and chain (terms changed after signing, or another signer)`;
    case "ProviderNotAllowed":
      return `the provider ${a.provider} (${await state(a.provider)})`;
    case "PayerNotAllowed":
      return `the payer ${a.payer} (${await state(a.payer)})`;
    case "BeneficiaryNotAllowed":
      return `the beneficiary ${a.beneficiary} (${await state(a.beneficiary)})`;
    case "LegNotFunded":
      return `${a.party} holds ${amount(a.balance)} and allows FxQuotes ${amount(a.allowance)} of token ${a.token}, needs ${amount(a.amount)}`;
    case "ReferenceMissing":
      return "the payment reference is empty: a payment needs one";
    case "AuthorizationNotYetValid":
      return `the signed payment is valid only after ${date(a.validAfter)} (chain time ${date(a.currentTime)})`;
    case "AuthorizationExpired":
      return `the signed payment expired ${date(a.validBefore)} (chain time ${date(a.currentTime)})`;
    case "AuthorizationAlreadyUsed":
      return `nonce ${a.nonce} of ${a.authorizer} is used: that signed payment has settled or was cancelled`;
    case "InvalidAuthorizationSignature":
      return `the signature is not ${a.authorizer}'s signature of this payment on this token and chain`;
    case "CallerNotPayee":
      return `only the payee ${a.payee} may submit this authorization, not ${a.caller}`;
    case "SelfPayment":
      return `${a.wallet} is both payer and payee: a wallet cannot pay itself`;
    case "AmountOverflow":
      return `the batch's gross value so far (${amount(a.total)}) plus this instruction's ${amount(a.value)} passes 2^256 - 1`;
    case "CustodianCannotApprove":
      return `${a.custodian} is a custodian: it holds tokens for others and cannot grant an allowance`;
    case "NetPositionShortfall":
      return `${a.wallet} holds ${amount(a.balance)}, its net debit in the batch is ${amount(a.netDebit)}`;
    case "EmptyBatch":
      return "the batch holds nothing to settle";
    case "ShortDelivery":
      return `token ${a.token} delivered ${a.received} of ${a.expected}`;
    case "TokenQueryOutOfGas":
      return `token ${a.token} could not say whether a party is frozen or the token paused for want of gas: send with more gas`;
    default: {
      const words = Object.entries(a).map(([k, v]) => `${k} ${v}`).join(", ");
      return words || "refused";
    }
  }
}

/** Why a wallet is or is not allowed, in words. */
export async function walletState(registry: ParticipantRegistry, wallet: string): Promise<string> {
  const id = await registry.participantOf(wallet);
  if (id === ethers.ZeroHash) return "not linked to any participant";
  const [status, kycExpiry] = await registry.getParticipant(id);
  const latest = await registry.runner!.provider!.getBlock("latest");
  if (Number(status) === 1 && BigInt(latest!.timestamp) >= kycExpiry) return `KYC expired ${isoDate(Number(kycExpiry))}`;
  return `status ${enumName(PARTICIPANT_STATUS, status)}`;
}
