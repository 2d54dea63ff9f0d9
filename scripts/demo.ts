import hre from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { CURRENCIES, DEMO_SECURITY, deploySuite, DEVELOPMENT_LIMITS } from "../lib/suite";
import { derivedRate, netPositions as tradeNets, RATE_PRECISION, signTrade, TradeTerms } from "../lib/dvp";
import { FxQuote, signQuote } from "../lib/fx";
import { grossAndNet, liquiditySavedPercent, netPositions, PaymentTerms, sequenceNonce, signPayment, tokenDomain } from "../lib/payments";
import { decodeRevert, describeError, explainError, revertData } from "../lib/errors";
import { networkSigners } from "../lib/signers/accounts";
import { enumName, TRADE_STATES } from "../lib/roles";
import { backingRatio, formatAge, formatAmount, isoDate, parseAmount, parseLegalName, participantId, refText, toReference, tradeRef } from "../lib/format";

/**
 * `npm run demo`: deploys the suite to the in-process network and runs the lifecycle: onboarding,
 * issuance, payments, DvP settlement of a security against the deposit token (locking and signed flows),
 * a USD/EUR/JPY cycle (issuance in each currency, payment versus payment, a netted multi-currency batch,
 * an FX payment against a liquidity provider's quote), redemption and compliance, printing each step,
 * each refusal by its contract error, and the ledger per currency.
 */
