import { ContractTransactionReceipt, ZeroAddress } from "ethers";
import type { DepositToken, IssuanceDesk } from "../../typechain-types";
import type { IIssuanceDesk } from "../../typechain-types/contracts/issuance/IssuanceDesk";
import { CommandContext, CommonArgs, Leg } from "../../lib/cli/context";
import { issuanceDeskKey } from "../../lib/deployment";
import { requireBalance } from "../../lib/cli/funds";
import { amountsJson, out, printTable } from "../../lib/cli/output";
import { formatAge, isoDate, parseAddress, parseAmount, parseDate, toReference } from "../../lib/format";
import { enumName, PROPOSAL_KINDS, PROPOSAL_STATUS, REDEMPTION_STATUS, roleId } from "../../lib/roles";
import {
  addInformationParams, generatedUetrLine, InformationArgs, informationFromArgs, referenceJson, referenceText, transactionInformation,
} from "../../lib/cli/information";
import { informationReference, informationText } from "../../lib/payment-info";
import { action, command } from "./command";

interface TokenArgs extends CommonArgs { currency: string }

/** Declares a deposit-token command: --currency (default USD) plus the common options. */
export function tokenCommand(name: string, description: string) {
  return command(name, description).addOptionalParam("currency", "ISO 4217 code of the deposit token", "USD");
}

function amountOf(text: string, t: Leg): bigint {
  const value = parseAmount(text, t.decimals, "--amount");
  if (value === 0n) throw new Error(`--amount "${text}" is zero`);
  return value;
}

/** A reference given as text or 0x hex, printed both ways. */
function reference(text: string, what: string): { text: string; hex: string } {
  return { text, hex: toReference(text, what) };
}

const open = (ctx: CommandContext, args: TokenArgs): Promise<Leg<DepositToken>> => ctx.depositToken(args.currency);

type Proposal = IIssuanceDesk.ProposalStructOutput;

async function pendingProposal(desk: IssuanceDesk, idText: string): Promise<{ id: bigint; p: Proposal }> {
  if (!/^\d+$/.test(idText)) throw new Error(`--id "${idText}" is not a proposal id (a whole number)`);
  const id = BigInt(idText);
  const p = await desk.proposal(id);
  if (Number(p.status) !== 1) throw new Error(`proposal ${idText} is ${enumName(PROPOSAL_STATUS, p.status)}; nothing was sent`);
  return { id, p };
}

/** What a proposal does, in words: an issuance's deposit reference as the text its proposing transaction carried, else its hex. */
async function describeProposal(ctx: CommandContext, desk: IssuanceDesk, id: bigint, p: Proposal, t: Leg): Promise<string> {
  if (Number(p.kind) !== 1) return `complete redemption ${p.redemptionId}: pay out ${t.fmt(p.amount)} to ${p.to}`;
  const [proposed] = await desk.queryFilter(desk.filters.IssuanceProposed(id), ctx.fromBlock(issuanceDeskKey(t.label)));
  const info = proposed ? (await transactionInformation(ctx.hre.ethers.provider, proposed.transactionHash, [p.depositRef])).get(p.depositRef.toLowerCase()) : undefined;
  return `issue ${t.fmt(p.amount)} to ${p.to}, deposit ref ${referenceText(p.depositRef, info)}`;
}

/** The proposal id and approval deadline from the event a proposing transaction emitted. */
function proposedIn(desk: IssuanceDesk, receipt: ContractTransactionReceipt, event: "IssuanceProposed" | "RedemptionCompletionProposed"): { id: bigint; validUntil: number } {
  for (const log of receipt.logs) {
    const parsed = desk.interface.parseLog(log);
    if (parsed?.name === event) return { id: parsed.args.id as bigint, validUntil: Number(parsed.args.validUntil) };
  }
  throw new Error(`transaction ${receipt.hash} emitted no ${event}`);
}

