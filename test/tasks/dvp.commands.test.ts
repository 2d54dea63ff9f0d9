import { expect } from "chai";
import fs from "fs";
import path from "path";
import { ethers } from "hardhat";
import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { spawnSync } from "child_process";
import { HDNodeWallet, Mnemonic } from "ethers";
import { deploymentPath, ESCROW_KEY, writeDeployment } from "../../lib/deployment";
import { lockedTrade, SignedTradeFile, termsHash, termsToJson } from "../../lib/dvp";
import { DEMO_SECURITY } from "../../lib/suite";
import { spawnAll } from "../helpers/commands";
import { useTemporaryDir } from "../helpers/temporary";
import { failed, funded, load, ok, run, useTemporaryDeployments } from "./helpers";

const DEADLINE = "2030-06-30";
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** Acme (buyer) holds cash, Globex (seller) holds 5,000 units of the demo security. */
async function trading() {
  const f = await funded();
  await f.shares.connect(f.issuer).issue(f.globex.address, 5000n);
  return f;
}

describe("DvP and security commands (Hardhat tasks)", function () {
  useTemporaryDeployments();
  const signedDir = useTemporaryDir("signed");

  const termsArgs = (f: Awaited<ReturnType<typeof trading>>, extra: Record<string, unknown> = {}) => ({
    seller: f.globex.address, buyer: f.acme.address, units: "1000", cashAmount: "180000.00", deadline: DEADLINE,
    ref: "TRADE-0001", ...extra,
  });

  async function proposed() {
    const f = await trading();
    const r = JSON.parse(ok(await run("dvp:propose", { ...termsArgs(f), json: true }))) as { tradeId: string };
    return { ...f, tradeId: r.tradeId };
  }

  it("issues a security through the issuer agent and shows holdings", async function () {
    const { shares, globex } = await load(funded);
    const out = ok(await run("security:issue", { wallet: globex.address, units: "2500" }));
    expect(out).to.match(/^issue 2,500 TN-0378 to 0x[0-9a-fA-F]{40}: tx 0x[0-9a-f]{64} in block \d+, gas \d+$/m);
    expect(await shares.balanceOf(globex.address)).to.equal(2500n);
    expect(ok(await run("security:balance", { wallet: globex.address }))).to.equal(`${globex.address}: 2,500 TN-0378`);
    ok(await run("security:redeem", { wallet: globex.address, units: "500" }));
    expect(await shares.balanceOf(globex.address)).to.equal(2000n);
    expect(failed(await run("security:issue", { wallet: globex.address, units: "1", isin: "XS0000000009" })))
      .to.equal(`error: no security token with ISIN "XS0000000009" on hardhat (deployed: ${DEMO_SECURITY.isin})`);
    expect(failed(await run("security:issue", { wallet: globex.address, units: "1", from: globex.address })))
      .to.equal(`error: ${globex.address} does not hold ISSUER_ROLE on TN-0378; nothing was sent`);
  });

  it("proposes a trade signed by a party and shows it in words", async function () {
    const { escrow, acme, globex, tradeId } = await load(proposed);
    const { state, terms } = await lockedTrade(escrow, tradeId);
    expect(state).to.equal(1n);
    expect((await escrow.getTrade(tradeId)).termsHash).to.equal(termsHash(terms!));
    expect([terms!.seller, terms!.buyer, terms!.assetAmount, terms!.cashAmount, terms!.ref])
      .to.deep.equal([globex.address, acme.address, 1000n, 18_000_000n, ethers.encodeBytes32String("TRADE-0001")]);
    expect(terms!.deadline).to.equal(BigInt(Date.parse("2030-06-30T23:59:59Z") / 1000));
    const out = ok(await run("dvp:show", { trade: tradeId }));
    expect(out).to.include(`trade TRADE-0001 (id ${tradeId}): Proposed`);
    expect(out).to.include("asset    1,000 TN-0378");
    expect(out).to.include("cash     180,000.00 USD");
    expect(out).to.include("deadline 2030-06-30T23:59:59Z");
  });

  it("refuses a trade reference with a hidden character at input, and shows one proposed on chain by another tool as its bytes32 hex", async function () {
    const f = await load(trading);
    // "TRADE-00<RLO>01" would print as "TRADE-0010", another trade's reference.
    const spoof = "TRADE-00\u202E01";
    expect(failed(await run("dvp:propose", termsArgs(f, { ref: spoof, from: f.globex.address }))))
      .to.equal("error: --ref has an invisible format character at character 9 (U+202E): a reference with one can look like another; type it again without it");
    expect(failed(await run("dvp:show", { trade: "TRADE\u200B-0001" })))
      .to.equal("error: --trade has an invisible format character at character 6 (U+200B): a reference with one can look like another; type it again without it");
    const ref = ethers.hexlify(ethers.zeroPadBytes(ethers.toUtf8Bytes(spoof), 32));
    const terms = {
      seller: f.globex.address, buyer: f.acme.address, asset: await f.shares.getAddress(), assetAmount: 10n,
      cash: await f.usd.getAddress(), cashAmount: 100n, deadline: BigInt(Date.parse("2030-06-30T23:59:59Z") / 1000), ref,
    };
    await f.escrow.connect(f.globex).proposeTrade(terms);
    const listed = JSON.parse(ok(await run("dvp:list", { json: true }))) as { trades: { ref: string; tradeId: string }[] };
    expect(listed.trades.map((t) => t.ref)).to.deep.equal([ref]);
    expect(ok(await run("dvp:list"))).to.include(ref).and.not.include("\u202E");
    const shown = ok(await run("dvp:show", { trade: listed.trades[0].tradeId }));
    expect(shown.split("\n")[0]).to.equal(`trade ${ref} (id ${listed.trades[0].tradeId}): Proposed`);
    expect(shown).to.not.include("\u202E");
  });

  it("funds both legs: the first locks, the second settles, with --approve covering the allowance", async function () {
    const { escrow, usd, shares, acme, globex, tradeId } = await load(proposed);
    expect(failed(await run("dvp:fund", { trade: tradeId, from: globex.address })))
      .to.equal(`error: ${globex.address} allows the escrow 0 TN-0378, needs 1,000 TN-0378; add --approve, or run token:approve / security:approve; nothing was sent`);
    const first = ok(await run("dvp:fund", { trade: tradeId, from: globex.address, approve: true }));
    expect(first).to.match(/^approve the escrow for 1,000 TN-0378: tx/m);
    expect(first).to.include("trade TRADE-0001 is SellerFunded: waiting for the other leg");
    expect(await shares.balanceOf(await escrow.getAddress())).to.equal(1000n);
    expect(ok(await run("dvp:list"))).to.include("SellerFunded");
    expect(ok(await run("status"))).to.match(/TN-0378\s+1,000 TN-0378/);
    const second = ok(await run("dvp:fund", { trade: tradeId, from: acme.address, approve: true }));
    expect(second).to.include("trade TRADE-0001 settled: both legs delivered");
    expect(await shares.balanceOf(acme.address)).to.equal(1000n);
    expect(await usd.balanceOf(globex.address)).to.equal(18_000_000n);
    expect(ok(await run("dvp:list"))).to.equal("no open trades");
    expect(ok(await run("dvp:list", { all: true }))).to.include("Settled");
    expect(failed(await run("dvp:fund", { trade: tradeId, from: acme.address })))
      .to.equal(`error: trade TRADE-0001 (${tradeId}) is Settled; nothing was sent`);
  });

  it("refuses a non-party, a short balance, an unknown or malformed trade id, and sends nothing", async function () {
    const { acme, outsider, usd, tradeId } = await load(proposed);
    const nonce = await ethers.provider.getTransactionCount(acme.address);
    expect(failed(await run("dvp:fund", { trade: tradeId, from: outsider.address })))
      .to.match(new RegExp(`^error: ${outsider.address} is neither the seller 0x[0-9a-fA-F]{40} nor the buyer ${acme.address}; only a party may fund it`));
    await usd.connect(acme).transfer((await ethers.getSigners())[7].address, 1_000_000n * 100n - 100n);
    expect(failed(await run("dvp:fund", { trade: tradeId, from: acme.address, approve: true })))
      .to.equal(`error: ${acme.address} holds 1.00 USD, needs 180,000.00 USD; nothing was sent`);
    expect(failed(await run("dvp:show", { trade: ethers.id("nothing") })))
      .to.equal(`error: no trade has id ${ethers.id("nothing")} on hardhat`);
    expect(failed(await run("dvp:cancel", { trade: "0x1234" })))
      .to.equal('error: --trade "0x1234" is neither a trade id (0x and 64 hex digits) nor a trade reference');
    expect(await ethers.provider.getTransactionCount(acme.address)).to.equal(nonce + 1);
  });

  it("refuses a trade whose TradeProposed event is not found from the escrow's recorded block on, naming the block and the hash the escrow holds, and sends nothing", async function () {
    const { record, escrow, acme, tradeId } = await load(proposed);
    await mine();
    const from = await ethers.provider.getBlockNumber();
    writeDeployment({ ...record, contracts: { ...record.contracts, [ESCROW_KEY]: { ...record.contracts[ESCROW_KEY], block: from } } });
    const nonce = await ethers.provider.getTransactionCount(acme.address);
    const why = `trade ${tradeId}: no TradeProposed event from block ${from} on carries the terms the escrow holds (hash ${(await escrow.getTrade(tradeId)).termsHash})`;
    expect(failed(await run("dvp:fund", { trade: tradeId, from: acme.address, approve: true }))).to.equal(`error: ${why}`);
    expect(failed(await run("dvp:cancel", { trade: tradeId, from: acme.address }))).to.equal(`error: ${why}`);
    expect(failed(await run("dvp:show", { trade: tradeId }))).to.equal(`error: ${why}`);
    expect(await ethers.provider.getTransactionCount(acme.address)).to.equal(nonce);
    expect((await escrow.getTrade(tradeId)).state).to.equal(1n);
  });

  it("reports the escrow's refusal in words: a party not allowed, a past deadline", async function () {
    const f = await load(trading);
    expect(failed(await run("dvp:propose", termsArgs(f, { buyer: f.outsider.address, from: f.globex.address }))))
      .to.equal(`error: propose trade TRADE-0001 refused: PartyNotAllowed: ${f.outsider.address} (not linked to any participant); nothing was sent`);
    expect(failed(await run("dvp:propose", termsArgs(f, { deadline: "2020-01-01" }))))
      .to.match(/^error: propose trade TRADE-0001 refused: DeadlinePassed: the deadline 2020-01-01T23:59:59Z has passed \(chain time .*\); nothing was sent$/);
    expect(failed(await run("dvp:propose", termsArgs(f, { units: "0" })))).to.equal('error: --units "0" is zero');
    expect(failed(await run("dvp:propose", { ...termsArgs(f), cashAmount: undefined }))).to.equal("error: --cash-amount is missing");
  });

  it("cancels with refunds listed, and expires only after the deadline", async function () {
    const { escrow, shares, globex, acme, outsider, tradeId } = await load(proposed);
    ok(await run("dvp:fund", { trade: tradeId, from: globex.address, approve: true }));
    const out = ok(await run("dvp:cancel", { trade: tradeId, from: acme.address }));
    expect(out).to.include("trade TRADE-0001 cancelled");
    expect(out).to.include(`returned 1,000 TN-0378 to ${globex.address}`);
    expect(await shares.balanceOf(globex.address)).to.equal(5000n);

    const deadline = (await time.latest()) + 3600;
    const again = JSON.parse(ok(await run("dvp:propose", { ...termsArgs({ globex, acme } as never, { ref: "TRADE-0002", deadline: String(deadline) }), json: true }))) as { tradeId: string };
    expect(failed(await run("dvp:expire", { trade: again.tradeId, from: outsider.address })))
      .to.match(new RegExp(`^error: expire trade TRADE-0002 refused: DeadlineNotPassed: the deadline ${new Date(deadline * 1000).toISOString().slice(0, 19)}Z has not passed`));
    await time.increaseTo(deadline + 1);
    expect(ok(await run("dvp:expire", { trade: again.tradeId, from: outsider.address }))).to.include("trade TRADE-0002 expired");
    expect((await escrow.getTrade(again.tradeId)).state).to.equal(6n);
  });

  it("settles from two signed files in one transaction, submitted by a third account", async function () {
    const { usd, shares, escrow, acme, globex, admin } = await load(trading);
    await shares.connect(globex).approve(await escrow.getAddress(), 1000n);
    await usd.connect(acme).approve(await escrow.getAddress(), 18_000_000n);
    const sellerFile = path.join(signedDir(), "seller.json");
    const buyerFile = path.join(signedDir(), "buyer.json");
    const signedSeller = ok(await run("dvp:sign", { ...termsArgs({ globex, acme } as never), out: sellerFile }));
    expect(signedSeller).to.match(new RegExp(`^signed as seller ${globex.address}: .*seller.json \\(trade hash 0x[0-9a-f]{64}\\)$`, "m"));
    expect(signedSeller).to.match(/^signing as seller: 1,000 TN-0378 from 0x[0-9a-fA-F]{40} to 0x[0-9a-fA-F]{40} for 180,000.00 USD, deadline 2030-06-30T23:59:59Z, ref TRADE-0001$/m);
    ok(await run("dvp:sign", { terms: sellerFile, out: buyerFile, from: acme.address }));
    const written = JSON.parse(fs.readFileSync(buyerFile, "utf8")) as SignedTradeFile;
    expect(written.signer).to.equal(acme.address);
    expect(written.terms).to.deep.equal((JSON.parse(fs.readFileSync(sellerFile, "utf8")) as SignedTradeFile).terms);

    expect(failed(await run("dvp:settle-signed", { sellerFile: buyerFile, buyerFile })))
      .to.equal(`error: ${buyerFile} is signed by ${acme.address}, not by ${globex.address}; nothing was sent`); // the other party's file, not an edited one
    const out = ok(await run("dvp:settle-signed", { sellerFile, buyerFile, from: admin.address }));
    expect(out).to.include(`settled TRADE-0001: 1,000 TN-0378 to ${acme.address}, 180,000.00 USD to ${globex.address}`);
    expect(await shares.balanceOf(acme.address)).to.equal(1000n);
    expect(failed(await run("dvp:settle-signed", { sellerFile, buyerFile })))
      .to.match(/^error: settle signed trade TRADE-0001 refused: SignedTradeAlreadySettled: these signed terms \(trade hash 0x[0-9a-f]{64}\) have already settled; nothing was sent$/);
  });

  it("settles terms a client signed offline with an ethers Wallet (scripts/sign-trade.ts)", async function () {
    const { usd, shares, escrow, acme, globex } = await load(trading);
    await shares.connect(globex).approve(await escrow.getAddress(), 1000n);
    await usd.connect(acme).approve(await escrow.getAddress(), 18_000_000n);
    const terms = {
      seller: globex.address, buyer: acme.address, asset: await shares.getAddress(), assetAmount: 1000n,
      cash: await usd.getAddress(), cashAmount: 18_000_000n, deadline: BigInt(Date.parse("2030-06-30T00:00:00Z") / 1000), ref: ethers.id("OFFLINE-1"),
    };
    const termsFile = path.join(signedDir(), "terms.json");
    fs.writeFileSync(termsFile, JSON.stringify(termsToJson(terms)));
    const sellerFile = path.join(signedDir(), "offline-seller.json");
    const key = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase("test test test test test test test test test test test junk"), "m/44'/60'/0'/0/7");
    expect(key.address).to.equal(globex.address);
    const script = (env: Record<string, string>) => ({ command: "npx", args: ["ts-node", "scripts/sign-trade.ts", termsFile, deploymentPath("hardhat"), sellerFile], env: { ...process.env, ...env } });
    // A wrong key and the right one, side by side: the refusal writes nothing.
    const [refused, signed] = await spawnAll([script({ SIGNER_PRIVATE_KEY: "not-a-key" }), script({ SIGNER_PRIVATE_KEY: key.privateKey })]);
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.include("sign-trade: SIGNER_PRIVATE_KEY is not a 32-byte hex private key");
    expect(signed.status, signed.stderr).to.equal(0);
    expect(signed.stdout).to.include(`signed as seller ${globex.address}`);
    const shown = signed.stdout.indexOf("pays      180,000.00 USD");
    expect(shown, signed.stdout).to.be.greaterThan(-1);
    expect(shown).to.be.lessThan(signed.stdout.indexOf("signed as seller"));
    expect(signed.stdout).to.include(`delivers  1,000 ${DEMO_SECURITY.isin}`);
    const buyerFile = path.join(signedDir(), "offline-buyer.json");
    ok(await run("dvp:sign", { terms: sellerFile, out: buyerFile, from: acme.address }));
    ok(await run("dvp:settle-signed", { sellerFile, buyerFile }));
    expect(await shares.balanceOf(acme.address)).to.equal(1000n);
  });

  it("takes a terms file's reference as text and its deadline as a date (scripts/sign-trade.ts), and refuses an amount in currency units with the number to write", async function () {
    const { usd, shares, globex } = await load(trading);
    const key = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase("test test test test test test test test test test test junk"), "m/44'/60'/0'/0/7");
    const terms = { ...termsToJson({
      seller: globex.address, buyer: (await ethers.getSigners())[6].address, asset: await shares.getAddress(), assetAmount: 10n,
      cash: await usd.getAddress(), cashAmount: 1_800n, deadline: 0n, ref: "",
    }), deadline: "2030-06-30", ref: "TEXT-REF-1" };
    const termsFile = path.join(signedDir(), "text-terms.json");
    const out = path.join(signedDir(), "text-seller.json");
    const script = () => spawnSync("npx", ["ts-node", "scripts/sign-trade.ts", termsFile, deploymentPath("hardhat"), out], { encoding: "utf8", env: { ...process.env, SIGNER_PRIVATE_KEY: key.privateKey } });
    fs.writeFileSync(termsFile, JSON.stringify({ ...terms, cashAmount: "180000.00" }));
    const refused = script();
    expect(refused.status).to.equal(1);
    expect(refused.stderr.trim()).to.equal(`sign-trade: terms file ${termsFile}: field "cashAmount" "180000.00" is not a whole number of the token's smallest units, as signed: with 2 decimals, 180000.00 is "18000000"`);
    fs.writeFileSync(termsFile, JSON.stringify(terms));
    const signed = script();
    expect(signed.status, signed.stderr).to.equal(0);
    expect(signed.stdout).to.include("  ref       TEXT-REF-1");
    expect(signed.stdout).to.include("  deadline  2030-06-30T23:59:59Z");
    const written = JSON.parse(fs.readFileSync(out, "utf8")) as SignedTradeFile;
    expect([written.terms.ref, written.terms.deadline]).to.deep.equal([ethers.encodeBytes32String("TEXT-REF-1"), String(Date.parse("2030-06-30T23:59:59Z") / 1000)]);
  });

  it("refuses files for other terms, another escrow, or that are not JSON", async function () {
    const { acme, globex } = await load(trading);
    const a = path.join(signedDir(), "a.json");
    const b = path.join(signedDir(), "b.json");
    ok(await run("dvp:sign", { ...termsArgs({ globex, acme } as never), out: a }));
    ok(await run("dvp:sign", { ...termsArgs({ globex, acme } as never, { cashAmount: "1.00" }), out: b, from: acme.address }));
    expect(failed(await run("dvp:settle-signed", { sellerFile: a, buyerFile: b })))
      .to.equal(`error: ${a} and ${b} sign different terms; nothing was sent`);
    const moved = { ...(JSON.parse(fs.readFileSync(a, "utf8")) as SignedTradeFile), escrow: ethers.ZeroAddress };
    fs.writeFileSync(b, JSON.stringify(moved));
    expect(failed(await run("dvp:settle-signed", { sellerFile: a, buyerFile: b })))
      .to.match(new RegExp(`^error: ${b} was signed for escrow ${ethers.ZeroAddress} on chain 31337, not 0x[0-9a-fA-F]{40} on chain 31337`));
    fs.writeFileSync(b, "not json");
    expect(failed(await run("dvp:settle-signed", { sellerFile: a, buyerFile: b }))).to.equal(`error: --buyer-file ${b} is not valid JSON (it breaks at an unexpected "o"); it should be a signed-trade file`);
    expect(failed(await run("dvp:sign", { ...termsArgs({ globex, acme } as never), out: a, from: "8" })))
      .to.match(/is neither the seller .* only a party may sign it/);
  });
  it("says a signed file whose terms were edited does not match its signature, and names a signed payment for what it is", async function () {
    const { usd, acme, globex } = await load(trading);
    const seller = path.join(signedDir(), "e-seller.json");
    const buyer = path.join(signedDir(), "e-buyer.json");
    ok(await run("dvp:sign", { ...termsArgs({ globex, acme } as never, { ref: "EDITED-1" }), out: seller }));
    ok(await run("dvp:sign", { terms: seller, out: buyer, from: acme.address }));
    for (const f of [seller, buyer]) {
      const json = JSON.parse(fs.readFileSync(f, "utf8")) as SignedTradeFile;
      fs.writeFileSync(f, JSON.stringify({ ...json, terms: { ...json.terms, cashAmount: "1" } }));
    }
    const mismatch = (f: string) => new RegExp(`^error: ${escape(f)}: the signature does not match the file's content \\(it recovers to 0x[0-9a-fA-F]{40}, not its signer ${globex.address}\\): the terms were changed after signing, or it was signed for another escrow or chain; nothing was sent$`);
    expect(failed(await run("dvp:settle-signed", { sellerFile: seller, buyerFile: buyer }))).to.match(mismatch(seller));
    expect(failed(await run("dvp:settle-batch", { files: `${seller},${buyer}` }))).to.match(mismatch(seller));
    const payment = path.join(signedDir(), "e-payment.json");
    ok(await run("payment:sign", { from: acme.address, to: globex.address, amount: "1.00", ref: "X", out: payment }));
    expect(failed(await run("dvp:settle-signed", { sellerFile: payment, buyerFile: buyer })))
      .to.equal(`error: --seller-file ${payment} is a signed payment file, not a signed DvP trade file (payment:settle and payment:settle-batch take it)`);
    expect(failed(await run("dvp:settle-batch", { files: payment })))
      .to.equal(`error: --files ${payment} is a signed payment file, not a signed DvP trade file (payment:settle and payment:settle-batch take it)`);
    expect(await usd.balanceOf(globex.address)).to.equal(0n);
  });

  it("refuses to overwrite a signed file unless --force: the same signature of the same terms is kept, other terms are refused naming the file", async function () {
    const { acme, globex } = await load(trading);
    const f = path.join(signedDir(), "o-seller.json");
    ok(await run("dvp:sign", { ...termsArgs({ globex, acme } as never, { ref: "OVER-1" }), out: f }));
    const first = fs.readFileSync(f, "utf8");
    expect(ok(await run("dvp:sign", { ...termsArgs({ globex, acme } as never, { ref: "OVER-1" }), out: f })))
      .to.match(new RegExp(`^${escape(f)} already exists and is identical \\(the seller's signature of these terms, trade hash 0x[0-9a-f]{64}\\); nothing was written$`, "m"));
    expect(failed(await run("dvp:sign", { ...termsArgs({ globex, acme } as never, { ref: "OVER-1", cashAmount: "1.00" }), out: f })))
      .to.equal(`error: ${f} already exists with other terms; nothing was written (choose another --out, or --force to replace it)`);
    expect(failed(await run("dvp:sign", { terms: f, out: f, from: acme.address })))
      .to.equal(`error: ${f} already exists with other terms; nothing was written (choose another --out, or --force to replace it)`);
    expect(fs.readFileSync(f, "utf8")).to.equal(first);
    ok(await run("dvp:sign", { ...termsArgs({ globex, acme } as never, { ref: "OVER-1", cashAmount: "1.00" }), out: f, force: true }));
    expect((JSON.parse(fs.readFileSync(f, "utf8")) as SignedTradeFile).terms.cashAmount).to.equal("100");
  });

  it("withdraws a party's signature: the terms can no longer settle, whoever holds both files", async function () {
    const { usd, shares, escrow, acme, globex } = await load(trading);
    await shares.connect(globex).approve(await escrow.getAddress(), 1000n);
    await usd.connect(acme).approve(await escrow.getAddress(), 18_000_000n);
    const sellerFile = path.join(signedDir(), "w-seller.json");
    const buyerFile = path.join(signedDir(), "w-buyer.json");
    ok(await run("dvp:sign", { ...termsArgs({ globex, acme } as never), out: sellerFile }));
    ok(await run("dvp:sign", { terms: sellerFile, out: buyerFile, from: acme.address }));
    expect(ok(await run("dvp:withdraw-signature", { file: buyerFile, from: acme.address })))
      .to.match(/signature withdrawn by the buyer: terms 0x[0-9a-f]{64} can no longer settle$/);
    expect(failed(await run("dvp:settle-signed", { sellerFile, buyerFile })))
      .to.match(/refused: TermsWithdrawn: a party withdrew its signature on these terms \(trade hash 0x[0-9a-f]{64}\); nothing was sent$/);
    expect(await shares.balanceOf(acme.address)).to.equal(0n);
  });

  it("settles signed files as one netted batch: each party moves only its net, printed first in units", async function () {
    const { usd, shares, escrow, acme, globex } = await load(trading);
    const escrowAddress = await escrow.getAddress();
    const file = (name: string) => path.join(signedDir(), name);
    const sign = async (ref: string, seller: string, buyer: string, units: string, cashAmount: string) => {
      ok(await run("dvp:sign", { ...termsArgs({ globex, acme } as never, { seller, buyer, units, cashAmount, ref }), out: file(`${ref}.s.json`), from: seller }));
      ok(await run("dvp:sign", { terms: file(`${ref}.s.json`), out: file(`${ref}.b.json`), from: buyer }));
      return [file(`${ref}.s.json`), file(`${ref}.b.json`)];
    };
    // Globex sells 1,000 units to Acme, Acme sells 400 of them back: nets 600 units and 107,600.00 USD
    const first = await sign("TRADE-0001", globex.address, acme.address, "1000", "180000.00");
    const second = await sign("TRADE-0002", acme.address, globex.address, "400", "72400.00");
    const third = await sign("TRADE-0003", globex.address, acme.address, "1", "180.00");
    const files = [...first, ...second].join(",");

    expect(failed(await run("dvp:settle-batch", { files: [...first, second[0]].join(",") })))
      .to.match(new RegExp(`^error: trade TRADE-0002 \\(trade hash 0x[0-9a-f]{64}\\) has no buyer's file \\(${globex.address}\\) among --files; nothing was sent$`));
    const foreign = file("foreign.json");
    fs.writeFileSync(foreign, JSON.stringify({ ...(JSON.parse(fs.readFileSync(second[1], "utf8")) as SignedTradeFile), chainId: "1" }));
    expect(failed(await run("dvp:settle-batch", { files: [...first, second[0], foreign].join(",") })))
      .to.equal(`error: ${foreign} was signed for escrow ${escrowAddress} on chain 1, not ${escrowAddress} on chain 31337; nothing was sent`);
    expect(failed(await run("dvp:settle-batch", { files: [...first, first[0]].join(",") })))
      .to.equal(`error: ${first[0]} and ${first[0]} are both the seller's file of trade TRADE-0001; nothing was sent`);
    expect(failed(await run("dvp:settle-batch", { files })))
      .to.equal(`error: ${globex.address} allows the escrow 0 TN-0378, needs 600 TN-0378: it must run security:approve --from ${globex.address} --spender escrow --units 600 (or the :permit command); nothing was sent`);
    // allowances for the nets only: 600 units and 107,600.00 USD (the gross is 1,400 units and 252,580.00 USD)
    await shares.connect(globex).approve(escrowAddress, 601n);
    await usd.connect(acme).approve(escrowAddress, 10_778_000n);
    ok(await run("dvp:withdraw-signature", { file: third[1], from: acme.address }));
    expect(failed(await run("dvp:settle-batch", { files: [...first, ...third, ...second].join(",") })))
      .to.match(/^error: settle a batch of 3 signed trades refused: trade 1 \(ref TRADE-0003\): TermsWithdrawn: a party withdrew its signature on these terms \(trade hash 0x[0-9a-f]{64}\); nothing was sent$/);

    const before = await usd.balanceOf(globex.address);
    const out = ok(await run("dvp:settle-batch", { files }));
    const lines = out.split("\n");
    expect(lines.slice(0, 3)).to.deep.equal(["2 trades:", `  trade 0 (ref TRADE-0001): ${first[0]}, ${first[1]}`, `  trade 1 (ref TRADE-0002): ${second[0]}, ${second[1]}`]);
    expect(out).to.match(new RegExp(`^TN-0378\\s+${globex.address}\\s+-600 TN-0378$`, "m"));
    expect(out).to.match(new RegExp(`^TN-0378\\s+${acme.address}\\s+\\+600 TN-0378$`, "m"));
    expect(out).to.match(new RegExp(`^USD\\s+${acme.address}\\s+-107,600.00 USD$`, "m"));
    expect(out).to.match(/^settle a batch of 2 signed trades: tx 0x[0-9a-f]{64} in block \d+, gas \d+$/m);
    expect(out.indexOf("net position")).to.be.lessThan(out.indexOf("settle a batch of 2"));
    expect(out).to.match(/^settled 2 trades in one transaction: gas \d+ \(\d+ per trade\)$/m);
    expect(out).to.include("  TN-0378: gross 1,400 TN-0378, net 600 TN-0378 moved");
    expect(out).to.include("  USD: gross 252,400.00 USD, net 107,600.00 USD moved");
    expect(await shares.balanceOf(acme.address)).to.equal(600n);
    expect(await usd.balanceOf(globex.address) - before).to.equal(10_760_000n);
    expect(await shares.allowance(globex.address, escrowAddress)).to.equal(1n);
    expect((ok(await run("dvp:list", { all: true })).match(/TRADE-000[12]\s+Settled\s+signed/g) ?? []).length).to.equal(2);
    expect(failed(await run("dvp:settle-signed", { sellerFile: first[0], buyerFile: first[1] })))
      .to.match(/refused: SignedTradeAlreadySettled: these signed terms \(trade hash 0x[0-9a-f]{64}\) have already settled; nothing was sent$/);
    await shares.connect(globex).approve(escrowAddress, 600n);
    await usd.connect(acme).approve(escrowAddress, 10_760_000n);
    expect(failed(await run("dvp:settle-batch", { files })))
      .to.match(/^error: settle a batch of 2 signed trades refused: trade 0 \(ref TRADE-0001\): SignedTradeAlreadySettled: /);
  });

  it("closes a trade by court order and keeps a frozen owner's leg until anyone pushes it to the owner", async function () {
    const { escrow, shares, globex, acme, compliance, tradeId } = await load(proposed);
    ok(await run("dvp:fund", { trade: tradeId, from: globex.address, approve: true }));
    expect(failed(await run("dvp:close-by-order", { trade: tradeId, legalRef: "COURT-1", from: acme.address })))
      .to.equal(`error: ${acme.address} does not hold COMPLIANCE_ROLE on DvPEscrow; nothing was sent`);
    await shares.connect(compliance).freeze(globex.address);
    const out = ok(await run("dvp:close-by-order", { trade: tradeId, legalRef: "COURT-1" }));
    expect(out).to.include('trade TRADE-0001 closed by order "COURT-1"');
    expect(out).to.include(`1,000 TN-0378 waits in the escrow for ${globex.address}, who cannot receive now`);
    expect((await escrow.getTrade(tradeId)).state).to.equal(7n);
    expect(await escrow.pendingRefund(globex.address, await shares.getAddress())).to.equal(1000n);
    expect(failed(await run("dvp:claim-refund", { party: globex.address, token: await shares.getAddress(), from: acme.address })))
      .to.include(`refused: WalletFrozen: ${globex.address} is frozen; nothing was sent`);
    await shares.connect(compliance).unfreeze(globex.address);
    expect(ok(await run("dvp:claim-refund", { party: globex.address, token: await shares.getAddress(), from: acme.address })))
      .to.include(`refund of 1,000 TN-0378 paid to ${globex.address}`);
    expect(await shares.balanceOf(globex.address)).to.equal(5000n);
    expect(failed(await run("dvp:claim-refund", { party: globex.address, token: await shares.getAddress() })))
      .to.equal(`error: no refund waits for ${globex.address} in TN-0378; nothing was sent`);
  });
});
