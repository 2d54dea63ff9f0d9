import { expect } from "chai";
import fs from "fs";
import os from "os";
import path from "path";
import hre from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { DEVELOPMENT_SECOND_ISSUER, platformParams } from "../../deploy/params";
import { deployPlatform, depositTokenKey, ESCROW_KEY, issuanceDeskKey, readDeployment, securityTokenKey } from "../../lib/deployment";
import { signTrade, TradeTerms } from "../../lib/dvp";
import { decodeRevert, revertData } from "../../lib/errors";
import { participantId, toReference } from "../../lib/format";
import { openLedger } from "../../lib/ledger/db";
import { findParticipant, participantPayments } from "../../lib/ledger/payments";
import { reconcileLedger } from "../../lib/ledger/reconcile";
import { syncLedger } from "../../lib/ledger/sync";
import { appendInformation, informationReference } from "../../lib/payment-info";
import { DEMO_SECURITY } from "../../lib/suite";
import type { DepositToken, DvPEscrow, IssuanceDesk, ParticipantRegistry, SecurityToken } from "../../typechain-types";

/**
 * The lifecycle on a running network over JSON-RPC (`npm run test:qbft` against the local QBFT network):
 * deploy with the deployment scripts, onboard, issue, pay with a reference, settle DvP in both flows,
 * redeem, and the compliance refusals. Every step waits for inclusion; nothing moves the chain's clock.
 */