tokenCommand("token:issue", "Issue deposit tokens against a fiat deposit (proposes it for a second officer above the threshold)")
  .addParam("to", "wallet credited")
  .addParam("amount", "amount in currency units, e.g. 1250000.00")
  .addParam("depositRef", "deposit instruction reference (text or 0x hex); issues once, ever")
  .setAction(action<TokenArgs & { to: string; amount: string; depositRef: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const desk = await ctx.issuanceDesk(args.currency);
    const to = parseAddress(args.to, "--to");
    const amount = amountOf(args.amount, t);
    const ref = reference(args.depositRef, "--deposit-ref");
    if (await t.contract.isDepositRefUsed(ref.hex)) throw new Error(`deposit reference "${ref.text}" (${ref.hex}) has already issued tokens; nothing was sent`);
    const signer = await ctx.signer(desk, "ISSUER_ROLE", issuanceDeskKey(t.label));
    const officer = await signer.getAddress();
    const [threshold] = await desk.limits();
    const { allowance, used } = await desk.officerAllowance(officer);
    const why = amount > threshold
      ? `above the single-officer threshold of ${t.fmt(threshold)}`
      : used + amount > allowance ? `beyond ${officer}'s allowance (${t.fmt(used)} of ${t.fmt(allowance)} used in the last 24 hours)` : undefined;
    if (why === undefined) {
      await ctx.send(`issue ${t.fmt(amount)} to ${to}`, desk.connect(signer).mint, [to, amount, ref.hex], t, undefined, [{ reference: ref.text }]);
      ctx.report({ to, ...amountsJson(t.fmt, { amount }), depositRef: ref.text, depositRefHex: ref.hex, proposal: null },
        () => out.line(`issued ${t.fmt(amount)} to ${to}, deposit ref "${ref.text}" = ${ref.hex}`));
      return;
    }
    const receipt = await ctx.send(`propose issuing ${t.fmt(amount)} to ${to}`, desk.connect(signer).proposeIssuance, [to, amount, ref.hex], t, undefined, [{ reference: ref.text }]);
    const { id, validUntil } = proposedIn(desk, receipt, "IssuanceProposed");
    ctx.report({ to, ...amountsJson(t.fmt, { amount }), depositRef: ref.text, depositRefHex: ref.hex, proposal: id.toString(), proposer: officer, validUntil: isoDate(validUntil) },
      () => out.line(`${t.fmt(amount)} is ${why}: proposed as issuance ${id} (deposit ref "${ref.text}" reserved); another issuance officer approves it with token:approve-issuance --id ${id} until ${isoDate(validUntil)}`));
  }));

tokenCommand("token:approve-issuance", "Approve another officer's proposal (an issuance or a redemption payout); it executes at once")
  .addParam("id", "proposal id (token:issuances lists them)")
  .setAction(action<TokenArgs & { id: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const desk = await ctx.issuanceDesk(args.currency);
    const { id, p } = await pendingProposal(desk, args.id);
    // Without --from: the first configured officer who is not the proposer.
    const signer = await ctx.signer(desk, "ISSUER_ROLE", issuanceDeskKey(t.label), p.proposer);
    const approver = await signer.getAddress();
    const what = await describeProposal(ctx, desk, id, p, t);
    await ctx.send(`approve proposal ${id} (${what})`, desk.connect(signer).approve, [id], t);
    ctx.report({ id: id.toString(), kind: enumName(PROPOSAL_KINDS, p.kind), proposer: p.proposer, approver, ...amountsJson(t.fmt, { amount: p.amount }) },
      () => out.line(`proposal ${id} approved by ${approver} and executed: ${what}`));
  }));

tokenCommand("token:cancel-issuance", "Cancel a pending proposal (its deposit reference is free again)")
  .addParam("id", "proposal id")
  .setAction(action<TokenArgs & { id: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const desk = await ctx.issuanceDesk(args.currency);
    const { id, p } = await pendingProposal(desk, args.id);
    const signer = await ctx.signer(desk, "ISSUER_ROLE", issuanceDeskKey(t.label));
    const what = await describeProposal(ctx, desk, id, p, t);
    await ctx.send(`cancel proposal ${id}`, desk.connect(signer).cancel, [id], t);
    ctx.report({ id: id.toString(), kind: enumName(PROPOSAL_KINDS, p.kind), cancelledBy: await signer.getAddress() },
      () => out.line(`proposal ${id} cancelled: ${what}`));
  }));

