import { expect } from "chai";
import fs from "fs";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deploymentPath, ESCROW_KEY, ESCROW_PARTICIPANT, FX_QUOTES_KEY, FX_QUOTES_PARTICIPANT, readDeployment } from "../../lib/deployment";
import { isoDate, participantId } from "../../lib/format";
import { ACME_LEI, deployed, failed, funded, GLOBEX_LEI, load, ok, run, useTemporaryDeployments } from "./helpers";

describe("operator commands (Hardhat tasks)", function () {
  useTemporaryDeployments();

  describe("participants", function () {
    it("onboards an institution by LEI with its wallets and KYC expiry date", async function () {
      const { registry, acme } = await load(deployed);
      const out = ok(await run("participant:onboard", { id: ACME_LEI, wallets: acme.address, kycExpiry: "2030-12-31" }));
      const id = participantId(ACME_LEI);
      expect(out).to.match(/^onboard LEI 5493001KJTIIGC8Y1R12: tx 0x[0-9a-f]{64} in block \d+, gas \d+$/m);
      expect(out).to.include(`participant LEI ${ACME_LEI} (id ${id}) onboarded with 1 wallet(s), KYC until 2030-12-31T23:59:59Z`);
      const [status, expiry, wallets] = await registry.getParticipant(id);
      expect([status, expiry, [...wallets]]).to.deep.equal([1n, BigInt(Date.parse("2030-12-31T23:59:59Z") / 1000), [acme.address]]);
    });

    it("prints JSON with the transaction hash, block and gas under --json", async function () {
      const { acme } = await load(deployed);
      const r = await run("participant:onboard", { id: ACME_LEI, wallets: acme.address, kycExpiry: "2030-12-31", json: true });
      const parsed = JSON.parse(ok(r)) as { id: string; transactions: { txHash: string; block: number; gasUsed: string }[] };
      expect(parsed.id).to.equal(participantId(ACME_LEI));
      expect(parsed.transactions).to.have.length(2); // onboarding, and the LEI recorded on chain
      const receipt = await ethers.provider.getTransactionReceipt(parsed.transactions[0].txHash);
      expect(receipt?.blockNumber).to.equal(parsed.transactions[0].block);
      expect(receipt?.gasUsed.toString()).to.equal(parsed.transactions[0].gasUsed);
    });

    it("names a malformed wallet or date and sends nothing", async function () {
      const { compliance } = await load(deployed);
      const nonce = await ethers.provider.getTransactionCount(compliance.address);
      expect(failed(await run("participant:onboard", { id: ACME_LEI, wallets: "0x1234", kycExpiry: "2030-12-31" })))
        .to.equal('error: --wallets entry "0x1234" is not an address');
      expect(failed(await run("participant:onboard", { id: ACME_LEI, wallets: compliance.address, kycExpiry: "next year" })))
        .to.equal('error: --kyc-expiry "next year" is not a date (YYYY-MM-DD, ISO 8601) or unix seconds');
      expect(await ethers.provider.getTransactionCount(compliance.address)).to.equal(nonce);
    });

    it("reports a refusal by its contract error and sends nothing", async function () {
      const { acme, compliance } = await load(funded);
      const nonce = await ethers.provider.getTransactionCount(compliance.address);
      const id = participantId(ACME_LEI);
      expect(failed(await run("participant:onboard", { id: ACME_LEI, wallets: acme.address, kycExpiry: "2030-12-31" })))
        .to.equal(`error: onboard LEI ${ACME_LEI} refused: ParticipantAlreadyExists: id ${id}; nothing was sent`);
      expect(failed(await run("participant:onboard", { id: "Initech", wallets: acme.address, kycExpiry: "2030-12-31" })))
        .to.equal(`error: onboard Initech refused: WalletAlreadyLinked: wallet ${acme.address}, participant ${id}; nothing was sent`);
      expect(await ethers.provider.getTransactionCount(compliance.address)).to.equal(nonce);
    });

    it("refuses to sign with an account that lacks the role, before sending", async function () {
      const { acme, outsider } = await load(deployed);
      expect(failed(await run("participant:onboard", { id: ACME_LEI, wallets: acme.address, kycExpiry: "2030-12-31", from: outsider.address })))
        .to.equal(`error: ${outsider.address} does not hold COMPLIANCE_ROLE on ParticipantRegistry; nothing was sent`);
      expect(failed(await run("participant:onboard", { id: ACME_LEI, wallets: acme.address, kycExpiry: "2030-12-31", from: "0x000000000000000000000000000000000000dEaD" })))
        .to.equal('error: --from 0x000000000000000000000000000000000000dEaD is not one of the configured accounts of network "hardhat"');
      expect(failed(await run("participant:onboard", { id: ACME_LEI, wallets: acme.address, kycExpiry: "2030-12-31", from: "99" })))
        .to.equal('error: --from 99: network "hardhat" has 20 configured accounts (0..19)');
    });

    it("links, unlinks, suspends, reinstates, renews and revokes", async function () {
      const { registry, acme, outsider } = await load(funded);
      const id = participantId(ACME_LEI);
      ok(await run("participant:link", { id: ACME_LEI, wallet: outsider.address }));
      expect(await registry.participantOf(outsider.address)).to.equal(id);
      ok(await run("participant:unlink", { wallet: outsider.address }));
      expect(await registry.participantOf(outsider.address)).to.equal(ethers.ZeroHash);
      expect(ok(await run("participant:suspend", { id: ACME_LEI }))).to.include(`participant ${id} is now Suspended`);
      expect(await registry.isAllowed(acme.address)).to.equal(false);
      expect(failed(await run("participant:suspend", { id: ACME_LEI })))
        .to.equal(`error: suspend LEI ${ACME_LEI} refused: StatusUnchanged: ${id} status Suspended; nothing was sent`);
      ok(await run("participant:reinstate", { id: ACME_LEI }));
      expect(await registry.isAllowed(acme.address)).to.equal(true);
      ok(await run("participant:renew-kyc", { id: ACME_LEI, kycExpiry: "2031-06-30" }));
      expect((await registry.getParticipant(id))[1]).to.equal(BigInt(Date.parse("2031-06-30T23:59:59Z") / 1000));
      ok(await run("participant:revoke", { id: ACME_LEI }));
      expect((await registry.getParticipant(id))[0]).to.equal(3n);
      expect(failed(await run("participant:reinstate", { id: ACME_LEI })))
        .to.equal(`error: reinstate LEI ${ACME_LEI} refused: ParticipantIsRevoked: id ${id}; nothing was sent`);
    });

    it("shows one participant by id or wallet, and lists all", async function () {
      const { acme, globex, record } = await load(funded);
      const shown = ok(await run("participant:show", { wallet: acme.address }));
      expect(shown).to.include(`participant ${participantId(ACME_LEI)}`);
      expect(shown).to.match(/status\s+Active/);
      expect(shown).to.include(`wallet      ${acme.address}`);
      const listed = JSON.parse(ok(await run("participant:list", { json: true }))) as { participants: { id: string; status: string; wallets: string[] }[] };
      expect(listed.participants.map((p) => [p.id, p.status, p.wallets])).to.deep.equal([
        [ethers.id(ESCROW_PARTICIPANT), "Active", [record.contracts[ESCROW_KEY].address]],
        [ethers.id(FX_QUOTES_PARTICIPANT), "Active", [record.contracts[FX_QUOTES_KEY].address]],
        [participantId(ACME_LEI), "Active", [acme.address]],
        [participantId(GLOBEX_LEI), "Active", [globex.address]],
      ]);
      expect(failed(await run("participant:show", { id: "Nobody Ltd" })))
        .to.equal(`error: no participant Nobody Ltd (id ${ethers.id("Nobody Ltd")})`);
    });
  });

  describe("deposit token", function () {
    it("issues an amount given in currency units against a deposit reference", async function () {
      const { usd, globex } = await load(funded);
      const out = ok(await run("token:issue", { to: globex.address, amount: "250,000.00", depositRef: "SWIFT-MT103-1" }));
      expect(out).to.include(`issued 250,000.00 USD to ${globex.address}, deposit ref "SWIFT-MT103-1" = ${ethers.id("SWIFT-MT103-1")}`);
      expect(await usd.balanceOf(globex.address)).to.equal(25000000n);
    });

    it("proposes an issuance above the threshold, lists it with who may approve, and a second officer approves it", async function () {
      const { usd, desk, globex, issuer, secondIssuer } = await load(funded);
      const out = ok(await run("token:issue", { to: globex.address, amount: "1250000.00", depositRef: "SWIFT-MT103-2" }));
      expect(out).to.match(new RegExp(`1,250,000.00 USD is above the single-officer threshold of 1,000,000.00 USD: proposed as issuance 1 \\(deposit ref "SWIFT-MT103-2" reserved\\); another issuance officer approves it with token:approve-issuance --id 1 until \\d{4}-`));
      expect(await usd.balanceOf(globex.address)).to.equal(0n);
      const listed = JSON.parse(ok(await run("token:issuances", { json: true }))) as { proposals: Record<string, string>[] };
      expect(listed.proposals).to.have.length(1);
      expect(listed.proposals[0]).to.include({ id: "1", kind: "issuance", status: "pending", proposer: issuer.address, approver: `any issuance officer but ${issuer.address}`, amountText: "1,250,000.00 USD" });
      expect(failed(await run("token:approve-issuance", { id: "1", from: issuer.address })))
        .to.equal(`error: approve proposal 1 (issue 1,250,000.00 USD to ${globex.address}, deposit ref "SWIFT-MT103-2") refused: SelfApproval: ${issuer.address} proposed 1 and cannot approve it: a second officer must; nothing was sent`);
      expect(failed(await run("token:issue", { to: globex.address, amount: "10.00", depositRef: "SWIFT-MT103-2" })))
        .to.include(`refused: DepositRefReserved: deposit reference ${ethers.id("SWIFT-MT103-2")} is reserved by pending proposal 1; nothing was sent`);
      // Without --from the command signs with the first configured officer that did not propose.
      expect(ok(await run("token:approve-issuance", { id: "1" }))).to.include(`proposal 1 approved by ${secondIssuer.address} and executed`);
      expect(await usd.balanceOf(globex.address)).to.equal(125000000n);
      expect((await desk.proposal(1n)).approver).to.equal(secondIssuer.address);
      expect(ok(await run("token:issuances"))).to.equal("no proposals waiting for a second officer");
      expect(failed(await run("token:approve-issuance", { id: "1" }))).to.equal("error: proposal 1 is executed; nothing was sent");
    });

    it("cancels a proposal and frees its deposit reference", async function () {
      const { desk, globex } = await load(funded);
      ok(await run("token:issue", { to: globex.address, amount: "2000000.00", depositRef: "SWIFT-MT103-3" }));
      expect(ok(await run("token:cancel-issuance", { id: "1" }))).to.include("proposal 1 cancelled: issue 2,000,000.00 USD");
      expect(await desk.proposalOfDepositRef(ethers.id("SWIFT-MT103-3"))).to.equal(0n);
      expect(ok(await run("token:issue", { to: globex.address, amount: "20.00", depositRef: "SWIFT-MT103-3" }))).to.include("issued 20.00 USD");
      const all = JSON.parse(ok(await run("token:issuances", { all: true, json: true }))) as { proposals: { status: string }[] };
      expect(all.proposals.map((p) => p.status)).to.deep.equal(["cancelled"]);
    });

    it("lists a proposal past its approval window as expired, which no officer may approve, until it is cancelled", async function () {
      const { desk, globex, issuer } = await load(funded);
      ok(await run("token:issue", { to: globex.address, amount: "2000000.00", depositRef: "SWIFT-MT103-4" }));
      await time.increaseTo((await desk.proposal(1n)).validUntil + 1n);
      const listed = JSON.parse(ok(await run("token:issuances", { json: true }))) as { proposals: Record<string, string>[] };
      expect(listed.proposals).to.have.length(1);
      expect(listed.proposals[0]).to.include({ id: "1", status: "expired", proposer: issuer.address, approver: "nobody (expired): token:cancel-issuance --id 1 frees it" });
      expect(failed(await run("token:approve-issuance", { id: "1" }))).to.include("refused: ProposalExpired");
      ok(await run("token:cancel-issuance", { id: "1" }));
      expect(ok(await run("token:issuances"))).to.equal("no proposals waiting for a second officer");
    });

    it("refuses a replayed deposit reference, a bad amount and an unknown currency before sending", async function () {
      const { usd, globex, issuer } = await load(funded);
      let nonce = await ethers.provider.getTransactionCount(issuer.address);
      expect(failed(await run("token:issue", { to: globex.address, amount: "1.00", depositRef: "seed" })))
        .to.equal(`error: deposit reference "seed" (${ethers.id("seed")}) has already issued tokens; nothing was sent`);
      expect(failed(await run("token:issue", { to: globex.address, amount: "12.345", depositRef: "x" })))
        .to.equal('error: --amount "12.345" has 3 decimals; the token has 2');
      expect(failed(await run("token:issue", { to: globex.address, amount: "1.00", depositRef: "x", currency: "CHF" })))
        .to.equal('error: no deposit token for currency "CHF" on hardhat (deployed: USD)');
      ok(await run("token:attest", { amount: "1500000.00", report: "report-2", asOf: "now" }));
      expect(failed(await run("token:issue", { to: globex.address, amount: "600000.00", depositRef: "x" })))
        .to.equal("error: issue 600,000.00 USD to " + globex.address +
          " refused: ReservesExceeded: supply would be 1,600,000.00 USD, the reserves available are 1,500,000.00 USD (the last report less the payouts since its cut-off); nothing was sent");
      nonce = await ethers.provider.getTransactionCount(issuer.address);
      expect(await ethers.provider.getTransactionCount(issuer.address)).to.equal(nonce);
      expect(await usd.balanceOf(globex.address)).to.equal(0n);
    });

    it("attests reserves as of the report's cut-off, once per report, never in the future or before the last one", async function () {
      const { desk } = await load(funded);
      const cutOff = (await time.latest()) + 5;
      await time.increaseTo(cutOff + 100);
      const out = ok(await run("token:attest", { amount: "7500000.00", report: "attestation-2026-11.pdf", asOf: String(cutOff) }));
      expect(out).to.include(`reserves of 7,500,000.00 USD attested as of ${isoDate(cutOff)}, report "attestation-2026-11.pdf"`);
      const a = await desk.attestation();
      expect([a.amount, a.reportHash, a.asOf]).to.deep.equal([750000000n, ethers.id("attestation-2026-11.pdf"), BigInt(cutOff)]);
      expect(failed(await run("token:attest", { amount: "1.00", report: "attestation-2026-11.pdf", asOf: "now" })))
        .to.include(`refused: ReportAlreadyAttested: report ${ethers.id("attestation-2026-11.pdf")} has been attested already; nothing was sent`);
      expect(failed(await run("token:attest", { amount: "1.00", report: "r-old", asOf: String(cutOff - 1) })))
        .to.include(`refused: AsOfNotAfterPrevious: the report's cut-off ${isoDate(cutOff - 1)} is not after the last attested report's cut-off ${isoDate(cutOff)}; nothing was sent`);
      expect(failed(await run("token:attest", { amount: "1.00", report: "r-future", asOf: "2099-01-01" })))
        .to.match(/refused: AsOfInFuture: the report's cut-off 2099-01-01T23:59:59Z is after the chain time/);
      expect(failed(await run("token:attest", { amount: "1.00", report: "r-x", asOf: "end of month" })))
        .to.equal('error: --as-of "end of month" is not a date (YYYY-MM-DD, ISO 8601) or unix seconds');
    });

    it("pays with a payment reference from the client's own account", async function () {
      const { usd, acme, globex } = await load(funded);
      const r = await run("token:transfer", { to: globex.address, amount: "2500.50", ref: "INV-2026-0042", from: acme.address, json: true });
      const parsed = JSON.parse(ok(r)) as { ref: string; refHex: string; transactions: { txHash: string }[] };
      expect([parsed.ref, parsed.refHex]).to.deep.equal(["INV-2026-0042", ethers.id("INV-2026-0042")]);
      expect(await usd.balanceOf(globex.address)).to.equal(250050n);
      const receipt = await ethers.provider.getTransactionReceipt(parsed.transactions[0].txHash);
      const events = receipt!.logs.map((l) => usd.interface.parseLog(l)).filter((e) => e?.name === "ReferencedTransfer");
      expect(events[0]?.args.ref).to.equal(ethers.id("INV-2026-0042"));
    });

    it("refuses a reference with a hidden character (a right-to-left override, a zero-width space), naming position and code point, and sends nothing", async function () {
      const { usd, acme, globex, issuer } = await load(funded);
      const [payerNonce, issuerNonce] = [await ethers.provider.getTransactionCount(acme.address), await ethers.provider.getTransactionCount(issuer.address)];
      const r = await run("token:transfer", { to: globex.address, amount: "1.00", ref: "INV-2026-\u202E2400", from: acme.address });
      expect(failed(r)).to.equal("error: --ref has an invisible format character at character 10 (U+202E): a reference with one can look like another; type it again without it");
      expect(failed(await run("token:issue", { to: globex.address, amount: "1.00", depositRef: "SWIFT\u200B-MT103-1" })))
        .to.equal("error: --deposit-ref has an invisible format character at character 6 (U+200B): a reference with one can look like another; type it again without it");
      expect(r.errors[0]).to.not.include("\u202E");
      expect([await ethers.provider.getTransactionCount(acme.address), await ethers.provider.getTransactionCount(issuer.address)]).to.deep.equal([payerNonce, issuerNonce]);
      expect(await usd.balanceOf(globex.address)).to.equal(0n);
    });

    it("explains a refusal in words: a suspended payee, a short balance", async function () {
      const { globex, acme } = await load(funded);
      ok(await run("participant:suspend", { id: GLOBEX_LEI }));
      expect(failed(await run("token:transfer", { to: globex.address, amount: "10.00", from: acme.address })))
        .to.equal(`error: pay 10.00 USD to ${globex.address} refused: ParticipantNotAllowed: ${globex.address} (status Suspended); nothing was sent`);
      expect(failed(await run("token:transfer", { to: acme.address, amount: "10.00", from: globex.address })))
        .to.equal(`error: ${globex.address} holds 0.00 USD, needs 10.00 USD; nothing was sent`);
    });

    it("shows a balance", async function () {
      const { acme } = await load(funded);
      expect(ok(await run("token:balance", { wallet: acme.address }))).to.equal(`${acme.address}: 1,000,000.00 USD`);
    });

    it("runs a redemption through request, listing, completion and rejection", async function () {
      const { usd, acme } = await load(funded);
      expect(ok(await run("token:redeem", { amount: "100.00", from: acme.address }))).to.include("redemption 1 pending: 100.00 USD held");
      ok(await run("token:redeem", { amount: "50.00", from: acme.address }));
      const listed = JSON.parse(ok(await run("token:redemptions", { json: true }))) as { pending: { id: string; amountText: string }[] };
      expect(listed.pending.map((p) => [p.id, p.amountText])).to.deep.equal([["1", "100.00 USD"], ["2", "50.00 USD"]]);
      expect(ok(await run("token:complete-redemption", { id: "1" }))).to.include(`redemption 1 completed: 100.00 USD of ${acme.address} burnt`);
      ok(await run("token:reject-redemption", { id: "2", reason: "payout failed" }));
      expect(await usd.balanceOf(acme.address)).to.equal(ethers.parseUnits("999900", 2));
      expect(ok(await run("token:redemptions"))).to.equal("no pending redemptions");
      expect(failed(await run("token:complete-redemption", { id: "1" }))).to.equal("error: redemption 1 is completed; nothing was sent");
      expect(failed(await run("token:complete-redemption", { id: "one" }))).to.equal('error: --id "one" is not a redemption id (a whole number)');
    });

    it("needs a second officer to complete a redemption above the threshold the admin set", async function () {
      const { usd, desk, acme, admin, issuer, secondIssuer } = await load(funded);
      expect(ok(await run("token:set-limits", { issuanceThreshold: "1000000.00", redemptionThreshold: "500.00", approvalWindow: "3600", from: admin.address })))
        .to.include("dual control above 1,000,000.00 USD (issuance) and 500.00 USD (redemption payouts); proposals valid 1h 0m");
      ok(await run("token:redeem", { amount: "600.00", from: acme.address }));
      const supply = await usd.totalSupply();
      expect(ok(await run("token:complete-redemption", { id: "1" })))
        .to.match(/600\.00 USD is above the single-officer threshold of 500\.00 USD: proposed as 1; another issuance officer completes it with token:approve-issuance --id 1 until/);
      expect(await usd.totalSupply()).to.equal(supply);
      expect(failed(await run("token:approve-issuance", { id: "1", from: issuer.address }))).to.include("SelfApproval");
      ok(await run("token:approve-issuance", { id: "1", from: secondIssuer.address }));
      expect(await usd.totalSupply()).to.equal(supply - 60000n);
      expect(await desk.payoutsSince(0)).to.equal(60000n);
      expect(failed(await run("token:set-limits", { issuanceThreshold: "1.00", redemptionThreshold: "1.00", from: issuer.address })))
        .to.equal(`error: ${issuer.address} does not hold DEFAULT_ADMIN_ROLE on IssuanceDesk:USD; nothing was sent`);
    });

    it("proposes instead of issuing alone once the officer's 24-hour allowance is used up", async function () {
      const { usd, desk, globex, admin, issuer } = await load(funded);
      // The seed issuance of 1,000,000.00 counts in the window too.
      expect(ok(await run("token:set-allowance", { officer: issuer.address, amount: "1000100.00", from: admin.address })))
        .to.include(`${issuer.address} may issue 1,000,100.00 USD alone in any 24 hours`);
      ok(await run("token:issue", { to: globex.address, amount: "60.00", depositRef: "A-1" }));
      const out = ok(await run("token:issue", { to: globex.address, amount: "50.00", depositRef: "A-2" }));
      expect(out).to.include(`beyond ${issuer.address}'s allowance (1,000,060.00 USD of 1,000,100.00 USD used in the last 24 hours): proposed as issuance 1`);
      expect(await usd.balanceOf(globex.address)).to.equal(6000n);
      await expect(desk.connect(issuer).mint(globex.address, 5000n, ethers.id("A-3")))
        .to.be.revertedWithCustomError(desk, "AllowanceExceeded").withArgs(issuer.address, 100006000n, 5000n, 100010000n);
      expect(failed(await run("token:set-allowance", { officer: globex.address, amount: "1.00", from: admin.address })))
        .to.equal(`error: ${globex.address} does not hold ISSUER_ROLE on IssuanceDesk:USD; nothing was sent`);
    });

    it("freezes, forces a transfer under a legal reference, unfreezes, pauses and unpauses", async function () {
      const { usd, acme, globex } = await load(funded);
      ok(await run("token:freeze", { wallet: acme.address }));
      expect(await usd.isFrozen(acme.address)).to.equal(true);
      expect(failed(await run("token:transfer", { to: globex.address, amount: "1.00", from: acme.address })))
        .to.include(`refused: WalletFrozen: ${acme.address} is frozen; nothing was sent`);
      ok(await run("token:force-transfer", { wallet: acme.address, to: globex.address, amount: "300.00", legalRef: "COURT-ORDER-117" }));
      expect(await usd.balanceOf(globex.address)).to.equal(30000n);
      ok(await run("token:unfreeze", { wallet: acme.address }));
      ok(await run("token:pause"));
      expect(await usd.paused()).to.equal(true);
      expect(failed(await run("token:transfer", { to: globex.address, amount: "1.00", from: acme.address })))
        .to.include("refused: TokenPaused: the token is paused: only forced transfers move until it is unpaused; nothing was sent");
      ok(await run("token:unpause"));
      expect(await usd.paused()).to.equal(false);
    });
  });

  describe("status", function () {
    it("shows supply, reserves, headroom, pending redemptions and holders", async function () {
      const { acme } = await load(funded);
      ok(await run("token:redeem", { amount: "100.00", from: acme.address }));
      const out = ok(await run("status"));
      expect(out).to.match(/network hardhat \(chain id 31337\), head block \d+/);
      expect(out).to.include("validators: n/a (not a QBFT network)");
      expect(out).to.match(/supply\s+1,000,000\.00 USD/);
      expect(out).to.match(/reserves\s+5,000,000\.00 USD \(5,000,000\.00 USD attested less 0\.00 USD paid out since the cut-off\)/);
      expect(out).to.match(/backing\s+500\.00%$/m);
      expect(out).to.match(/reserve report\s+as of \d{4}-\d\d-\d\dT[\d:]+Z \(submitted \d{4}-[\d-]+T[\d:]+Z\), age \d+m \d+s \(max 35d 0h 0m\)$/m);
      expect(out).to.match(/dual control above\s+1,000,000\.00 USD \(issuance\), 1,000,000\.00 USD \(redemption payouts\); 0 proposals waiting$/m);
      expect(out).to.match(/headroom\s+4,000,000\.00 USD/);
      expect(out).to.match(/pending redemptions\s+100\.00 USD/);
      expect(out).to.match(/holders\s+1$/m);
    });

    it("shows the backing ratio falling with a paid-out redemption, a shortfall and a stale attestation", async function () {
      const { acme, desk, issuer, reserve } = await load(funded);
      ok(await run("token:redeem", { amount: "100000.00", from: acme.address }));
      await desk.connect(issuer).completeRedemption(1n);
      let out = ok(await run("status"));
      expect(out).to.match(/reserves\s+4,900,000\.00 USD/);
      expect(out).to.match(/headroom\s+4,000,000\.00 USD/);
      // A cut-off after the payout's block: the report already reflects it.
      await desk.connect(reserve).attestReserves(ethers.parseUnits("450000", 2), ethers.id("report-short"), (await time.latest()) + 1);
      out = ok(await run("status"));
      expect(out).to.match(/backing\s+50\.00% UNDER-BACKED: issuance refused$/m);
      expect(out).to.match(/headroom\s+0\.00 USD/);
      await time.increase(36 * 86400);
      const json = JSON.parse(ok(await run("status", { json: true }))) as { currencies: { stale: boolean; underBacked: boolean; attestationAge: number }[] };
      expect(json.currencies[0]).to.include({ stale: true, underBacked: true });
      expect(json.currencies[0].attestationAge).to.be.greaterThan(36 * 86400 - 1);
      expect(ok(await run("status"))).to.match(/reserve report\s+as of .*, age 36d 0h \d+m \(max 35d 0h 0m\) STALE: issuance refused$/m);
      expect(failed(await run("token:issue", { to: acme.address, amount: "1.00", depositRef: "late" })))
        .to.match(/refused: AttestationStale: the last reserve report is as of \d{4}-\d\d-\d\dT[\d:]+Z, older than the maximum age of 35 days: a new report is needed; nothing was sent$/);
    });
  });

  describe("deployment checks", function () {
    it("says so in one line when the network has no deployment", async function () {
      await load(deployed);
      fs.rmSync(deploymentPath("hardhat"));
      expect(failed(await run("status"))).to.match(/^error: no deployment for network "hardhat": .*hardhat\.json does not exist/);
    });

    it("refuses a chain whose id differs from the recorded one", async function () {
      await load(deployed);
      const record = readDeployment("hardhat");
      fs.writeFileSync(deploymentPath("hardhat"), JSON.stringify({ ...record, chainId: 1337 }));
      expect(failed(await run("status")))
        .to.equal('error: network "hardhat" is chain id 31337 but its deployment was recorded on chain id 1337; nothing was sent');
    });
  });
});