describe(`lifecycle over JSON-RPC on network "${hre.network.name}"`, function () {
  const { ethers } = hre;
  this.timeout(600_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deployments-"));
  const saved = process.env.DEPLOYMENTS_DIR;
  let registry: ParticipantRegistry;
  let usd: DepositToken;
  let desk: IssuanceDesk;
  let shares: SecurityToken;
  let escrow: DvPEscrow;
  let signers: Awaited<ReturnType<typeof ethers.getSigners>>;

  const mined = async (tx: Promise<ContractTransactionResponse>) => {
    const receipt = await (await tx).wait();
    expect(receipt?.status).to.equal(1);
    return receipt!;
  };
  /** The custom error a call is refused with, read by simulating it against the node. */
  const refusal = async (call: Promise<unknown>): Promise<string> => {
    try {
      await call;
    } catch (e) {
      const data = revertData(e);
      const decoded = data ? decodeRevert(data, [registry.interface, usd.interface, desk.interface, shares.interface, escrow.interface]) : undefined;
      return decoded?.name ?? `undecoded: ${(e as Error).message.split("\n")[0]}`;
    }
    return "not refused";
  };

  before(async function () {
    process.env.DEPLOYMENTS_DIR = dir;
    signers = await ethers.getSigners();
  });
  after(function () {
    if (saved === undefined) delete process.env.DEPLOYMENTS_DIR;
    else process.env.DEPLOYMENTS_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("deploys the suite with the deployment scripts, and a second run reuses everything", async function () {
    const { admin, params } = await platformParams(hre);
    const record = await deployPlatform(hre, admin, params, { persist: true, log: () => undefined });
    const nonce = await ethers.provider.getTransactionCount(await admin.getAddress());
    await deployPlatform(hre, admin, params, { persist: true, log: () => undefined });
    expect(await ethers.provider.getTransactionCount(await admin.getAddress())).to.equal(nonce);
    const at = async <C>(name: string, key: string) => (await ethers.getContractAt(name, record.contracts[key].address)) as unknown as C;
    registry = await at<ParticipantRegistry>("ParticipantRegistry", "ParticipantRegistry");
    usd = await at<DepositToken>("DepositToken", depositTokenKey("USD"));
    desk = await at<IssuanceDesk>("IssuanceDesk", issuanceDeskKey("USD"));
    shares = await at<SecurityToken>("SecurityToken", securityTokenKey(DEMO_SECURITY.isin));
    escrow = await at<DvPEscrow>("DvPEscrow", ESCROW_KEY);
    expect(await escrow.isListed(await usd.getAddress())).to.equal(true);
    expect(await registry.isAllowed(await escrow.getAddress())).to.equal(true);
  });

  it("onboards, issues against deposits, pays with a reference and refuses an outsider", async function () {
    const [, compliance, issuer, reserve, , , acme, globex, , outsider] = signers;
    const expiry = (await ethers.provider.getBlock("latest"))!.timestamp + 365 * 86400;
    await mined(registry.connect(compliance).onboard(participantId("5493001KJTIIGC8Y1R12"), [acme.address], expiry));
    await mined(registry.connect(compliance).onboard(participantId("529900T8BM49AURSDO55"), [globex.address], expiry));
    const asOf = (await ethers.provider.getBlock("latest"))!.timestamp;
    await mined(desk.connect(reserve).attestReserves(5_000_000_00n, toReference("rpc-reserves"), asOf));
    await mined(desk.connect(issuer).mint(acme.address, 500_000_00n, toReference("rpc-deposit-1")));
    // Above the single-officer threshold: one officer proposes, the second approves, and only then it issues.
    const secondIssuer = signers[DEVELOPMENT_SECOND_ISSUER];
    const proposal = await desk.connect(issuer).proposeIssuance.staticCall(globex.address, 2_000_000_00n, toReference("rpc-deposit-2"));
    await mined(desk.connect(issuer).proposeIssuance(globex.address, 2_000_000_00n, toReference("rpc-deposit-2")));
    expect(await refusal(desk.connect(issuer).approve.staticCall(proposal))).to.equal("SelfApproval");
    expect(await usd.balanceOf(globex.address)).to.equal(0n);
    await mined(desk.connect(secondIssuer).approve(proposal));
    expect(await usd.balanceOf(globex.address)).to.equal(2_000_000_00n);
    await mined(usd.connect(globex).transfer(acme.address, 2_000_000_00n));
    const receipt = await mined(usd.connect(acme).transferWithReference(globex.address, 1_000_00n, toReference("INV-RPC-1")));
    const event = receipt.logs.map((l) => usd.interface.parseLog(l)).find((e) => e?.name === "ReferencedTransfer");
    expect(event?.args.ref).to.equal(toReference("INV-RPC-1"));
    expect(await usd.balanceOf(globex.address)).to.equal(1_000_00n);
    expect(await refusal(usd.connect(acme).transfer.staticCall(outsider.address, 1n))).to.equal("ParticipantNotAllowed");
    expect(await refusal(desk.connect(issuer).mint.staticCall(acme.address, 1n, toReference("rpc-deposit-1")))).to.equal("DepositRefAlreadyUsed");
  });

  it("settles DvP by locking both legs, and by two signatures in one transaction", async function () {
    const [, , issuer, , , , acme, globex, agent] = signers;
    await mined(shares.connect(issuer).issue(globex.address, 1000n));
    const escrowAddress = await escrow.getAddress();
    await mined(shares.connect(globex).approve(escrowAddress, ethers.MaxUint256));
    await mined(usd.connect(acme).approve(escrowAddress, ethers.MaxUint256));
    const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp + 3600);
    const terms = (units: bigint, cash: bigint, ref: string): TradeTerms => ({
      seller: globex.address, buyer: acme.address, asset: shares.target as string, assetAmount: units,
      cash: usd.target as string, cashAmount: cash, deadline, ref: toReference(ref),
    });
    const t1 = terms(100n, 18_000_00n, "RPC-TRADE-1");
    const id = await escrow.connect(globex).proposeTrade.staticCall(t1);
    await mined(escrow.connect(globex).proposeTrade(t1));
    await mined(escrow.connect(globex).fund(id, t1));
    expect(await escrow.lockedBalance(shares.target)).to.equal(100n);
    await mined(escrow.connect(acme).fund(id, t1));
    expect((await escrow.getTrade(id)).state).to.equal(4n);
    expect(await shares.balanceOf(acme.address)).to.equal(100n);

    const t2 = terms(50n, 9_000_00n, "RPC-TRADE-2");
    const { chainId } = await ethers.provider.getNetwork();
    const sigs = [await signTrade(globex, escrowAddress, chainId, t2), await signTrade(acme, escrowAddress, chainId, t2)];
    await mined(escrow.connect(agent).settleSigned(t2, sigs[0], sigs[1]));
    expect(await shares.balanceOf(acme.address)).to.equal(150n);
    expect(await usd.balanceOf(globex.address)).to.equal(1_000_00n + 27_000_00n);
    expect(await refusal(escrow.connect(agent).settleSigned.staticCall(t2, sigs[0], sigs[1]))).to.equal("SignedTradeAlreadySettled");
  });

  it("redeems in two phases and enforces freeze and pause", async function () {
    const [, compliance, issuer, , pauser, , acme, globex] = signers;
    const supply = await usd.totalSupply();
    await mined(usd.connect(globex).requestRedemption(1_000_00n));
    const id = await usd.redemptionCount();
    await mined(desk.connect(issuer).completeRedemption(id));
    expect(await usd.totalSupply()).to.equal(supply - 1_000_00n);
    await mined(usd.connect(compliance).freeze(globex.address));
    expect(await refusal(usd.connect(globex).transfer.staticCall(acme.address, 1n))).to.equal("WalletFrozen");
    await mined(usd.connect(compliance).unfreeze(globex.address));
    await mined(usd.connect(pauser).pause());
    expect(await refusal(usd.connect(acme).transfer.staticCall(globex.address, 1n))).to.equal("TokenPaused");
    await mined(usd.connect(pauser).unpause());
    await mined(usd.connect(acme).transfer(globex.address, 1n));
  });

  it("keeps the back office's ledger with the chain over JSON-RPC: a payment's ISO 20022 text read back, a second sync adds nothing, reconcile finds no difference", async function () {
    const [, , , , , , acme, globex] = signers;
    const info = { uetr: "3f1c2a9e-7b4d-4e21-9a6f-0c8d5e2b1a47", endToEndId: "INV-RPC-2", remittance: "Invoice RPC-2, net 30" };
    const call = await usd.connect(acme).transferWithReference.populateTransaction(globex.address, 250_00n, informationReference(info));
    const sent = await acme.sendTransaction({ ...call, data: appendInformation(call.data, [info]) });
    expect((await sent.wait())?.status).to.equal(1);
    const ledgerDir = fs.mkdtempSync(path.join(os.tmpdir(), "ledger-"));
    const db = await openLedger({ dir: ledgerDir });
    try {
      const record = readDeployment(hre.network.name);
      const first = await syncLedger(db, ethers.provider, record, { blockRange: 50 });
      expect(first.events).to.be.greaterThan(0);
      expect((await syncLedger(db, ethers.provider, record)).rows).to.equal(0);
      const globexPayments = await participantPayments(db, await findParticipant(db, "529900T8BM49AURSDO55"), 0, 253_402_300_799);
      const [payment] = globexPayments.filter((p) => p.uetr === info.uetr);
      expect(payment).to.include({ endToEndId: info.endToEndId, remittance: info.remittance, amount: 250_00n });
      const reconciled = await reconcileLedger(db, ethers.provider);
      expect(reconciled.differences).to.deep.equal([]);
      expect(reconciled.compared.balance).to.be.greaterThan(0);
    } finally {
      await db.close();
      fs.rmSync(ledgerDir, { recursive: true, force: true });
    }
  });
});