tokenCommand("token:issuances", "List the proposals waiting for a second officer (--all: every proposal)")
  .addFlag("all", "every proposal, executed and cancelled ones included")
  .setAction(action<TokenArgs & { all: boolean }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const desk = await ctx.issuanceDesk(args.currency);
    const count = await desk.proposalCount();
    const now = (await ctx.hre.ethers.provider.getBlock("latest"))!.timestamp;
    const rows: Record<string, string>[] = [];
    for (let id = 1n; id <= count; id++) {
      const p = await desk.proposal(id);
      const pending = Number(p.status) === 1;
      if (!pending && !args.all) continue;
      const expired = pending && now > Number(p.validUntil);
      rows.push({
        id: id.toString(), kind: enumName(PROPOSAL_KINDS, p.kind), status: expired ? "expired" : enumName(PROPOSAL_STATUS, p.status),
        what: await describeProposal(ctx, desk, id, p, t), ...amountsJson(t.fmt, { amount: p.amount }), proposer: p.proposer,
        // Past its window no officer may approve it; it keeps its deposit reference or redemption until cancelled.
        approver: p.approver !== ZeroAddress ? p.approver
          : expired ? `nobody (expired): token:cancel-issuance --id ${id} frees it`
          : pending ? `any issuance officer but ${p.proposer}` : "",
        validUntil: isoDate(Number(p.validUntil)),
      });
    }
    ctx.report({ proposals: rows }, () => {
      if (rows.length === 0) out.line(args.all ? "no proposals" : "no proposals waiting for a second officer");
      else printTable(["id", "kind", "status", "what", "proposed by", "approved by / who may approve", "valid until"],
        rows.map((r) => [r.id, r.kind, r.status, r.what, r.proposer, r.approver, r.validUntil]));
    });
  }));

tokenCommand("token:attest", "Attest the fiat reserves a report states as of its cut-off")
  .addParam("amount", "reserves in currency units")
  .addParam("report", "attestation report reference or hash (text or 0x hex); accepted once")
  .addParam("asOf", "the report's cut-off: YYYY-MM-DD (end of that day, UTC), an ISO 8601 time, unix seconds, or now")
  .setAction(action<TokenArgs & { amount: string; report: string; asOf: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const desk = await ctx.issuanceDesk(args.currency);
    const reserves = parseAmount(args.amount, t.decimals, "--amount");
    const report = reference(args.report, "--report");
    const now = (await ctx.hre.ethers.provider.getBlock("latest"))!.timestamp;
    const asOf = args.asOf.trim() === "now" ? now : parseDate(args.asOf, "--as-of");
    const signer = await ctx.signer(desk, "RESERVE_ROLE", issuanceDeskKey(t.label));
    await ctx.send(`attest reserves of ${t.fmt(reserves)} as of ${isoDate(asOf)}`, desk.connect(signer).attestReserves, [reserves, report.hex, asOf], t);
    const available = await desk.availableReserves();
    ctx.report({ ...amountsJson(t.fmt, { reserves, available }), report: report.text, reportHash: report.hex, asOf: isoDate(asOf) },
      () => out.line(`reserves of ${t.fmt(reserves)} attested as of ${isoDate(asOf)}, report "${report.text}" = ${report.hex}; available after the payouts since: ${t.fmt(available)}`));
  }));