async function main(): Promise<void> {
  const { ethers } = hre;
  // The development keys, or the accounts of SIGNERS_FILE (HSM keys, keystores, a signing service) in this layout.
  const signers = await networkSigners(hre);
  if (signers.length < 13) throw new Error(`the demo needs 13 accounts (admin, 5 duties, 4 clients, agent, second officer, guardian); network "${hre.network.name}" has ${signers.length}`);
  const [admin, compliance, issuer, reserve, pauser, upgrader, acme, acmeOps, globex, initech, agent] = signers;
  const [secondIssuer, guardian] = [signers[11], signers[12]];
  const names = new Map<string, string>([
    [acme.address, "Acme Treasury (main)"], [acmeOps.address, "Acme Treasury (ops)"],
    [globex.address, "Globex Markets"], [initech.address, "Initech (not onboarded)"], [agent.address, "Settlement agent"],
  ]);

  step("Deploy registry, USD, EUR and JPY deposit tokens and their issuance desks, a security token, the DvP escrow and FxQuotes (UUPS proxies), one signer per duty");
  const currencies = [CURRENCIES.USD, CURRENCIES.EUR, CURRENCIES.JPY];
  const { registry, tokens, desks, securities, escrow: deployedEscrow, fxQuotes: deployedFx } = await deploySuite(hre, {
    admin,
    roles: {
      compliance: compliance.address, issuer: issuer.address, secondIssuer: secondIssuer.address, reserve: reserve.address,
      pauser: pauser.address, upgrader: upgrader.address, guardian: guardian.address,
    },
    limits: DEVELOPMENT_LIMITS,
    currencies,
    securities: [DEMO_SECURITY],
    compliance,
    adminDelay: 2 * 24 * 3600,
  });
  const usd = tokens.USD;
  const desk = desks.USD;
  const shares = securities[DEMO_SECURITY.isin];
  const escrow = deployedEscrow!;
  const fx = deployedFx!;
  const escrowAddress = await escrow.getAddress();
  const fxAddress = await fx.getAddress();
  names.set(escrowAddress, "DvP escrow (locked legs)");
  names.set(fxAddress, "FxQuotes (holds nothing)");
  const codes = currencies.map((c) => c.code);
  // each token's decimals as it states them on chain: the currency's ISO 4217 minor unit (JPY 0)
  const decimalsOf: Record<string, number> = {};
  for (const code of codes) decimalsOf[code] = Number(await tokens[code].decimals());
  /** An amount of a currency from text in its units, and back ("150,000,000 JPY"). */
  const amtIn = (code: string, x: string) => parseAmount(x, decimalsOf[code]);
  const money = (code: string) => (x: bigint) => `${formatAmount(x, decimalsOf[code])} ${code}`;
  const amt = (x: string) => amtIn("USD", x);
  const fmt = money("USD");
  console.log(`  registry ${await registry.getAddress()}`);
  for (const code of codes) {
    console.log(`  ${code}      ${await tokens[code].getAddress()} (${decimalsOf[code]} decimals), desk ${await desks[code].getAddress()} (holds ISSUER_ROLE on ${code})`);
  }
  console.log(`  each desk: dual control above ${DEVELOPMENT_LIMITS.issuanceThreshold} of its currency (issuance and payouts); each officer issues at most ${DEVELOPMENT_LIMITS.officerAllowance} alone in 24 hours`);
  console.log(`  ${DEMO_SECURITY.symbol.padEnd(8)} ${await shares.getAddress()} (ISIN ${await shares.isin()})\n  escrow   ${escrowAddress}\n  FxQuotes ${fxAddress}`);
  const interfaces = [registry.interface, usd.interface, desk.interface, shares.interface, escrow.interface, fx.interface];

  async function send(label: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
    const receipt = await (await tx).wait();
    console.log(`  ok   ${label} (block ${receipt!.blockNumber}, gas ${receipt!.gasUsed})`);
  }
  /**
   * Why a call was refused, in words (lib/errors.ts explainError). An error it has no words for comes back
   * as its bare arguments: that one is shown as the contract interfaces decode it, Name(arg=value, ...).
   */
  async function why(e: unknown, amount: (x: bigint) => string): Promise<string> {
    const words = await explainError(e, { interfaces, registry, amount });
    const data = revertData(e);
    const decoded = data ? decodeRevert(data, interfaces) : undefined;
    const bare = decoded && `${decoded.name}: ${Object.entries(decoded.args).map(([k, v]) => `${k} ${v}`).join(", ") || "refused"}`;
    return words === bare ? describeError(e, interfaces) : words;
  }
  async function refused(label: string, tx: Promise<ContractTransactionResponse>, amount = fmt): Promise<void> {
    try {
      await (await tx).wait();
    } catch (e) {
      console.log(`  refused  ${label}: ${await why(e, amount)}`);
      return;
    }
    throw new Error(`expected "${label}" to be refused, and it went through`);
  }
  /** Per currency, what the reserves must be: the last report minus the fiat paid out since its cut-off (checked in the ledger). */
  const expectedReserves: Record<string, bigint> = Object.fromEntries(codes.map((code) => [code, 0n]));
  /**
   * Each wallet's balance in every currency and the security; per currency the pending redemptions, the
   * supply, reserves and backing (a currency without a report or supply yet is checked, not shown).
   * Checks, per currency, supply = balances + pending redemptions and reserves = last report - payouts
   * since its cut-off, and that the escrow holds exactly its locked legs and pending refunds of each token.
   */
  async function ledger(): Promise<void> {
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    const held: Record<string, bigint> = Object.fromEntries(codes.map((code) => [code, 0n]));
    let sharesHeld = 0n;
    console.log("  ledger:");
    for (const [address, name] of names) {
      const cells: string[] = [];
      for (const code of codes) {
        const balance = await tokens[code].balanceOf(address);
        held[code] += balance;
        cells.push(money(code)(balance).padStart(code === "USD" ? 20 : 18));
      }
      const units = await shares.balanceOf(address);
      sharesHeld += units;
      const flags = [(await usd.isFrozen(address)) ? "frozen" : "", (await registry.isAllowed(address)) ? "" : "not allowed"]
        .filter(Boolean).join(", ");
      console.log(`    ${name.padEnd(26)} ${cells.join(" ")} ${`${units} ${DEMO_SECURITY.symbol}`.padStart(12)}${flags ? `  [${flags}]` : ""}`);
    }
    if (sharesHeld !== (await shares.totalSupply())) throw new Error(`security holdings ${sharesHeld} != supply`);
    for (const token of [...codes.map((code) => tokens[code]), shares]) {
      const address = await token.getAddress();
      const owed = (await escrow.lockedBalance(address)) + (await escrow.pendingRefundTotal(address));
      if (owed !== (await token.balanceOf(escrowAddress))) throw new Error(`escrow holds other amounts than its locked legs and pending refunds of ${address}`);
      if ((await token.balanceOf(fxAddress)) !== 0n) throw new Error(`FxQuotes holds ${address} tokens; it never should`);
    }
    for (const code of codes) {
      const [token, codeDesk, show] = [tokens[code], desks[code], money(code)];
      const supply = await token.totalSupply();
      const reserves = await codeDesk.availableReserves();
      const { asOf, attestedAt } = await codeDesk.attestation();
      const pending = await token.pendingRedemptions();
      if (held[code] + pending !== supply) throw new Error(`${code} ledger does not add up: ${held[code]} + ${pending} != ${supply}`);
      if (reserves !== expectedReserves[code]) throw new Error(`${code} reserves ${reserves} are not the last attestation minus payouts since (${expectedReserves[code]})`);
      if (supply === 0n && Number(attestedAt) === 0) continue;
      console.log(`    ${`${code} pending redemptions`.padEnd(26)} ${show(pending).padStart(20)}`);
      console.log(`    ${`${code} supply`.padEnd(26)} ${show(supply).padStart(20)}   reserves ${show(reserves)}, headroom ${show(await codeDesk.mintHeadroom())}`);
      const maxAge = Number(await codeDesk.maxAttestationAge());
      const age = now - Number(asOf);
      const flags = `${reserves < supply ? "  UNDER-BACKED: issuance refused" : ""}${age > maxAge ? "  STALE: issuance refused" : ""}`;
      console.log(`    ${`${code} backing`.padEnd(26)} ${backingRatio(reserves, supply).padStart(20)}   report as of ${isoDate(Number(asOf))} (submitted ${isoDate(Number(attestedAt))}), age ${formatAge(age)} (max ${formatAge(maxAge)})${flags}`);
    }
  }

  step("Onboard two institutions; Initech is never onboarded");
  const kycExpiry = (await ethers.provider.getBlock("latest"))!.timestamp + 365 * 24 * 3600;
  const acmeId = participantId("5493001KJTIIGC8Y1R12");
  const globexId = participantId("529900T8BM49AURSDO55");
  await send("onboard Acme Treasury with two wallets", registry.connect(compliance).onboard(acmeId, [acme.address, acmeOps.address], kycExpiry));
  await send("record Acme's LEI 5493001KJTIIGC8Y1R12", registry.connect(compliance).nameParticipant(acmeId, "LEI:5493001KJTIIGC8Y1R12"));
  await send("record Acme's legal name", registry.connect(compliance).setLegalName(acmeId, parseLegalName("Acme Treasury Ltd")));
  await send("onboard Globex Markets", registry.connect(compliance).onboard(globexId, [globex.address], kycExpiry));
  await send("record Globex's LEI 529900T8BM49AURSDO55", registry.connect(compliance).nameParticipant(globexId, "LEI:529900T8BM49AURSDO55"));
  await send("record Globex's legal name", registry.connect(compliance).setLegalName(globexId, parseLegalName("Globex Markets Ltd")));

  step("Attest reserves as of the report's cut-off, then issue against fiat deposits: two officers above the threshold");
  const chainTime = async () => (await ethers.provider.getBlock("latest"))!.timestamp;
  await send("attest reserves of 5,000,000.00 as of now", desk.connect(reserve).attestReserves(amt("5000000.00"), toReference("reserve-report-2026-11-24"), await chainTime()));
  expectedReserves.USD = amt("5000000.00");
  await refused("one officer issues 1,250,000.00 alone (above the threshold)", desk.connect(issuer).mint(acme.address, amt("1250000.00"), toReference("SWIFT-MT103-77812")));
  await send("officer 1 proposes issuing 1,250,000.00 to Acme (deposit SWIFT-MT103-77812, now reserved)", desk.connect(issuer).proposeIssuance(acme.address, amt("1250000.00"), toReference("SWIFT-MT103-77812")));
  await refused("officer 1 approves its own proposal", desk.connect(issuer).approve(1n));
  await send("officer 2 approves proposal 1: issued", desk.connect(secondIssuer).approve(1n));
  await send("officer 1 issues 500,000.00 to Globex alone (deposit SWIFT-MT103-77813)", desk.connect(issuer).mint(globex.address, amt("500000.00"), toReference("SWIFT-MT103-77813")));
  await refused("replayed deposit instruction SWIFT-MT103-77812", desk.connect(issuer).mint(acme.address, amt("500.00"), toReference("SWIFT-MT103-77812")));
  await send("officer 1 proposes 4,000,000.00 to Acme (more than the reserves left)", desk.connect(issuer).proposeIssuance(acme.address, amt("4000000.00"), toReference("SWIFT-MT103-77814")));
  await refused("officer 2 approves it", desk.connect(secondIssuer).approve(2n));
  await send("officer 2 cancels proposal 2: its deposit reference is free again", desk.connect(secondIssuer).cancel(2n));
  await ledger();

  step("Payments: the reference travels with the value");
  await send("Acme pays Globex 250,000.00 for invoice INV-2026-0042", usd.connect(acme).transferWithReference(globex.address, amt("250000.00"), toReference("INV-2026-0042")));
  await send("Acme moves 100,000.00 between its own wallets", usd.connect(acme).transfer(acmeOps.address, amt("100000.00")));
  await refused("Acme pays Initech, which is not onboarded", usd.connect(acme).transfer(initech.address, amt("1.00")));
  await ledger();

  step("Settlement cycle: twelve signed payments settle as one netted batch; only net positions move");
  const agentId = participantId("SETTLEMENT-AGENT");
  await send("onboard the settlement agent (a participant of its own)", registry.connect(compliance).onboard(agentId, [agent.address], kycExpiry));
  await send("record the settlement agent's legal name", registry.connect(compliance).setLegalName(agentId, parseLegalName("Northwind Settlement Services Ltd")));
  const domain = tokenDomain(await usd.name(), await usd.getAddress(), (await ethers.provider.getNetwork()).chainId);
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const payers = new Map([[acme.address, acme], [acmeOps.address, acmeOps], [globex.address, globex]]);
  const numbered = new Map<string, number>();
  const invoice = (from: string, to: string, amount: string, ref: string): PaymentTerms => {
    const k = numbered.get(from) ?? 0;
    numbered.set(from, k + 1);
    // each payer numbers the nonces of its cycle from one word: 256 payments share a storage word
    return { from, to, value: amt(amount), ref: toReference(ref), validAfter: now - 60n, validBefore: now + 3600n, nonce: sequenceNonce(BigInt(from) >> 8n, k) };
  };
  const cycle: PaymentTerms[] = [];
  for (let i = 1; i <= 4; i++) {
    cycle.push(invoice(acme.address, globex.address, `${40000 + i * 2500}.00`, `INV-2026-11-${100 + i}`));
    cycle.push(invoice(globex.address, acme.address, `${35000 + i * 1500}.00`, `INV-GLX-${200 + i}`));
    cycle.push(invoice(acmeOps.address, globex.address, `${5000 + i * 250}.00`, `INV-OPS-${300 + i}`));
  }
  const signedCycle = await Promise.all(cycle.map((t) => signPayment(payers.get(t.from)!, domain, t)));
  const { gross, net } = grossAndNet(cycle);
  console.log(`  ${cycle.length} payments signed by their payers (EIP-3009 with references): gross ${fmt(gross)}, net ${fmt(net)}`);
  for (const [wallet, position] of netPositions(cycle)) console.log(`    ${names.get(wallet)!.padEnd(26)} net ${(position > 0n ? "+" : "") + fmt(position)}`);
  const toInitech = await signPayment(acme, domain, { ...invoice(acme.address, initech.address, "10.00", "INV-INITECH-1") });
  await refused("the agent adds a payment to Initech: the whole batch is refused, naming it", usd.connect(agent).settlePaymentBatch([...signedCycle, toInitech]));
  await send("the settlement agent settles the cycle in one transaction", usd.connect(agent).settlePaymentBatch(signedCycle));
  console.log(`  moved ${fmt(net)} instead of ${fmt(gross)}: ${liquiditySavedPercent(gross, net)}% of the liquidity saved; each payee saw each reference`);
  await refused("the agent replays one of the settled payments", usd.connect(agent).transferWithReferenceAuthorization(signedCycle[0]));
  await ledger();

  step("Delivery versus payment: Globex sells 1,000 shares to Acme for 180,000.00");
  await send(`issue 5,000 ${DEMO_SECURITY.symbol} to Globex`, shares.connect(issuer).issue(globex.address, 5000n));
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 2 * 24 * 3600);
  const trade = (seller: string, buyer: string, units: bigint, cash: string, ref: string): Promise<TradeTerms> =>
    Promise.all([shares.getAddress(), usd.getAddress()]).then(([assetAddress, cashAddress]) => ({
      seller, buyer, asset: assetAddress, assetAmount: units, cash: cashAddress, cashAmount: amt(cash), deadline, ref: toReference(ref),
    }));
  const state = async (id: string) => enumName(TRADE_STATES, (await escrow.getTrade(id)).state);
  await send("Globex approves the escrow for its shares", shares.connect(globex).approve(escrowAddress, ethers.MaxUint256));
  await send("Acme approves the escrow for its cash", usd.connect(acme).approve(escrowAddress, ethers.MaxUint256));
  const t1 = await trade(globex.address, acme.address, 1000n, "180000.00", "TRADE-2026-11-24-0001");
  const t1Id = await escrow.connect(globex).proposeTrade.staticCall(t1);
  await send("Globex proposes trade TRADE-2026-11-24-0001", escrow.connect(globex).proposeTrade(t1));
  await refused("Initech tries to buy: not onboarded", escrow.connect(globex).proposeTrade(await trade(globex.address, initech.address, 10n, "1800.00", "TRADE-X")));
  await send("Globex locks 1,000 shares in the escrow", escrow.connect(globex).fund(t1Id, t1));
  await ledger();
  await refused("Acme funds the trade with other terms than proposed (170,000.00)", escrow.connect(acme).fund(t1Id, { ...t1, cashAmount: amt("170000.00") }));
  await send("Acme pays 180,000.00: both legs move in this transaction", escrow.connect(acme).fund(t1Id, t1));
  console.log(`  trade ${t1Id.slice(0, 10)}... is ${await state(t1Id)}`);
  await refused("Acme funds the settled trade again", escrow.connect(acme).fund(t1Id, t1));
  await ledger();

  step("DvP, signed flow: Acme sells 200 shares back for 36,400.00; both sign, an agent settles in one transaction");
  await send("Acme approves the escrow for its shares", shares.connect(acme).approve(escrowAddress, ethers.MaxUint256));
  await send("Globex approves the escrow for its cash", usd.connect(globex).approve(escrowAddress, ethers.MaxUint256));
  const t2 = await trade(acme.address, globex.address, 200n, "36400.00", "TRADE-2026-11-24-0002");
  const acmeSig = await signTrade(acme, escrowAddress, chainId, t2);
  const globexSig = await signTrade(globex, escrowAddress, chainId, t2);
  console.log(`  Acme and Globex signed the EIP-712 terms (trade hash ${await escrow.hashTrade(t2)})`);
  await refused("the agent submits Acme's signature twice", escrow.connect(admin).settleSigned(t2, acmeSig, acmeSig));
  await send("the settlement agent submits both signatures", escrow.connect(admin).settleSigned(t2, acmeSig, globexSig));
  await refused("the agent replays the signed trade", escrow.connect(admin).settleSigned(t2, acmeSig, globexSig));
  const t2b = await trade(acme.address, globex.address, 10n, "1820.00", "TRADE-2026-11-24-0004");
  const [acmeSigB, globexSigB] = [await signTrade(acme, escrowAddress, chainId, t2b), await signTrade(globex, escrowAddress, chainId, t2b)];
  await send("Acme withdraws its signature on TRADE-2026-11-24-0004 before it settles", escrow.connect(acme).withdrawSignature(t2b));
  await refused("the agent submits the withdrawn terms", escrow.connect(admin).settleSigned(t2b, acmeSigB, globexSigB));

  step("DvP, netted batch: four signed trades settle in one transaction; each party delivers only its net");
  const batchTrades = [
    await trade(globex.address, acme.address, 300n, "54600.00", "TRADE-2026-11-24-0101"),
    await trade(acme.address, globex.address, 120n, "21900.00", "TRADE-2026-11-24-0102"),
    await trade(globex.address, acme.address, 50n, "9100.00", "TRADE-2026-11-24-0103"),
    await trade(acme.address, globex.address, 200n, "36500.00", "TRADE-2026-11-24-0104"),
  ];
  const signedBatch = await Promise.all(batchTrades.map(async (t) => ({
    terms: t,
    sellerSig: await signTrade(t.seller === acme.address ? acme : globex, escrowAddress, chainId, t),
    buyerSig: await signTrade(t.buyer === acme.address ? acme : globex, escrowAddress, chainId, t),
  })));
  console.log("  Acme and Globex signed four trades' terms; the settlement agent submits them together");
  await refused("the agent adds the already settled TRADE-2026-11-24-0002", escrow.connect(admin).settleSignedBatch([...signedBatch, { terms: t2, sellerSig: acmeSig, buyerSig: globexSig }]));
  const batchReceipt = await (await escrow.connect(admin).settleSignedBatch(signedBatch)).wait();
  const batchEvent = batchReceipt!.logs.map((l) => escrow.interface.parseLog(l)).find((e) => e?.name === "SignedTradeBatchSettled")!;
  console.log(`  ok   the settlement agent settles the four trades in one transaction (block ${batchReceipt!.blockNumber}, gas ${batchReceipt!.gasUsed})`);
  const sharesAddress = await shares.getAddress();
  for (const totals of batchEvent.args.totals as { token: string; gross: bigint; net: bigint }[]) {
    const show = (v: bigint) => (totals.token === sharesAddress ? `${v} ${DEMO_SECURITY.symbol}` : fmt(v));
    console.log(`  ${totals.token === sharesAddress ? DEMO_SECURITY.symbol : "USD"}: gross ${show(totals.gross)}, net moved ${show(totals.net)}`);
  }
  await ledger();

  step("DvP, cancelled: a locked leg goes back in full");
  const t3 = await trade(globex.address, acme.address, 300n, "54000.00", "TRADE-2026-11-24-0003");
  const t3Id = await escrow.connect(acme).proposeTrade.staticCall(t3);
  await send("Acme proposes TRADE-2026-11-24-0003", escrow.connect(acme).proposeTrade(t3));
  await send("Acme locks 54,000.00", escrow.connect(acme).fund(t3Id, t3));
  await ledger();
  await refused("compliance tries to force the locked leg out of the escrow", usd.connect(compliance).forceTransfer(escrowAddress, globex.address, amt("54000.00"), toReference("COURT-ORDER-2026-118")));
  await send("Globex cancels: Acme's cash returns", escrow.connect(globex).cancel(t3Id, t3));
  console.log(`  trade ${t3Id.slice(0, 10)}... is ${await state(t3Id)}`);
  await ledger();

  step("DvP, refund to a frozen owner: the leg waits for it in the escrow, for nobody else");
  const t5 = await trade(globex.address, acme.address, 50n, "9000.00", "TRADE-2026-11-24-0005");
  const t5Id = await escrow.connect(acme).proposeTrade.staticCall(t5);
  await send("Acme proposes TRADE-2026-11-24-0005", escrow.connect(acme).proposeTrade(t5));
  await send("Acme locks 9,000.00", escrow.connect(acme).fund(t5Id, t5));
  await send("compliance freezes Acme's main wallet on the cash token", usd.connect(compliance).freeze(acme.address));
  await send("Globex cancels: Acme cannot receive, so its 9,000.00 waits as a pending refund", escrow.connect(globex).cancel(t5Id, t5));
  console.log(`  pending refund for Acme: ${fmt(await escrow.pendingRefund(acme.address, await usd.getAddress()))}`);
  await ledger();
  await refused("the refund is pushed while Acme is still frozen", escrow.connect(globex).claimRefund(acme.address, await usd.getAddress()));
  await send("compliance unfreezes Acme", usd.connect(compliance).unfreeze(acme.address));
  await send("anyone pushes the pending refund: it goes to Acme only", escrow.connect(globex).claimRefund(acme.address, await usd.getAddress()));
  await ledger();

  step("Three currencies: reserves attested and deposits issued in EUR and JPY beside USD, each desk with its limits in its own units");
  const [eur, jpy] = [money("EUR"), money("JPY")];
  await send("attest EUR reserves of 3,000,000.00 as of now", desks.EUR.connect(reserve).attestReserves(amtIn("EUR", "3000000.00"), toReference("reserve-report-EUR-2026-11-24"), await chainTime()));
  expectedReserves.EUR = amtIn("EUR", "3000000.00");
  await send("attest JPY reserves of 500,000,000 as of now", desks.JPY.connect(reserve).attestReserves(amtIn("JPY", "500000000"), toReference("reserve-report-JPY-2026-11-24"), await chainTime()));
  expectedReserves.JPY = amtIn("JPY", "500000000");
  await send("officer 1 issues 1,000,000.00 USD to Acme (deposit SWIFT-MT103-77820)", desk.connect(issuer).mint(acme.address, amt("1000000.00"), toReference("SWIFT-MT103-77820")));
  await send("officer 1 issues 950,000.00 EUR to Globex (deposit SEPA-2026-11-24-0001)", desks.EUR.connect(issuer).mint(globex.address, amtIn("EUR", "950000.00"), toReference("SEPA-2026-11-24-0001")));
  await send("officer 1 issues 400,000.00 EUR to Acme (deposit SEPA-2026-11-24-0002)", desks.EUR.connect(issuer).mint(acme.address, amtIn("EUR", "400000.00"), toReference("SEPA-2026-11-24-0002")));
  await refused("officer 1 issues 150,000,000 JPY to Globex alone", desks.JPY.connect(issuer).mint(globex.address, amtIn("JPY", "150000000"), toReference("ZENGIN-2026-11-24-0001")), jpy);
  await send("officer 1 proposes 150,000,000 JPY to Globex (deposit ZENGIN-2026-11-24-0001): proposal 1 of the JPY desk", desks.JPY.connect(issuer).proposeIssuance(globex.address, amtIn("JPY", "150000000"), toReference("ZENGIN-2026-11-24-0001")));
  await send("officer 2 approves JPY proposal 1: issued", desks.JPY.connect(secondIssuer).approve(1n));
  await ledger();

  step("Payment versus payment: Acme pays 1,000,000.00 USD against 920,000.00 EUR from Globex; both sign, the agent settles both legs in one transaction");
  const [usdAddress, eurAddress, jpyAddress] = await Promise.all(codes.map((code) => tokens[code].getAddress()));
  const addressOf: Record<string, string> = { USD: usdAddress, EUR: eurAddress, JPY: jpyAddress };
  const codeOf = new Map(codes.map((code) => [addressOf[code], code]));
  for (const [who, signer] of [["Acme", acme], ["Globex", globex]] as const) {
    for (const code of ["EUR", "JPY"]) await send(`${who} approves the escrow for its ${code}`, tokens[code].connect(signer).approve(escrowAddress, ethers.MaxUint256));
  }
  /** A payment versus payment trade: the seller delivers `assetText` of one currency, the buyer pays `cashText` of another. */
  const pvp = (seller: string, buyer: string, assetCode: string, assetText: string, cashCode: string, cashText: string, ref: string): TradeTerms => ({
    seller, buyer, asset: addressOf[assetCode], assetAmount: amtIn(assetCode, assetText),
    cash: addressOf[cashCode], cashAmount: amtIn(cashCode, cashText), deadline, ref: tradeRef(ref),
  });
  /** The rate as the trade commands state it: how much of the asset currency one unit of the cash currency buys. */
  const rateOf = (t: TradeTerms) => derivedRate(
    { amount: t.cashAmount, decimals: decimalsOf[codeOf.get(t.cash)!], label: codeOf.get(t.cash)! },
    { amount: t.assetAmount, decimals: decimalsOf[codeOf.get(t.asset)!], label: codeOf.get(t.asset)! },
  ).text;
  const p1 = pvp(globex.address, acme.address, "EUR", "920000.00", "USD", "1000000.00", "PVP-2026-11-24-0001");
  console.log(`  terms PVP-2026-11-24-0001: Globex delivers ${eur(p1.assetAmount)} (asset leg), Acme pays ${fmt(p1.cashAmount)} (cash leg)`);
  console.log(`  rate ${rateOf(p1)} (${RATE_PRECISION}; never stored)`);
  const [p1Seller, p1Buyer] = [await signTrade(globex, escrowAddress, chainId, p1), await signTrade(acme, escrowAddress, chainId, p1)];
  console.log(`  Acme and Globex signed the EIP-712 terms (trade hash ${await escrow.hashTrade(p1)})`);
  await send("the settlement agent submits both signatures: the USD and the EUR leg move in this transaction", escrow.connect(agent).settleSigned(p1, p1Seller, p1Buyer));
  await refused("the agent replays the signed PvP trade", escrow.connect(agent).settleSigned(p1, p1Seller, p1Buyer));
  await ledger();

  step("Netted multi-currency batch: USD/EUR and USD/JPY trades settle in one transaction; each party moves only its net per currency");
  const fxBatch = [
    pvp(acme.address, globex.address, "EUR", "500000.00", "USD", "543000.00", "PVP-2026-11-24-0101"),
    pvp(globex.address, acme.address, "EUR", "200000.00", "USD", "217800.00", "PVP-2026-11-24-0102"),
    pvp(globex.address, acme.address, "JPY", "45000000", "USD", "300000.00", "PVP-2026-11-24-0103"),
    pvp(acme.address, globex.address, "JPY", "15000000", "USD", "100500.00", "PVP-2026-11-24-0104"),
  ];
  const party = (address: string) => (address === acme.address ? acme : globex);
  const signedFx = await Promise.all(fxBatch.map(async (t) => ({
    terms: t,
    sellerSig: await signTrade(party(t.seller), escrowAddress, chainId, t),
    buyerSig: await signTrade(party(t.buyer), escrowAddress, chainId, t),
  })));
  for (const t of fxBatch) {
    const [asset, cash] = [money(codeOf.get(t.asset)!)(t.assetAmount), money(codeOf.get(t.cash)!)(t.cashAmount)];
    console.log(`  ${refText(t.ref)}: ${names.get(t.seller)} sells ${asset} to ${names.get(t.buyer)} for ${cash}, rate ${rateOf(t)}`);
  }
  console.log("  each party's net per currency (what the escrow moves):");
  for (const [token, perParty] of tradeNets(fxBatch)) {
    const show = money(codeOf.get(token)!);
    for (const [wallet, position] of perParty) console.log(`    ${codeOf.get(token)} ${names.get(wallet)!.padEnd(26)} net ${(position > 0n ? "+" : "") + show(position)}`);
  }
  const fxReceipt = await (await escrow.connect(agent).settleSignedBatch(signedFx)).wait();
  const fxEvent = fxReceipt!.logs.map((l) => escrow.interface.parseLog(l)).find((e) => e?.name === "SignedTradeBatchSettled")!;
  console.log(`  ok   the settlement agent settles the four trades in one transaction (block ${fxReceipt!.blockNumber}, gas ${fxReceipt!.gasUsed})`);
  for (const totals of fxEvent.args.totals as { token: string; gross: bigint; net: bigint }[]) {
    const show = money(codeOf.get(totals.token)!);
    console.log(`  ${codeOf.get(totals.token)}: gross ${show(totals.gross)}, net moved ${show(totals.net)}`);
  }
  await ledger();

  step("FX payment against a signed quote: Globex, a liquidity provider, sells EUR for USD; Acme pays its ops wallet 92,000.00 EUR");
  await send("Acme approves FxQuotes for its USD", usd.connect(acme).approve(fxAddress, ethers.MaxUint256));
  await send("Globex approves FxQuotes for its EUR", tokens.EUR.connect(globex).approve(fxAddress, ethers.MaxUint256));
  const quoteAt = BigInt(await chainTime());
  const quote = (validUntil: bigint, nonce: string): FxQuote => ({
    provider: globex.address, payer: acme.address, sellToken: eurAddress, sellAmount: amtIn("EUR", "92000.00"),
    buyToken: usdAddress, buyAmount: amt("100000.00"), validUntil, nonce: ethers.id(nonce),
  });
  const q1 = quote(quoteAt + 600n, "GLX-QUOTE-2026-11-24-0001");
  const q1Sig = await signQuote(globex, fxAddress, chainId, q1);
  console.log(`  Globex quotes to Acme: sells ${eur(q1.sellAmount)} for ${fmt(q1.buyAmount)} (${derivedRate({ amount: q1.buyAmount, decimals: decimalsOf.USD, label: "USD" }, { amount: q1.sellAmount, decimals: decimalsOf.EUR, label: "EUR" }).text}), valid until ${isoDate(Number(q1.validUntil))}, signed EIP-712`);
  const payRef = tradeRef("INV-EU-2026-0042");
  const paid = await (await fx.connect(acme).payWithQuote(q1, q1Sig, acmeOps.address, payRef)).wait();
  const quotePaid = paid!.logs.map((l) => { try { return fx.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "QuotePaid")!;
  console.log(`  ok   Acme pays with the quote: both legs in one transaction (block ${paid!.blockNumber}, gas ${paid!.gasUsed})`);
  console.log(`  QuotePaid: quote ${quotePaid.args.quoteHash}, reference ${refText(quotePaid.args.ref)}: Acme paid ${fmt(q1.buyAmount)} to Globex, Globex paid ${eur(q1.sellAmount)} to ${names.get(quotePaid.args.beneficiary)}`);
  await refused("Acme pays with the same quote again", fx.connect(acme).payWithQuote(q1, q1Sig, acmeOps.address, tradeRef("INV-EU-2026-0043")));
  const q2 = quote(BigInt(await chainTime()) + 60n, "GLX-QUOTE-2026-11-24-0002");
  const q2Sig = await signQuote(globex, fxAddress, chainId, q2);
  await ethers.provider.send("evm_increaseTime", [120]);
  console.log(`  Globex quotes again, valid until ${isoDate(Number(q2.validUntil))}; Acme pays two minutes later`);
  await refused("Acme pays with the expired quote", fx.connect(acme).payWithQuote(q2, q2Sig, acmeOps.address, tradeRef("INV-EU-2026-0044")));
  await ledger();

  step("Redemption in two phases");
  await send("Globex requests redemption of 100,000.00 (id 1)", usd.connect(globex).requestRedemption(amt("100000.00")));
  await send("Acme requests redemption of 50,000.00 (id 2)", usd.connect(acme).requestRedemption(amt("50000.00")));
  await ledger();
  await send("an officer completes id 1 after the fiat payout (burn); the payout is deducted from the reserves", desk.connect(issuer).completeRedemption(1n));
  expectedReserves.USD -= amt("100000.00");
  await send("an officer rejects id 2: payout failed, tokens return", desk.connect(issuer).rejectRedemption(2n, toReference("PAYOUT-FAILED: account closed")));
  await refused("an officer completes id 1 a second time", desk.connect(issuer).completeRedemption(1n));
  await ledger();

  step("Compliance: freeze, forced transfer, suspension, pause");
  await send("freeze Globex", usd.connect(compliance).freeze(globex.address));
  await refused("Globex pays Acme while frozen", usd.connect(globex).transfer(acme.address, amt("10.00")));
  await send("court order: move 10,000.00 from frozen Globex to Acme", usd.connect(compliance).forceTransfer(globex.address, acme.address, amt("10000.00"), toReference("COURT-ORDER-2026-117")));
  await send("unfreeze Globex", usd.connect(compliance).unfreeze(globex.address));
  await send("suspend Acme", registry.connect(compliance).setStatus(acmeId, 2));
  await refused("Globex pays suspended Acme", usd.connect(globex).transfer(acme.address, amt("10.00")));
  await send("reinstate Acme", registry.connect(compliance).setStatus(acmeId, 1));
  await send("pause the token", usd.connect(pauser).pause());
  await refused("Acme pays Globex while paused", usd.connect(acme).transfer(globex.address, amt("10.00")));
  await refused("the issuer tries to pause (not its duty)", usd.connect(issuer).pause());
  await send("unpause the token", usd.connect(pauser).unpause());
  await send("Acme pays Globex 10.00 again", usd.connect(acme).transfer(globex.address, amt("10.00")));
  await ledger();

  step("Backing as of a cut-off: payouts after the cut-off are deducted from a report submitted later");
  const supplyAtCutOff = await usd.totalSupply();
  const cutOff = await chainTime();
  await send("Globex requests redemption of 50,000.00 (id 3) after the books closed", usd.connect(globex).requestRedemption(amt("50000.00")));
  await send("an officer completes id 3: 50,000.00 paid out after the cut-off", desk.connect(issuer).completeRedemption(3n));
  await send(`attest the month-end report: ${fmt(supplyAtCutOff)} as of ${isoDate(cutOff)}, submitted later`,
    desk.connect(reserve).attestReserves(supplyAtCutOff, toReference("reserve-report-2026-11-30"), cutOff));
  expectedReserves.USD = supplyAtCutOff - amt("50000.00");
  await refused("issue 50,000.00 into the payout's headroom", desk.connect(issuer).mint(acme.address, amt("50000.00"), toReference("SWIFT-MT103-77899")));
  await refused("post the same report again", desk.connect(reserve).attestReserves(supplyAtCutOff, toReference("reserve-report-2026-11-30"), await chainTime()));
  await ledger();

  step("Backing: the attester records a shortfall; issuance stops until reserves cover the supply and are fresh");
  const supplyNow = await usd.totalSupply();
  await send("attest reserves of 1,000,000.00, below the supply", desk.connect(reserve).attestReserves(amt("1000000.00"), toReference("reserve-report-2026-12-01"), await chainTime()));
  expectedReserves.USD = amt("1000000.00");
  await ledger();
  await refused("issue 1.00 while under-backed", desk.connect(issuer).mint(acme.address, amt("1.00"), toReference("SWIFT-MT103-77900")));
  await send("attest reserves of 3,000,000.00", desk.connect(reserve).attestReserves(amt("3000000.00"), toReference("reserve-report-2026-12-02"), await chainTime()));
  expectedReserves.USD = amt("3000000.00");
  await send("issue 1.00 again", desk.connect(issuer).mint(acme.address, amt("1.00"), toReference("SWIFT-MT103-77901")));
  await ethers.provider.send("evm_increaseTime", [36 * 24 * 3600]);
  await refused("36 days later: issue on the stale report", desk.connect(issuer).mint(acme.address, amt("1.00"), toReference("SWIFT-MT103-77902")));
  await ledger();
  if (supplyNow + amt("1.00") !== (await usd.totalSupply())) throw new Error("issuance went through while it should have been refused");

  step("Status: supply per currency, each in its own decimals");
  for (const code of codes) {
    const [supply, reserves] = [await tokens[code].totalSupply(), await desks[code].availableReserves()];
    console.log(`  ${code} (${decimalsOf[code]} decimals)  supply ${money(code)(supply).padStart(20)}   reserves ${money(code)(reserves).padStart(20)}   backing ${backingRatio(reserves, supply)}`);
  }

  console.log(`\nLifecycle complete: in each currency (${codes.join(", ")}) supply = balances + pending redemptions and reserves = last report - payouts since its cut-off;`);
  console.log("the escrow holds exactly its locked legs and pending refunds, and FxQuotes holds nothing.");
}

function step(title: string): void {
  console.log(`\n== ${title}`);
}

main().catch((e: unknown) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