addInformationParams(tokenCommand("token:transfer", "Pay another wallet, optionally with a payment reference or ISO 20022 identifiers (travel with the payment)")
  .addParam("to", "payee wallet")
  .addParam("amount", "amount in currency units")
  .addOptionalParam("ref", "payment reference (text or 0x hex), emitted with the value; not with the ISO 20022 options"))
  .setAction(action<TokenArgs & InformationArgs & { to: string; amount: string; ref?: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const to = parseAddress(args.to, "--to");
    const amount = amountOf(args.amount, t);
    const given = informationFromArgs(args);
    const signer = await ctx.signer();
    const from = await signer.getAddress();
    await requireBalance(t, from, amount);
    const info = given?.info;
    const refHex = info ? informationReference(info) : undefined;
    const token = t.contract.connect(signer);
    const uetrLine = generatedUetrLine(given);
    if (uetrLine && !ctx.args.json) out.line(uetrLine);
    const words = info ? informationText(info) || refHex! : "";
    if (info) await ctx.send(`pay ${t.fmt(amount)} to ${to} ref ${words}`, token.transferWithReference, [to, amount, refHex!], t, undefined, [info]);
    else await ctx.send(`pay ${t.fmt(amount)} to ${to}`, token.transfer, [to, amount], t);
    const [payer, payee] = ctx.args.json ? [from, to] : await Promise.all([ctx.walletText(from), ctx.walletText(to)]);
    ctx.report({ from, to, ...amountsJson(t.fmt, { amount }), ref: info?.reference, ...(info ? referenceJson(refHex!, info) : { refHex: undefined }) },
      () => out.line(`paid ${t.fmt(amount)} from ${payer} to ${payee}${info ? ` with reference ${words}` : ""}`));
  }));

tokenCommand("token:balance", "Show a wallet's balance")
  .addOptionalParam("wallet", "wallet (default: the signing account)")
  .setAction(action<TokenArgs & { wallet?: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const wallet = args.wallet ? parseAddress(args.wallet, "--wallet") : await ctx.ownWallet("--wallet");
    const balance = await t.contract.balanceOf(wallet);
    const frozen = await t.contract.isFrozen(wallet);
    const allowed = await ctx.registry.isAllowed(wallet);
    ctx.report({ wallet, currency: t.label, ...amountsJson(t.fmt, { balance }), frozen, allowed },
      () => out.line(`${wallet}: ${t.fmt(balance)}${frozen ? " (frozen)" : ""}${allowed ? "" : " (not allowed: see participant:show)"}`));
  }));

tokenCommand("token:redeem", "Request redemption of tokens for fiat (the amount is held until the bank pays out)")
  .addParam("amount", "amount in currency units")
  .setAction(action<TokenArgs & { amount: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const amount = amountOf(args.amount, t);
    const signer = await ctx.signer();
    const holder = await signer.getAddress();
    await requireBalance(t, holder, amount);
    await ctx.send(`request redemption of ${t.fmt(amount)}`, t.contract.connect(signer).requestRedemption, [amount], t);
    const id = await t.contract.redemptionCount();
    ctx.report({ id: id.toString(), holder, ...amountsJson(t.fmt, { amount }) },
      () => out.line(`redemption ${id} pending: ${t.fmt(amount)} held for ${holder}`));
  }));

async function pendingRedemption(t: Leg<DepositToken>, idText: string) {
  if (!/^\d+$/.test(idText)) throw new Error(`--id "${idText}" is not a redemption id (a whole number)`);
  const id = BigInt(idText);
  const r = await t.contract.redemption(id);
  if (Number(r.status) !== 1) throw new Error(`redemption ${idText} is ${enumName(REDEMPTION_STATUS, r.status)}; nothing was sent`);
  return { id, r };
}

tokenCommand("token:complete-redemption", "Complete a redemption after the fiat payout (burns the held amount); above the threshold, proposes it for a second officer")
  .addParam("id", "redemption id")
  .setAction(action<TokenArgs & { id: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const desk = await ctx.issuanceDesk(args.currency);
    const { id, r } = await pendingRedemption(t, args.id);
    const signer = await ctx.signer(desk, "ISSUER_ROLE", issuanceDeskKey(t.label));
    const [, threshold] = await desk.limits();
    if (r.amount <= threshold) {
      await ctx.send(`complete redemption ${id}`, desk.connect(signer).completeRedemption, [id], t);
      ctx.report({ id: id.toString(), holder: r.holder, ...amountsJson(t.fmt, { amount: r.amount }), proposal: null },
        () => out.line(`redemption ${id} completed: ${t.fmt(r.amount)} of ${r.holder} burnt`));
      return;
    }
    const receipt = await ctx.send(`propose completing redemption ${id}`, desk.connect(signer).proposeRedemptionCompletion, [id], t);
    const { id: proposal, validUntil } = proposedIn(desk, receipt, "RedemptionCompletionProposed");
    ctx.report({ id: id.toString(), holder: r.holder, ...amountsJson(t.fmt, { amount: r.amount }), proposal: proposal.toString(), validUntil: isoDate(validUntil) },
      () => out.line(`${t.fmt(r.amount)} is above the single-officer threshold of ${t.fmt(threshold)}: proposed as ${proposal}; another issuance officer completes it with token:approve-issuance --id ${proposal} until ${isoDate(validUntil)}`));
  }));

tokenCommand("token:reject-redemption", "Reject a redemption; the held amount returns to the holder")
  .addParam("id", "redemption id")
  .addParam("reason", "reason (text or 0x hex)")
  .setAction(action<TokenArgs & { id: string; reason: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const desk = await ctx.issuanceDesk(args.currency);
    const { id, r } = await pendingRedemption(t, args.id);
    const reason = reference(args.reason, "--reason");
    const signer = await ctx.signer(desk, "ISSUER_ROLE", issuanceDeskKey(t.label));
    await ctx.send(`reject redemption ${id}`, desk.connect(signer).rejectRedemption, [id, reason.hex], t);
    ctx.report({ id: id.toString(), holder: r.holder, ...amountsJson(t.fmt, { amount: r.amount }), reason: reason.text, reasonHex: reason.hex },
      () => out.line(`redemption ${id} rejected: ${t.fmt(r.amount)} returned to ${r.holder}`));
  }));

tokenCommand("token:set-limits", "Set the dual-control thresholds and the approval window (admin)")
  .addParam("issuanceThreshold", "issuance above this needs two officers, in currency units")
  .addParam("redemptionThreshold", "completing a redemption above this needs two officers, in currency units")
  .addOptionalParam("approvalWindow", "seconds a proposal can be approved for", "86400")
  .setAction(action<TokenArgs & { issuanceThreshold: string; redemptionThreshold: string; approvalWindow: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const desk = await ctx.issuanceDesk(args.currency);
    const issuance = parseAmount(args.issuanceThreshold, t.decimals, "--issuance-threshold");
    const redemption = parseAmount(args.redemptionThreshold, t.decimals, "--redemption-threshold");
    if (!/^\d+$/.test(args.approvalWindow.trim())) throw new Error(`--approval-window "${args.approvalWindow}" is not a whole number of seconds`);
    const window = Number(args.approvalWindow.trim());
    const signer = await ctx.signer(desk, "DEFAULT_ADMIN_ROLE", issuanceDeskKey(t.label));
    await ctx.send(`set limits of ${issuanceDeskKey(t.label)}`, desk.connect(signer).setLimits, [issuance, redemption, window], t);
    ctx.report({ ...amountsJson(t.fmt, { issuanceThreshold: issuance, redemptionThreshold: redemption }), approvalWindow: window },
      () => out.line(`dual control above ${t.fmt(issuance)} (issuance) and ${t.fmt(redemption)} (redemption payouts); proposals valid ${formatAge(window)}`));
  }));

tokenCommand("token:set-allowance", "Set what an issuance officer may issue alone in a rolling 24 hours (admin)")
  .addParam("officer", "the officer's address")
  .addParam("amount", "allowance in currency units (0: never alone; also for a former officer)")
  .setAction(action<TokenArgs & { officer: string; amount: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const desk = await ctx.issuanceDesk(args.currency);
    const officer = parseAddress(args.officer, "--officer");
    const allowance = parseAmount(args.amount, t.decimals, "--amount");
    // 0 is accepted for a former officer: a key granted ISSUER_ROLE again must not find its old allowance waiting.
    if (allowance > 0n && !(await desk.hasRole(roleId("ISSUER_ROLE"), officer))) throw new Error(`${officer} does not hold ISSUER_ROLE on ${issuanceDeskKey(t.label)}; nothing was sent`);
    const signer = await ctx.signer(desk, "DEFAULT_ADMIN_ROLE", issuanceDeskKey(t.label));
    await ctx.send(`set allowance of ${officer}`, desk.connect(signer).setOfficerAllowance, [officer, allowance], t);
    ctx.report({ officer, ...amountsJson(t.fmt, { allowance }) },
      () => out.line(`${officer} may issue ${t.fmt(allowance)} alone in any 24 hours`));
  }));

tokenCommand("token:redemptions", "List pending redemptions")
  .setAction(action<TokenArgs>(async (args, ctx) => {
    const t = await open(ctx, args);
    const count = await t.contract.redemptionCount();
    const pending: Record<string, string>[] = [];
    for (let id = 1n; id <= count; id++) {
      const r = await t.contract.redemption(id);
      if (Number(r.status) === 1) pending.push({ id: id.toString(), holder: r.holder, ...amountsJson(t.fmt, { amount: r.amount }) });
    }
    ctx.report({ pending }, () => {
      if (pending.length === 0) out.line("no pending redemptions");
      else printTable(["id", "holder", "amount"], pending.map((p) => [p.id, p.holder, p.amountText]));
    });
  }));

for (const [name, method, verb] of [
  ["token:freeze", "freeze", "Freeze a wallet: it can neither send nor receive"],
  ["token:unfreeze", "unfreeze", "Unfreeze a wallet"],
] as const) {
  tokenCommand(name, verb)
    .addParam("wallet", "wallet address")
    .setAction(action<TokenArgs & { wallet: string }>(async (args, ctx) => {
      const t = await open(ctx, args);
      const wallet = parseAddress(args.wallet, "--wallet");
      const signer = await ctx.signer(t.contract, "COMPLIANCE_ROLE", t.key);
      await ctx.send(`${method} ${wallet} on ${t.label}`, t.contract.connect(signer)[method], [wallet], t);
      ctx.report({ wallet, currency: t.label, frozen: method === "freeze" },
        () => out.line(`${wallet} is ${method === "freeze" ? "frozen" : "no longer frozen"} on ${t.label}`));
    }));
}

tokenCommand("token:force-transfer", "Move tokens without the holder's consent under a legal reference")
  .addParam("wallet", "wallet debited (may be frozen, suspended or revoked)")
  .addParam("to", "wallet credited")
  .addParam("amount", "amount in currency units")
  .addParam("legalRef", "court order or case reference (text or 0x hex)")
  .setAction(action<TokenArgs & { wallet: string; to: string; amount: string; legalRef: string }>(async (args, ctx) => {
    const t = await open(ctx, args);
    const from = parseAddress(args.wallet, "--wallet");
    const to = parseAddress(args.to, "--to");
    const amount = amountOf(args.amount, t);
    const legal = reference(args.legalRef, "--legal-ref");
    await requireBalance(t, from, amount);
    const signer = await ctx.signer(t.contract, "COMPLIANCE_ROLE", t.key);
    await ctx.send(`force ${t.fmt(amount)} from ${from} to ${to} under "${legal.text}"`, t.contract.connect(signer).forceTransfer, [from, to, amount, legal.hex], t, undefined, [{ reference: legal.text }]);
    ctx.report({ from, to, ...amountsJson(t.fmt, { amount }), legalRef: legal.text, legalRefHex: legal.hex },
      () => out.line(`forced ${t.fmt(amount)} from ${from} to ${to} under legal reference "${legal.text}" = ${legal.hex}`));
  }));

for (const [name, method, verb] of [
  ["token:pause", "pause", "Stop every movement except forced transfers"],
  ["token:unpause", "unpause", "Resume movements"],
] as const) {
  tokenCommand(name, verb)
    .setAction(action<TokenArgs>(async (args, ctx) => {
      const t = await open(ctx, args);
      const signer = await ctx.signer(t.contract, "PAUSER_ROLE", t.key);
      await ctx.send(`${method} ${t.key}`, t.contract.connect(signer)[method], [], t);
      ctx.report({ currency: t.label, paused: method === "pause" }, () => out.line(`${t.label} deposit token ${method === "pause" ? "paused" : "running"}`));
    }));
}
