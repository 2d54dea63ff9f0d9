import { expect } from "chai";
import fs from "fs";
import type { Server } from "http";
import os from "os";
import path from "path";
import hre, { ethers } from "hardhat";
import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";
import { HDNodeWallet, JsonRpcProvider, Wallet } from "ethers";
import { deployPlatform, depositTokenKey, ESCROW_KEY, FX_QUOTES_KEY, openRecorded, securityTokenKey } from "../../lib/deployment";
import { quoteHash, SignedQuoteFile } from "../../lib/fx";
import { RATE_PRECISION, signedFileText, signedTradeFile, signTrade, termsFromText } from "../../lib/dvp";
import { isoDate, toReference } from "../../lib/format";
import { appendInformation, checkInformation, informationReference, PaymentInformation, readInformation } from "../../lib/payment-info";
import { SignedPaymentFile, signedPaymentFile, signedPaymentFileText, signPayment, tokenDomain } from "../../lib/payments";
import { DEV_MNEMONIC } from "../../network/genesis";
import { platformParams } from "../../deploy/params";
import { freePort } from "../../lib/ports";
import { ok, run } from "../../test/tasks/helpers";
import type { DepositToken, DvPEscrow, FxQuotes, SecurityToken } from "../../typechain-types";
import { buildClient, clientConfig } from "../build";
import { serveStatic } from "../serve";

const SCREENSHOTS = path.join(__dirname, "..", "screenshots");
const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];
const ACME_LEI = "5493001KJTIIGC8Y1R12";
const devWallet = (index: number) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);

/** What the page asked of its wallet, for the checks that nothing was sent and that the chain was added. */
interface WalletLog {
  method: string;
  params: unknown;
}

/**
 * An EIP-1193 provider for the page, backed by an ethers Wallet on the node's JSON-RPC: it answers
 * accounts and chain id, signs transactions and EIP-712 data with the Wallet's key and sends them raw,
 * and passes every other call to the node verbatim (errors included, revert data and all). Signing is
 * real; only a wallet's confirmation dialogs are absent. It starts on another chain (1) so the page
 * has to switch it, as a wallet that does not know the network yet.
 */
class TestWallet {
  readonly log: WalletLog[] = [];
  chainId = 1;
  private readonly known = new Set<number>([1]);
  private readonly provider: JsonRpcProvider;

  constructor(readonly url: string, readonly nodeChainId: number, public signer: HDNodeWallet | Wallet) {
    // No 250 ms cache of identical calls: two quick sends would otherwise read the same pending nonce.
    this.provider = new JsonRpcProvider(url, nodeChainId, { staticNetwork: true, cacheTimeout: -1 });
  }

  async handle(method: string, params: unknown[]): Promise<unknown> {
    this.log.push({ method, params });
    switch (method) {
      case "eth_requestAccounts":
      case "eth_accounts":
        return [this.signer.address];
      case "eth_chainId":
        return `0x${this.chainId.toString(16)}`;
      case "net_version":
        return String(this.chainId);
      case "wallet_switchEthereumChain": {
        const wanted = Number((params[0] as { chainId: string }).chainId);
        if (!this.known.has(wanted)) throw Object.assign(new Error(`Unrecognized chain ID ${wanted}`), { code: 4902 });
        this.chainId = wanted;
        return null;
      }
      case "wallet_addEthereumChain": {
        const added = params[0] as { chainId: string; rpcUrls: string[] };
        if (Number(added.chainId) !== this.nodeChainId || added.rpcUrls[0] !== this.url) throw Object.assign(new Error("this test wallet only knows the node's chain"), { code: 4001 });
        this.known.add(Number(added.chainId));
        return null;
      }
      case "eth_sendTransaction": {
        const tx = params[0] as Record<string, string | undefined>;
        if (tx.from?.toLowerCase() !== this.signer.address.toLowerCase()) throw Object.assign(new Error(`from ${tx.from} is not this wallet's account`), { code: 4100 });
        const signed = await this.signer.signTransaction({
          to: tx.to, data: tx.data, value: tx.value ?? 0, gasLimit: tx.gas, gasPrice: tx.gasPrice, type: Number(tx.type ?? 0),
          nonce: await this.provider.getTransactionCount(this.signer.address, "pending"), chainId: this.chainId,
        });
        return this.provider.send("eth_sendRawTransaction", [signed]);
      }
      case "eth_signTypedData_v4": {
        const [address, json] = params as [string, string];
        if (address.toLowerCase() !== this.signer.address.toLowerCase()) throw Object.assign(new Error(`${address} is not this wallet's account`), { code: 4100 });
        const { domain, types, message } = JSON.parse(json) as { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; message: Record<string, unknown> };
        delete types.EIP712Domain;
        return this.signer.signTypedData(domain, types, message);
      }
      default: {
        const response = await fetch(this.url, {
          method: "POST", headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        });
        const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
        if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data });
        return body.result;
      }
    }
  }

  sent(): number {
    return this.log.filter((l) => l.method === "eth_sendTransaction").length;
  }
}

/** window.ethereum in the page: requests go to the test's wallet over an exposed function. */
function installProvider(): void {
  const listeners: Record<string, ((...args: unknown[]) => void)[]> = {};
  const bridge = (window as unknown as { __testWallet: (method: string, params: string) => Promise<string> }).__testWallet;
  (window as unknown as { ethereum: unknown }).ethereum = {
    async request({ method, params }: { method: string; params?: unknown[] }) {
      const answer = JSON.parse(await bridge(method, JSON.stringify(params ?? []))) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
      if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
      return answer.result;
    },
    on(event: string, listener: (...args: unknown[]) => void) {
      (listeners[event] ??= []).push(listener);
    },
    removeListener(event: string, listener: (...args: unknown[]) => void) {
      listeners[event] = (listeners[event] ?? []).filter((l) => l !== listener);
    },
  };
}

describe("Client wallet page in headless Chromium, with a wallet that signs with a test participant's key", function () {
  this.timeout(600_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "client-test-"));
  const pageErrors: string[] = [];
  let server: Server | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let wallet: TestWallet;
  let usd: DepositToken;
  let eur: DepositToken;
  let shares: SecurityToken;
  let escrow: DvPEscrow;
  let fxQuotes: FxQuotes;
  let baseUrl: string;
  let step = 0;
  const acme = devWallet(6);
  const globex = devWallet(7);
  const outsider = Wallet.createRandom();
  const deadline = isoDate(Math.floor(Date.now() / 1000) + 30 * 24 * 3600).slice(0, 10);
  let payeeNonce: number;

  async function shot(name: string): Promise<void> {
    step += 1;
    await page.screenshot({ path: path.join(SCREENSHOTS, `${String(step).padStart(2, "0")}-${name}.png`), fullPage: true });
  }

  /** Clicks, then waits until the page's action and its refresh are done; returns the outcome shown. */
  async function act(selector: string): Promise<{ kind: string; text: string }> {
    await page.evaluate(() => { const r = document.querySelector("#result")!; r.className = ""; r.textContent = ""; });
    await page.click(selector);
    await page.waitForSelector("body:not([data-busy])", { timeout: 120_000 });
    const result = page.locator("#result");
    return { kind: (await result.getAttribute("class")) ?? "", text: (await result.textContent()) ?? "" };
  }

  async function fill(form: string, values: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(values)) {
      const target = page.locator(`${form} [name="${name}"]`);
      if ((await target.evaluate((e) => e.tagName)) === "SELECT") await target.selectOption(value);
      else await target.fill(value);
    }
  }

  async function connectAs(signer: HDNodeWallet): Promise<void> {
    wallet.signer = signer;
    const r = await act("#connect");
    expect(r, r.text).to.deep.include({ kind: "ok" });
    expect(await page.locator("#wallet-status").textContent()).to.equal(`connected: ${signer.address}`);
  }

  /** Signs a payment in the page as the connected wallet and saves the file it offers under the name it suggests. */
  async function signPaymentInPage(values: Record<string, string>, dir: string): Promise<{ file: string; name: string; text: string }> {
    await fill("#sign-payment-form", { currency: "USD", validAfter: "", validBefore: "", nonce: "", ...values });
    const download = page.waitForEvent("download");
    const r = await act("#sign-payment-form button[type=submit]");
    expect(r, r.text).to.deep.include({ kind: "ok" });
    const saved = await download;
    const name = saved.suggestedFilename();
    const file = path.join(dir, name);
    await saved.saveAs(file);
    return { file, name, text: r.text };
  }

  /** Chooses signed-payment files in the settle form and waits for the page's check of them (net positions shown). */
  async function choosePaymentFiles(files: string[]): Promise<string> {
    await page.evaluate(() => { const r = document.querySelector("#result")!; r.className = ""; r.textContent = ""; });
    await page.setInputFiles("#settle-payments-form [name=files]", files);
    await page.waitForSelector("body:not([data-busy])", { timeout: 120_000 });
    return (await page.locator("#result").textContent()) ?? "";
  }

  async function balanceCell(label: string): Promise<string> {
    return (await page.locator("#balances tbody tr", { hasText: label }).locator("td.num").textContent()) ?? "";
  }

  before(async function () {
    if (hre.network.name === "hardhat") throw new Error("run this suite with npm run test:client (it needs a node a browser can reach, not the in-process network)");
    fs.rmSync(SCREENSHOTS, { recursive: true, force: true });
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    // The suite as npm run deploy makes it, recorded in the temporary DEPLOYMENTS_DIR of npm run test:client.
    // Three currencies: USD and EUR for payment versus payment, JPY for a currency without decimals.
    const currencies = process.env.DEPLOY_CURRENCIES;
    process.env.DEPLOY_CURRENCIES = "USD,EUR,JPY";
    const { admin, params } = await platformParams(hre);
    if (currencies === undefined) delete process.env.DEPLOY_CURRENCIES;
    else process.env.DEPLOY_CURRENCIES = currencies;
    const record = await deployPlatform(hre, admin, params, { persist: true, log: () => undefined });
    usd = await openRecorded<DepositToken>(hre, record, depositTokenKey("USD"));
    eur = await openRecorded<DepositToken>(hre, record, depositTokenKey("EUR"));
    const isin = Object.keys(record.contracts).find((k) => k.startsWith("SecurityToken:"))!.split(":")[1];
    shares = await openRecorded<SecurityToken>(hre, record, securityTokenKey(isin));
    escrow = await openRecorded<DvPEscrow>(hre, record, ESCROW_KEY);
    fxQuotes = await openRecorded<FxQuotes>(hre, record, FX_QUOTES_KEY);
    // Participants and money through the operator commands.
    ok(await run("participant:onboard", { id: ACME_LEI, wallets: acme.address, kycExpiry: "2027-12-31" }));
    ok(await run("participant:onboard", { id: "Globex Markets", wallets: globex.address, kycExpiry: "2027-12-31" }));
    ok(await run("token:attest", { currency: "USD", amount: "5000000.00", report: `reserve-report-client-test-${record.contracts[ESCROW_KEY].address}`, asOf: "now" }));
    // Above the single-officer threshold: one officer proposes, the second approves.
    const issued = JSON.parse(ok(await run("token:issue", { currency: "USD", to: acme.address, amount: "1,250,000.00", depositRef: `client-test-${record.contracts[ESCROW_KEY].address}`, json: true }))) as { proposal: string };
    ok(await run("token:approve-issuance", { currency: "USD", id: issued.proposal }));
    ok(await run("token:attest", { currency: "EUR", amount: "5000000.00", report: `reserve-report-client-test-eur-${record.contracts[ESCROW_KEY].address}`, asOf: "now" }));
    // Within the single-officer limit: issued at once.
    ok(await run("token:issue", { currency: "EUR", to: globex.address, amount: "1,000,000.00", depositRef: `client-test-eur-${record.contracts[ESCROW_KEY].address}` }));
    ok(await run("security:issue", { wallet: globex.address, units: "5000" }));

    // The page, built and served as npm run client does it.
    const config = clientConfig(hre.network.name);
    await buildClient(config, path.join(work, "site"));
    const [from, to] = (process.env.CLIENT_TEST_PAGE_PORTS ?? "8700-8799").split("-").map(Number);
    const port = await freePort(from, to);
    server = await serveStatic(path.join(work, "site"), port);
    baseUrl = `http://127.0.0.1:${port}/`;

    wallet = new TestWallet(config.rpcUrl, config.chainId, acme);
    context = await chromium.launchPersistentContext(path.join(work, "profile"), {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_FLAGS,
      acceptDownloads: true,
      viewport: { width: 1400, height: 1000 },
    });
    await context.exposeFunction("__testWallet", async (method: string, params: string) => {
      try {
        return JSON.stringify({ result: await wallet.handle(method, JSON.parse(params) as unknown[]) });
      } catch (e) {
        const err = e as { code?: number; message?: string; data?: unknown; info?: { error?: { code?: number; message?: string; data?: unknown } } };
        const inner = err.info?.error;
        return JSON.stringify({ error: { code: inner?.code ?? err.code ?? -32603, message: inner?.message ?? err.message ?? String(e), data: inner?.data ?? err.data } });
      }
    });
    await context.addInitScript(installProvider);
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => { if (m.type() === "error") pageErrors.push(m.text()); });
  });

  after(async function () {
    await context?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("connects: asks for accounts, switches the wallet to the deployment's chain (adding it first), shows participant, status, KYC and balance", async function () {
    await page.goto(baseUrl);
    await page.waitForFunction(() => document.querySelector("#network")!.textContent!.startsWith("network "));
    expect(await page.locator("#network").textContent()).to.equal(`network ${hre.network.name}, chain id ${wallet.nodeChainId}`);
    const first = await act("#connect");
    expect(first.text).to.include(`wallet is on chain 1; this deployment is on chain ${wallet.nodeChainId}`);
    expect(await page.locator("#app").isHidden()).to.equal(true);
    await shot("wrong-chain");
    const switched = await act("#switch-chain");
    expect(switched, switched.text).to.deep.include({ kind: "ok" });
    const methods = wallet.log.map((l) => l.method);
    expect(methods).to.include.members(["eth_requestAccounts", "wallet_switchEthereumChain", "wallet_addEthereumChain"]);
    const added = wallet.log.find((l) => l.method === "wallet_addEthereumChain")!.params as [{ chainId: string; rpcUrls: string[] }];
    expect(added[0].chainId).to.equal(`0x${wallet.nodeChainId.toString(16)}`);
    expect(await page.locator("#wallet-status").textContent()).to.equal(`connected: ${acme.address}`);
    const account = await page.locator("#account").innerText();
    expect(account).to.include(`LEI ${ACME_LEI}`);
    expect(account).to.match(/status\s+Active/);
    expect(account).to.match(/KYC expiry\s+2027-12-31T23:59:59Z/);
    expect(account).to.match(/frozen\s+no/);
    expect(await balanceCell("USD")).to.equal("1,250,000.00 USD");
    await shot("connected");
  });

  it("pays with a reference: the payee's balance and the event's reference are on chain, the payment is listed", async function () {
    await fill("#pay-form", { currency: "USD", to: globex.address, amount: "250,000.00", ref: "INV-2026-0042" });
    const r = await act("#pay-form button[type=submit]");
    expect(r, r.text).to.deep.include({ kind: "ok" });
    expect(r.text).to.match(new RegExp(`^paid 250,000.00 USD to ${globex.address} with reference "INV-2026-0042": tx 0x[0-9a-f]{64} in block \\d+$`));
    expect(await usd.balanceOf(globex.address)).to.equal(ethers.parseUnits("250000", 2));
    const events = await usd.queryFilter(usd.filters.ReferencedTransfer(acme.address, globex.address));
    expect(events).to.have.length(1);
    expect(events[0].args.ref).to.equal(toReference("INV-2026-0042"));
    expect(events[0].args.amount).to.equal(25_000_000n);
    expect(await balanceCell("USD")).to.equal("1,000,000.00 USD");
    const payment = await page.locator("#payments tbody tr").first().innerText();
    expect(payment).to.include("paid to").and.include(globex.address).and.include("250,000.00 USD").and.include("INV-2026-0042");
    await shot("paid");
  });

  it("refuses a payment to a wallet that is not onboarded, in words, and sends nothing", async function () {
    const sentBefore = wallet.sent();
    const nonceBefore = await ethers.provider.getTransactionCount(acme.address);
    payeeNonce = nonceBefore;
    await fill("#pay-form", { currency: "USD", to: outsider.address, amount: "1.00", ref: "INV-2026-0043" });
    const r = await act("#pay-form button[type=submit]");
    expect(r.kind).to.equal("refused");
    expect(r.text).to.equal(`pay 1.00 USD to ${outsider.address} ref "INV-2026-0043" refused: ParticipantNotAllowed: ${outsider.address} (not linked to any participant); nothing was sent`);
    await shot("payment-refused");
    expect(wallet.sent()).to.equal(sentBefore);
    expect(await ethers.provider.getTransactionCount(acme.address)).to.equal(nonceBefore);
    expect(await usd.balanceOf(outsider.address)).to.equal(0n);
    expect(await usd.balanceOf(acme.address)).to.equal(ethers.parseUnits("1000000", 2));
  });

  it("parses amounts exactly: more decimals than the token has, or a decimal comma, are refused before anything is asked of the wallet; so is a reference with a hidden character", async function () {
    const sentBefore = wallet.sent();
    for (const [amount, message, ref] of [
      ["0.001", 'amount "0.001" has 3 decimals; the token has 2', "INV-X"],
      ["1,50", 'amount "1,50" is not an amount in currency units', "INV-X"],
      ["1.00", "reference has an invisible format character at character 5 (U+202E)", "INV-\u202EX"],
    ]) {
      await fill("#pay-form", { currency: "USD", to: globex.address, amount, ref });
      const r = await act("#pay-form button[type=submit]");
      expect(r.kind).to.equal("refused");
      expect(r.text).to.include(message);
    }
    expect(wallet.sent()).to.equal(sentBefore);
    expect(await ethers.provider.getTransactionCount(acme.address)).to.equal(payeeNonce);
  });

  it("requests a redemption: the amount is held and the pending redemption is shown", async function () {
    const count = await usd.redemptionCount();
    await fill("#redeem-form", { currency: "USD", amount: "100000.00" });
    const r = await act("#redeem-form button[type=submit]");
    expect(r, r.text).to.deep.include({ kind: "ok" });
    const id = count + 1n;
    expect(r.text).to.match(new RegExp(`^redemption ${id} pending: 100,000.00 USD held until the bank pays out`));
    const redemption = await usd.redemption(id);
    expect(redemption.holder).to.equal(acme.address);
    expect(redemption.amount).to.equal(10_000_000n);
    expect(Number(redemption.status)).to.equal(1);
    expect(await balanceCell("USD")).to.equal("900,000.00 USD");
    // The page redraws its lists after the receipt, each from its own reads: wait for the row, then check it.
    await page.locator("#redemptions tbody tr", { hasText: "100,000.00 USD" }).first().waitFor({ timeout: 10_000 });
    expect(await page.locator("#redemptions tbody").innerText()).to.match(new RegExp(`${id}\\s+100,000.00 USD`));
    await shot("redemption-requested");
  });

  it("signs DvP terms as each party with eth_signTypedData_v4 into the very files dvp:sign writes, and settles from the two files", async function () {
    const signedDir = path.join(work, "signed");
    fs.mkdirSync(signedDir);
    const ref = "TRADE-0002";
    const text = { seller: globex.address, buyer: acme.address, units: "100", cashAmount: "18,000.00", deadline, ref };

    // Globex, the seller: allows the escrow its 100 units, signs the terms in the page.
    await connectAs(globex);
    await fill("#approve-form", { token: await shares.symbol(), amount: "100" });
    expect((await act("#approve-form button[type=submit]")).kind).to.equal("ok");
    await fill("#terms-form", { ...text, security: await shares.symbol(), currency: "USD" });
    const sellerDownload = page.waitForEvent("download");
    const signed = await act("#terms-form button[value=sign]");
    expect(signed.text).to.equal(`signed as seller ${globex.address}: ${ref}.seller.json (give it to the settlement agent or the other party)`);
    const sellerFile = path.join(signedDir, "page.seller.json");
    const download = await sellerDownload;
    expect(download.suggestedFilename()).to.equal(`${ref}.seller.json`);
    await download.saveAs(sellerFile);
    await shot("signed-as-seller");

    // The same terms signed by the operator command for the same key: byte for byte the same file.
    const commandFile = path.join(signedDir, "command.seller.json");
    ok(await run("dvp:sign", { from: globex.address, ...text, currency: "USD", out: commandFile }));
    expect(fs.readFileSync(sellerFile, "utf8")).to.equal(fs.readFileSync(commandFile, "utf8"));
    const terms = termsFromText(text, { address: await shares.getAddress(), decimals: 0 }, { address: await usd.getAddress(), decimals: 2 });
    const chainId = wallet.nodeChainId;
    const escrowAddress = await escrow.getAddress();
    expect(fs.readFileSync(sellerFile, "utf8")).to.equal(signedFileText(signedTradeFile(escrowAddress, chainId, terms, globex.address, await signTrade(globex, escrowAddress, chainId, terms))));

    // Acme, the buyer: allows the escrow its cash, countersigns the seller's file.
    await connectAs(acme);
    await fill("#approve-form", { token: "USD", amount: "18000.00" });
    expect((await act("#approve-form button[type=submit]")).kind).to.equal("ok");
    await page.setInputFiles("#countersign-form [name=file]", sellerFile);
    const buyerDownload = page.waitForEvent("download");
    const countersigned = await act("#countersign-form button[type=submit]");
    expect(countersigned.text).to.include(`signed as buyer ${acme.address}: ${ref}.buyer.json`);
    const buyerFile = path.join(signedDir, "page.buyer.json");
    await (await buyerDownload).saveAs(buyerFile);
    const commandBuyer = path.join(signedDir, "command.buyer.json");
    ok(await run("dvp:sign", { from: acme.address, terms: sellerFile, currency: "USD", out: commandBuyer }));
    expect(fs.readFileSync(buyerFile, "utf8")).to.equal(fs.readFileSync(commandBuyer, "utf8"));
    await shot("signed-as-buyer");

    // Settled from the two files the page wrote.
    const before = { acmeUnits: await shares.balanceOf(acme.address), globexCash: await usd.balanceOf(globex.address) };
    await page.setInputFiles("#settle-form [name=seller]", sellerFile);
    await page.setInputFiles("#settle-form [name=buyer]", buyerFile);
    const settled = await act("#settle-form button[type=submit]");
    expect(settled, settled.text).to.deep.include({ kind: "ok" });
    expect(settled.text).to.match(new RegExp(`^settled ${ref}: 100 ${await shares.symbol()} to ${acme.address}, 18,000.00 USD to ${globex.address}: tx`));
    expect(await escrow.isSignedTradeSettled(terms)).to.equal(true);
    expect(await shares.balanceOf(acme.address)).to.equal(before.acmeUnits + 100n);
    expect(await usd.balanceOf(globex.address)).to.equal(before.globexCash + 1_800_000n);
    expect(await balanceCell("(security)")).to.equal(`100 ${await shares.symbol()}`);
    await shot("settled-signed");
  });

  it("proposes a trade, funds its leg and cancels it: the open trade is listed, the locked cash comes back", async function () {
    const cashBefore = await usd.balanceOf(acme.address);
    await fill("#terms-form", { seller: globex.address, buyer: acme.address, security: await shares.symbol(), units: "10", currency: "USD", cashAmount: "1800.00", deadline, ref: "TRADE-0003" });
    const proposed = await act("#terms-form button[value=propose]");
    expect(proposed, proposed.text).to.deep.include({ kind: "ok" });
    const rowSelector = '#trades tbody tr[data-trade="TRADE-0003"]';
    expect(await page.locator(rowSelector).innerText()).to.match(/TRADE-0003\s+buyer\s+10 \S+\s+1,800.00 USD\s+\S+\s+Proposed/);
    const refused = await act(`${rowSelector} button.fund`);
    expect(refused.text).to.match(/^lock 1,800.00 USD for trade TRADE-0003 refused: ERC20InsufficientAllowance: allowance of 0x[0-9a-fA-F]{40} is 0.00 USD, needs 1,800.00 USD; nothing was sent$/);
    await fill("#approve-form", { token: "USD", amount: "1800.00" });
    expect((await act("#approve-form button[type=submit]")).kind).to.equal("ok");
    const funded = await act(`${rowSelector} button.fund`);
    expect(funded.text).to.match(/^trade TRADE-0003 is BuyerFunded: waiting for the other leg/);
    expect(await usd.balanceOf(acme.address)).to.equal(cashBefore - 180_000n);
    expect(await page.locator(rowSelector).innerText()).to.include("BuyerFunded");
    await shot("trade-funded");
    const cancelled = await act(`${rowSelector} button.cancel`);
    expect(cancelled.text).to.match(/^trade TRADE-0003 cancelled: locked legs went back/);
    expect(await usd.balanceOf(acme.address)).to.equal(cashBefore);
    expect(await page.locator(rowSelector).count()).to.equal(0);
    await shot("trade-cancelled");
  });

  // Payment versus payment: both legs deposit tokens, each in its own currency and decimals.
  const SAME_CURRENCY = "--asset-currency and --currency are both USD: payment versus payment exchanges two different currencies";

  it("signs a USD/EUR trade in the page as each party, both amounts and the derived rate shown first, into the very files dvp:sign writes, and settles it from the two files", async function () {
    const signedDir = path.join(work, "signed-pvp");
    fs.mkdirSync(signedDir);
    const ref = "FX-0001";
    const text = { seller: globex.address, buyer: acme.address, assetAmount: "92,000.00", cashAmount: "100,000.00", deadline, ref };

    // Globex, the seller, pays the EUR leg: allows the escrow its EUR, reads the legs and the rate, signs.
    await connectAs(globex);
    await fill("#approve-form", { token: "EUR", amount: "92000.00" });
    expect((await act("#approve-form button[type=submit]")).kind).to.equal("ok");
    await fill("#terms-form", { assetKind: "currency", assetCurrency: "EUR", currency: "USD", ...text });
    expect(await page.locator("#terms-form [name=units]").isHidden()).to.equal(true);
    expect(await page.locator("#terms-preview").textContent()).to.equal(`seller delivers 92,000.00 EUR, buyer pays 100,000.00 USD: 1 USD = 0.920000 EUR (${RATE_PRECISION})`);
    const signsBefore = wallet.log.filter((l) => l.method === "eth_signTypedData_v4").length;
    const sellerDownload = page.waitForEvent("download");
    const signed = await act("#terms-form button[value=sign]");
    expect(signed.text).to.equal(`signed as seller ${globex.address}: ${ref}.seller.json (give it to the settlement agent or the other party); rate 1 USD = 0.920000 EUR`);
    expect(wallet.log.filter((l) => l.method === "eth_signTypedData_v4").length).to.equal(signsBefore + 1);
    const sellerFile = path.join(signedDir, "page.seller.json");
    await (await sellerDownload).saveAs(sellerFile);
    await shot("pvp-signed-as-seller");

    // The operator command for the same key and terms writes the same bytes; so does the library.
    const commandFile = path.join(signedDir, "command.seller.json");
    ok(await run("dvp:sign", { from: globex.address, ...text, assetCurrency: "EUR", currency: "USD", out: commandFile }));
    expect(fs.readFileSync(sellerFile, "utf8")).to.equal(fs.readFileSync(commandFile, "utf8"));
    const [eurAddress, usdAddress] = [await eur.getAddress(), await usd.getAddress()];
    const terms = termsFromText(text, { address: eurAddress, decimals: 2 }, { address: usdAddress, decimals: 2 }, true);
    expect([terms.asset, terms.assetAmount, terms.cash, terms.cashAmount]).to.deep.equal([eurAddress, 9_200_000n, usdAddress, 10_000_000n]);
    const chainId = wallet.nodeChainId;
    const escrowAddress = await escrow.getAddress();
    expect(fs.readFileSync(sellerFile, "utf8")).to.equal(signedFileText(signedTradeFile(escrowAddress, chainId, terms, globex.address, await signTrade(globex, escrowAddress, chainId, terms))));

    // Acme, the buyer, pays the USD leg: allows the escrow its USD, countersigns the seller's file.
    await connectAs(acme);
    await fill("#approve-form", { token: "USD", amount: "100000.00" });
    expect((await act("#approve-form button[type=submit]")).kind).to.equal("ok");
    await page.setInputFiles("#countersign-form [name=file]", sellerFile);
    const buyerDownload = page.waitForEvent("download");
    const countersigned = await act("#countersign-form button[type=submit]");
    expect(countersigned.text).to.equal(`signed as buyer ${acme.address}: ${ref}.buyer.json (give it to the settlement agent or the other party); rate 1 USD = 0.920000 EUR`);
    const buyerFile = path.join(signedDir, "page.buyer.json");
    await (await buyerDownload).saveAs(buyerFile);
    const commandBuyer = path.join(signedDir, "command.buyer.json");
    ok(await run("dvp:sign", { from: acme.address, terms: sellerFile, currency: "USD", out: commandBuyer }));
    expect(fs.readFileSync(buyerFile, "utf8")).to.equal(fs.readFileSync(commandBuyer, "utf8"));

    // Settled from the two files the page wrote: each party receives the other's currency.
    const before = { acmeEur: await eur.balanceOf(acme.address), acmeUsd: await usd.balanceOf(acme.address), globexEur: await eur.balanceOf(globex.address), globexUsd: await usd.balanceOf(globex.address) };
    await page.setInputFiles("#settle-form [name=seller]", sellerFile);
    await page.setInputFiles("#settle-form [name=buyer]", buyerFile);
    const settled = await act("#settle-form button[type=submit]");
    expect(settled, settled.text).to.deep.include({ kind: "ok" });
    expect(settled.text).to.match(new RegExp(`^settled ${ref}: 92,000.00 EUR to ${acme.address}, 100,000.00 USD to ${globex.address}: tx`));
    expect(await escrow.isSignedTradeSettled(terms)).to.equal(true);
    expect(await eur.balanceOf(acme.address)).to.equal(before.acmeEur + 9_200_000n);
    expect(await usd.balanceOf(acme.address)).to.equal(before.acmeUsd - 10_000_000n);
    expect(await eur.balanceOf(globex.address)).to.equal(before.globexEur - 9_200_000n);
    expect(await usd.balanceOf(globex.address)).to.equal(before.globexUsd + 10_000_000n);
    expect(await balanceCell("EUR")).to.equal("92,000.00 EUR");
    await shot("pvp-settled-signed");
  });

  it("proposes a USD/EUR trade, the seller locks its EUR and cancels: listed with both amounts and the rate, the locked EUR comes back", async function () {
    await connectAs(globex);
    const escrowAddress = await escrow.getAddress();
    const before = { globex: await eur.balanceOf(globex.address), escrow: await eur.balanceOf(escrowAddress) };
    await fill("#terms-form", {
      assetKind: "currency", assetCurrency: "EUR", currency: "USD", seller: globex.address, buyer: acme.address,
      assetAmount: "45,000.00", cashAmount: "50,000.00", deadline, ref: "FX-0002",
    });
    expect(await page.locator("#terms-preview").textContent()).to.equal(`seller delivers 45,000.00 EUR, buyer pays 50,000.00 USD: 1 USD = 0.900000 EUR (${RATE_PRECISION})`);
    const proposed = await act("#terms-form button[value=propose]");
    expect(proposed, proposed.text).to.deep.include({ kind: "ok" });
    expect(proposed.text).to.match(new RegExp(`^trade FX-0002 proposed: 45,000.00 EUR from ${globex.address} to ${acme.address} for 50,000.00 USD, rate 1 USD = 0.900000 EUR, deadline `));
    const rowSelector = '#trades tbody tr[data-trade="FX-0002"]';
    expect(await page.locator(rowSelector).innerText()).to.match(/FX-0002\s+seller\s+45,000.00 EUR\s+50,000.00 USD\s+1 USD = 0.900000 EUR\s+\S+\s+Proposed/);
    expect(await page.locator(`${rowSelector} .rate`).getAttribute("title")).to.equal(RATE_PRECISION);
    await fill("#approve-form", { token: "EUR", amount: "45000.00" });
    expect((await act("#approve-form button[type=submit]")).kind).to.equal("ok");
    const funded = await act(`${rowSelector} button.fund`);
    expect(funded.text).to.match(/^trade FX-0002 is SellerFunded: waiting for the other leg/);
    expect(await eur.balanceOf(globex.address)).to.equal(before.globex - 4_500_000n);
    expect(await eur.balanceOf(escrowAddress)).to.equal(before.escrow + 4_500_000n);
    expect(await page.locator(rowSelector).innerText()).to.include("SellerFunded");
    await shot("pvp-trade-funded");
    const cancelled = await act(`${rowSelector} button.cancel`);
    expect(cancelled.text).to.match(/^trade FX-0002 cancelled: locked legs went back/);
    expect(await eur.balanceOf(globex.address)).to.equal(before.globex);
    expect(await eur.balanceOf(escrowAddress)).to.equal(before.escrow);
    expect(await page.locator(rowSelector).count()).to.equal(0);
    await shot("pvp-trade-cancelled");
  });

  it("refuses one currency on both legs, and an amount finer than its currency's decimals (JPY 0), before the wallet is asked to sign or send", async function () {
    const asked = () => wallet.log.filter((l) => l.method === "eth_signTypedData_v4" || l.method === "eth_sendTransaction").length;
    const askedBefore = asked();
    await fill("#terms-form", {
      assetKind: "currency", assetCurrency: "USD", currency: "USD", seller: globex.address, buyer: acme.address,
      assetAmount: "100.00", cashAmount: "100.00", deadline, ref: "FX-0003",
    });
    expect(await page.locator("#terms-preview").textContent()).to.equal(SAME_CURRENCY);
    for (const button of ["sign", "propose"]) {
      const r = await act(`#terms-form button[value=${button}]`);
      expect(r).to.deep.equal({ kind: "refused", text: SAME_CURRENCY });
    }
    await shot("pvp-same-currency-refused");

    // JPY has no decimals: whole yen are parsed and shown as such, a fraction of a yen is refused.
    await fill("#terms-form", { assetCurrency: "JPY", assetAmount: "15,000,000", cashAmount: "100,000.00" });
    expect(await page.locator("#terms-form [name=assetAmount]").getAttribute("placeholder")).to.equal("920000");
    expect(await page.locator("#terms-preview").textContent()).to.equal(`seller delivers 15,000,000 JPY, buyer pays 100,000.00 USD: 1 USD = 150.000000 JPY (${RATE_PRECISION})`);
    await fill("#terms-form", { assetAmount: "1.5" });
    expect(await page.locator("#terms-preview").textContent()).to.equal('--asset-amount "1.5" has 1 decimals; the token has 0');
    const r = await act("#terms-form button[value=sign]");
    expect(r).to.deep.equal({ kind: "refused", text: '--asset-amount "1.5" has 1 decimals; the token has 0' });
    expect(asked()).to.equal(askedBefore);
  });

  // Signed payments (the deposit token's TransferWithReferenceAuthorization), signed and settled in the page.
  const paymentsDir = path.join(work, "payments");
  const signRequests = () => wallet.log.filter((l) => l.method === "eth_signTypedData_v4").length;
  const readFile = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as SignedPaymentFile;

  it("signs a payment in the page into the very file payment:sign writes (valid from now for 24 hours), which payment:settle settles", async function () {
    fs.mkdirSync(paymentsDir, { recursive: true });
    const usdAddress = await usd.getAddress();
    const reported = await usd.eip712Domain();
    const domain = tokenDomain(reported.name, reported.verifyingContract, reported.chainId);
    await connectAs(acme);
    const sentBefore = wallet.sent();
    const ref = "INV-2026-0100";
    const signed = await signPaymentInPage({ to: globex.address, amount: "1,000.00", ref, nonce: "4242" }, paymentsDir);
    expect(signed.text).to.match(new RegExp(`^signed by ${acme.address}: pay 1,000.00 USD to ${globex.address} ref "${ref}", valid \\S+ to \\S+: ${signed.name.replace(/\./g, "\\.")} \\(give it`));
    expect(signed.name).to.equal(`payment.${acme.address.slice(0, 10)}.${"0".repeat(16)}.json`);
    expect(wallet.sent()).to.equal(sentBefore);
    await shot("payment-signed");

    const json = readFile(signed.file);
    const [validAfter, validBefore] = [Number(json.payment.validAfter), Number(json.payment.validBefore)];
    expect(validBefore - validAfter).to.equal(86_401);
    const chainNow = (await ethers.provider.getBlock("latest"))!.timestamp;
    expect(validAfter).to.be.within(chainNow - 120, chainNow);

    // The command, for the same key, terms and nonce: the same bytes; and the library with the key itself.
    const commandFile = path.join(paymentsDir, "command.json");
    ok(await run("payment:sign", {
      from: acme.address, to: globex.address, amount: "1,000.00", ref, validAfter: String(validAfter), validBefore: String(validBefore), nonce: "4242", out: commandFile,
    }));
    expect(fs.readFileSync(signed.file, "utf8")).to.equal(fs.readFileSync(commandFile, "utf8"));
    const terms = { from: acme.address, to: globex.address, value: 100_000n, ref: toReference(ref), validAfter: BigInt(validAfter), validBefore: BigInt(validBefore), nonce: ethers.toBeHex(4242, 32) };
    expect(fs.readFileSync(signed.file, "utf8")).to.equal(signedPaymentFileText(signedPaymentFile(usdAddress, wallet.nodeChainId, await signPayment(acme, domain, terms), { reference: ref })));
    expect(json.information).to.deep.equal({ reference: ref }); // the reference's text travels with the payment when it settles

    // The command path accepts the page's file: payment:settle, submitted by the payee.
    const before = { acme: await usd.balanceOf(acme.address), globex: await usd.balanceOf(globex.address) };
    ok(await run("payment:settle", { file: signed.file, from: globex.address }));
    expect(await usd.balanceOf(acme.address)).to.equal(before.acme - 100_000n);
    expect(await usd.balanceOf(globex.address)).to.equal(before.globex + 100_000n);
    expect(await usd.authorizationState(acme.address, terms.nonce)).to.equal(true);
    const [event] = await usd.queryFilter(usd.filters.ReferencedTransfer(acme.address, globex.address, undefined, toReference(ref)));
    expect(event.args.amount).to.equal(100_000n);

    // The payer's page lists it with the reference as typed.
    await connectAs(acme);
    expect(await page.locator("#payments tbody tr").first().innerText()).to.include("paid to").and.include(globex.address).and.include("1,000.00 USD").and.include(ref);
  });

  it("refuses before asking the wallet to sign: a zero amount, a malformed payee, a nonce already used", async function () {
    const signsBefore = signRequests();
    const used = ethers.toBeHex(4242, 32);
    for (const [values, message] of [
      [{ to: globex.address, amount: "0.00" }, 'amount "0.00" is zero'],
      [{ to: "0x1234", amount: "1.00" }, 'payee "0x1234" is not an address'],
      [{ to: globex.address, amount: "1.00", nonce: "4242" }, `nonce ${used} of ${acme.address} is already used: a signed payment with it has settled or was cancelled`],
    ] as const) {
      await fill("#sign-payment-form", { currency: "USD", ref: "INV-2026-0199", validAfter: "", validBefore: "", nonce: "", ...values });
      const r = await act("#sign-payment-form button[type=submit]");
      expect(r.kind, r.text).to.equal("refused");
      expect(r.text).to.include(message);
    }
    await shot("payment-refused-before-signing");
    expect(signRequests()).to.equal(signsBefore);
  });

  it("settles two opposite payments signed in the page by each party as one netted batch: net positions, gross and net on chain", async function () {
    const a = await signPaymentInPage({ to: globex.address, amount: "500.00", ref: "INV-2026-0101" }, paymentsDir);
    await connectAs(globex);
    const b = await signPaymentInPage({ to: acme.address, amount: "200.00", ref: "INV-2026-0102" }, paymentsDir);
    const before = { acme: await usd.balanceOf(acme.address), globex: await usd.balanceOf(globex.address) };

    const checked = await choosePaymentFiles([a.file, b.file]);
    expect(checked).to.equal("checked 2 signed payments: gross 700.00 USD, net 300.00 USD; settle to move the net positions");
    const positions = await page.locator("#payment-positions tbody").innerText();
    expect(positions).to.match(new RegExp(`${acme.address}\\s+-300.00 USD\\s+[\\d,.]+ USD\\s+yes`));
    expect(positions).to.match(new RegExp(`${globex.address}\\s+\\+300.00 USD`));
    await shot("payment-positions");

    const r = await act("#settle-payments-form button[type=submit]");
    expect(r, r.text).to.deep.include({ kind: "ok" });
    expect(r.text).to.match(/^settled 2 payments: gross 700.00 USD, net moved 300.00 USD \(57.1% of the liquidity saved\): tx 0x[0-9a-f]{64} in block \d+$/);
    expect(await usd.balanceOf(acme.address)).to.equal(before.acme - 30_000n);
    expect(await usd.balanceOf(globex.address)).to.equal(before.globex + 30_000n);
    const block = Number(/in block (\d+)$/.exec(r.text)![1]);
    const transfers = await usd.queryFilter(usd.filters.ReferencedTransfer(), block, block);
    expect(transfers.map((e) => [e.args.from, e.args.to, e.args.amount, e.args.ref])).to.deep.equal([
      [acme.address, globex.address, 50_000n, toReference("INV-2026-0101")],
      [globex.address, acme.address, 20_000n, toReference("INV-2026-0102")],
    ]);
    const [settled] = await usd.queryFilter(usd.filters.PaymentBatchSettled(globex.address), block, block);
    expect([settled.args.instructions, settled.args.grossValue, settled.args.netValue]).to.deep.equal([2n, 70_000n, 30_000n]);
    for (const f of [a.file, b.file]) {
      const p = readFile(f).payment;
      expect(await usd.authorizationState(String(p.from), String(p.nonce))).to.equal(true);
    }
    await page.locator("#payments tbody tr", { hasText: "INV-2026-0102" }).first().waitFor({ timeout: 10_000 });
    const recent = await page.locator("#payments tbody").innerText();
    expect(recent).to.include("INV-2026-0101").and.include("INV-2026-0102");
    await shot("payments-settled");
  });

  it("refuses a batch whose payee is not onboarded, naming the file, and sends nothing", async function () {
    const good = await signPaymentInPage({ to: acme.address, amount: "10.00", ref: "INV-2026-0103" }, paymentsDir);
    const bad = await signPaymentInPage({ to: outsider.address, amount: "5.00", ref: "INV-2026-0104" }, paymentsDir);
    const before = { acme: await usd.balanceOf(acme.address), globex: await usd.balanceOf(globex.address), nonce: await ethers.provider.getTransactionCount(globex.address), sent: wallet.sent() };
    await choosePaymentFiles([good.file, bad.file]);
    expect(await page.locator("#payment-positions tbody").innerText()).to.match(new RegExp(`${outsider.address}\\s+\\+5.00 USD\\s+0.00 USD\\s+no \\(not linked to any participant\\)`));
    const r = await act("#settle-payments-form button[type=submit]");
    expect(r.kind).to.equal("refused");
    expect(r.text).to.equal(`settle 2 signed payments netted refused: instruction 1 (${bad.name}): ParticipantNotAllowed: ${outsider.address} (not linked to any participant); nothing was sent`);
    await shot("payment-batch-refused");
    expect(wallet.sent()).to.equal(before.sent);
    expect(await ethers.provider.getTransactionCount(globex.address)).to.equal(before.nonce);
    expect(await usd.balanceOf(acme.address)).to.equal(before.acme);
    expect(await usd.balanceOf(globex.address)).to.equal(before.globex);
    expect(await usd.balanceOf(outsider.address)).to.equal(0n);
    expect(await usd.authorizationState(globex.address, String(readFile(good.file).payment.nonce))).to.equal(false);
  });

  it("pays a beneficiary in EUR with Globex's quote file from fx:quote: both amounts, the rate and the validity shown first, FxQuotes approved for the USD leg, both legs on chain; the used file and an edited file refused before the wallet is asked", async function () {
    const initech = devWallet(8);
    ok(await run("participant:onboard", { id: "Initech Holdings", wallets: initech.address, kycExpiry: "2027-12-31" }));
    const quoteFile = path.join(work, "quote.json");
    ok(await run("fx:quote", {
      from: globex.address, sellCurrency: "EUR", sellAmount: "9,200.00", buyCurrency: "USD", buyAmount: "10,000.00", payer: acme.address, validFor: "10m", approve: true, out: quoteFile,
    }));
    const file = JSON.parse(fs.readFileSync(quoteFile, "utf8")) as SignedQuoteFile;
    await connectAs(acme);
    const sentBefore = wallet.sent();
    const chooseQuote = async (f: string) => {
      await page.evaluate(() => { const r = document.querySelector("#result")!; r.className = ""; r.textContent = ""; });
      await page.setInputFiles("#fx-form [name=quote]", f);
      await page.waitForSelector("body:not([data-busy])", { timeout: 120_000 });
      return (await page.locator("#result").textContent()) ?? "";
    };
    const shown = await chooseQuote(quoteFile);
    expect(shown).to.equal(`quote: you pay 10,000.00 USD to provider ${globex.address}; the beneficiary receives 9,200.00 EUR; rate 1 USD = 0.920000 EUR (${RATE_PRECISION}); valid until ${file.terms.validUntil}; payer ${acme.address}; usable`);
    expect(await page.locator("#fx-terms").textContent()).to.equal(shown.slice("quote: ".length));
    expect(wallet.sent()).to.equal(sentBefore);
    await shot("fx-quote-shown");

    const before = { acmeUsd: await usd.balanceOf(acme.address), globexUsd: await usd.balanceOf(globex.address), globexEur: await eur.balanceOf(globex.address), initechEur: await eur.balanceOf(initech.address) };
    expect(await usd.allowance(acme.address, await fxQuotes.getAddress())).to.equal(0n);
    await fill("#fx-form", { to: initech.address, ref: "INV-2026-0200" });
    const r = await act("#fx-form button[type=submit]");
    expect(r, r.text).to.deep.include({ kind: "ok" });
    const hash = quoteHash(await fxQuotes.getAddress(), wallet.nodeChainId, { ...file.quote, sellAmount: BigInt(file.quote.sellAmount), buyAmount: BigInt(file.quote.buyAmount), validUntil: BigInt(file.quote.validUntil) });
    expect(r.text).to.match(new RegExp(`^paid 10,000.00 USD to provider ${globex.address}; ${initech.address} received 9,200.00 EUR at 1 USD = 0.920000 EUR, reference "INV-2026-0200" \\(quote hash ${hash}\\): tx 0x[0-9a-f]{64} in block \\d+$`));
    // One approval of the USD leg, then the payment.
    expect(wallet.sent()).to.equal(sentBefore + 2);
    expect(await usd.balanceOf(acme.address)).to.equal(before.acmeUsd - 1_000_000n);
    expect(await usd.balanceOf(globex.address)).to.equal(before.globexUsd + 1_000_000n);
    expect(await eur.balanceOf(globex.address)).to.equal(before.globexEur - 920_000n);
    expect(await eur.balanceOf(initech.address)).to.equal(before.initechEur + 920_000n);
    const [event] = await fxQuotes.queryFilter(fxQuotes.filters.QuotePaid(hash, acme.address));
    expect(event.args.ref).to.equal(toReference("INV-2026-0200"));
    expect(event.args.beneficiary).to.equal(initech.address);
    await shot("fx-paid");

    // The same file again: FxQuotes says why not, in words, and the wallet is not asked.
    const sentAfter = wallet.sent();
    const again = await act("#fx-form button[type=submit]");
    expect(await page.locator("#fx-terms").textContent()).to.match(/; used$/);
    expect(again.kind).to.equal("refused");
    expect(again.text).to.equal(`pay "INV-2026-0200" with quote of ${globex.address} refused: QuoteUsed: nonce ${file.quote.nonce} of provider ${globex.address} is used: a payment has already been made with this quote; nothing was sent`);
    expect(wallet.sent()).to.equal(sentAfter);

    // An edited file: the signature no longer matches its content.
    const edited = path.join(work, "quote-edited.json");
    fs.writeFileSync(edited, JSON.stringify({ ...file, quote: { ...file.quote, sellAmount: "92000000" } }, null, 2));
    expect(await chooseQuote(edited)).to.include("the signature does not match the file's content");
    const refused = await act("#fx-form button[type=submit]");
    expect(refused.kind).to.equal("refused");
    expect(refused.text).to.match(new RegExp(`^quote file quote-edited\\.json: the signature does not match the file's content \\(it recovers to 0x[0-9a-fA-F]{40}, not its provider ${globex.address}\\)`));
    expect(refused.text).to.match(/; nothing was sent$/);
    expect(wallet.sent()).to.equal(sentAfter);
    expect(await eur.balanceOf(initech.address)).to.equal(before.initechEur + 920_000n);
    await shot("fx-refused");
  });

  // Payment information (lib/payment-info.ts): ISO 20022 identifiers checked at input, carried in the transaction, read back by the payee's page.
  const PAGE_NAMES = { reference: "reference", uetr: "UETR", endToEndId: "end-to-end id", remittance: "remittance", creditorReference: "creditor reference" };
  const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const ISO_EMPTY = { ref: "", uetr: "", endToEndId: "", remittance: "", creditorReference: "" };
  const commandRefusal = (info: PaymentInformation): string => {
    try {
      checkInformation(info, PAGE_NAMES);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("checkInformation took it");
  };

  it("pays with a UETR, an end-to-end id and remittance text carried in the transaction, and the payee's recent payments show them with the payer's name", async function () {
    await connectAs(acme);
    await page.click("#pay-form button.new-uetr");
    const uetr = await page.locator("#pay-form [name=uetr]").inputValue();
    expect(uetr).to.match(UUID_V4);
    const info = { uetr, endToEndId: "E2E-2026-0300", remittance: "Invoice 2026-0300, March services" };
    await fill("#pay-form", { currency: "USD", to: globex.address, amount: "3,000.00", ...ISO_EMPTY, uetr, endToEndId: info.endToEndId, remittance: info.remittance });
    const before = await usd.balanceOf(globex.address);
    const r = await act("#pay-form button[type=submit]");
    expect(r, r.text).to.deep.include({ kind: "ok" });
    const ref = informationReference(info);
    expect(r.text).to.match(new RegExp(`^paid 3,000.00 USD to ${globex.address} with end-to-end id E2E-2026-0300, UETR ${uetr}, remittance "Invoice 2026-0300, March services" \\(reference ${ref}\\): tx (0x[0-9a-f]{64}) in block \\d+$`));
    expect(await usd.balanceOf(globex.address)).to.equal(before + 300_000n);
    const hash = /tx (0x[0-9a-f]{64})/.exec(r.text)![1];
    const [event] = await usd.queryFilter(usd.filters.ReferencedTransfer(acme.address, globex.address, undefined, ref));
    expect(event.transactionHash).to.equal(hash);
    const tx = (await ethers.provider.getTransaction(hash))!;
    expect(readInformation(tx.data).get(ref)).to.deep.equal(info);
    // A UETR names one payment: the field is emptied for the next.
    expect(await page.locator("#pay-form [name=uetr]").inputValue()).to.equal("");

    // The payer's page: paid to Globex by name.
    const paid = await page.locator("#payments tbody tr").first().innerText();
    expect(paid).to.include("paid to").and.include("Globex Markets").and.include(globex.address).and.include("3,000.00 USD")
      .and.include(`end-to-end id E2E-2026-0300, UETR ${uetr}, remittance "Invoice 2026-0300, March services"`);
    // The payee's page, which never saw the text typed: read from the transaction, with the payer's LEI.
    await connectAs(globex);
    const received = await page.locator("#payments tbody tr").first().innerText();
    expect(received).to.include("received from").and.include(`LEI ${ACME_LEI}`).and.include(acme.address).and.include("3,000.00 USD")
      .and.include(`end-to-end id E2E-2026-0300, UETR ${uetr}, remittance "Invoice 2026-0300, March services"`);
    await shot("paid-with-iso-information");
  });

  it("makes a UETR when an ISO 20022 field is given without one, and carries a creditor reference in its canonical form", async function () {
    await connectAs(acme);
    await fill("#pay-form", { currency: "USD", to: globex.address, amount: "10.00", ...ISO_EMPTY, endToEndId: "E2E-2026-0301", creditorReference: "rf18 5390 0754 7034" });
    const r = await act("#pay-form button[type=submit]");
    expect(r, r.text).to.deep.include({ kind: "ok" });
    const uetr = /UETR (\S+),/.exec(r.text)![1];
    expect(uetr).to.match(UUID_V4);
    const info = { uetr, endToEndId: "E2E-2026-0301", creditorReference: "RF18539007547034" };
    const [event] = await usd.queryFilter(usd.filters.ReferencedTransfer(acme.address, globex.address, undefined, informationReference(info)));
    expect(event.args.amount).to.equal(1_000n);
    expect(await page.locator("#payments tbody tr").first().innerText()).to.include(`end-to-end id E2E-2026-0301, UETR ${uetr}, creditor reference RF18539007547034`);
  });

  it("refuses a malformed UETR, a too long end-to-end id, a creditor reference with wrong check digits and a reference mixed with ISO fields, with the commands' messages, and sends nothing", async function () {
    await connectAs(acme);
    const sentBefore = wallet.sent();
    const nonceBefore = await ethers.provider.getTransactionCount(acme.address);
    const uetr = "8a562c67-ca16-48ba-b074-65581be6f001";
    const long = "E2E-".padEnd(36, "9");
    for (const [values, info] of [
      [{ uetr: "8a562c67-ca16-18ba-b074-65581be6f001", endToEndId: "E2E-1" }, { uetr: "8a562c67-ca16-18ba-b074-65581be6f001", endToEndId: "E2E-1" }],
      [{ uetr, endToEndId: long }, { uetr, endToEndId: long }],
      [{ uetr, creditorReference: "RF19 5390 0754 7034" }, { uetr, creditorReference: "RF19 5390 0754 7034" }],
      [{ uetr, ref: "INV-2026-0302" }, { uetr, reference: "INV-2026-0302" }],
    ] as const) {
      await fill("#pay-form", { currency: "USD", to: globex.address, amount: "1.00", ...ISO_EMPTY, ...values });
      const r = await act("#pay-form button[type=submit]");
      expect(r).to.deep.equal({ kind: "refused", text: commandRefusal(info) });
    }
    expect(commandRefusal({ uetr, endToEndId: long })).to.equal(`end-to-end id "${long}" has 36 characters; ISO 20022 allows at most 35`);
    expect(commandRefusal({ uetr, creditorReference: "RF19 5390 0754 7034" })).to.equal('creditor reference "RF19 5390 0754 7034" has wrong check digits 19 (ISO 11649 mod 97): check the reference');
    await shot("iso-information-refused");
    expect(wallet.sent()).to.equal(sentBefore);
    expect(await ethers.provider.getTransactionCount(acme.address)).to.equal(nonceBefore);
  });

  it("shows as hex a payment whose carried reference text has a hidden character", async function () {
    const text = "INV-\u202E0303";
    const ref = ethers.id(text);
    const call = await usd.connect(acme.connect(ethers.provider)).transferWithReference.populateTransaction(globex.address, 100n, ref);
    await (await acme.connect(ethers.provider).sendTransaction({ ...call, data: appendInformation(call.data, [{ reference: text }]) })).wait();
    await connectAs(globex);
    const row = await page.locator("#payments tbody tr").first().innerText();
    expect(row).to.include("received from").and.include("1.00 USD").and.include(ref);
    expect(row).to.not.include("INV-");
  });

  it("signs a payment with ISO 20022 information in the page (the file carries it as information, its reference signed) and settles it with the information in the transaction; an edited information is refused naming the file", async function () {
    fs.mkdirSync(paymentsDir, { recursive: true });
    await connectAs(acme);
    const signed = await signPaymentInPage({ to: globex.address, amount: "20.00", ...ISO_EMPTY, endToEndId: "E2E-2026-0304", remittance: "Signed invoice 0304" }, paymentsDir);
    const uetr = /UETR (\S+),/.exec(signed.text)![1];
    expect(uetr).to.match(UUID_V4);
    expect(await page.locator("#sign-payment-form [name=uetr]").inputValue()).to.equal("");
    const info = { uetr, endToEndId: "E2E-2026-0304", remittance: "Signed invoice 0304" };
    const json = JSON.parse(fs.readFileSync(signed.file, "utf8")) as SignedPaymentFile & { information: PaymentInformation };
    expect(json.information).to.deep.equal(info);
    expect(json.payment.ref).to.equal(informationReference(info));
    expect(signed.text).to.include(`with end-to-end id E2E-2026-0304, UETR ${uetr}, remittance "Signed invoice 0304"`);

    // An edited remittance no longer hashes to the signed reference.
    const edited = path.join(paymentsDir, "edited-information.json");
    fs.writeFileSync(edited, JSON.stringify({ ...json, information: { ...info, remittance: "Signed invoice 9999" } }, null, 2));
    await connectAs(globex);
    const sentBefore = wallet.sent();
    expect(await choosePaymentFiles([edited])).to.match(new RegExp(`^edited-information\\.json: its information hashes to reference 0x[0-9a-f]{64}, not the signed reference ${json.payment.ref}: it does not describe this payment; nothing was sent$`));
    expect(wallet.sent()).to.equal(sentBefore);

    await choosePaymentFiles([signed.file]);
    const r = await act("#settle-payments-form button[type=submit]");
    expect(r, r.text).to.deep.include({ kind: "ok" });
    const [event] = await usd.queryFilter(usd.filters.ReferencedTransfer(acme.address, globex.address, undefined, String(json.payment.ref)));
    const tx = (await ethers.provider.getTransaction(event.transactionHash))!;
    expect(readInformation(tx.data).get(String(json.payment.ref).toLowerCase())).to.deep.equal(info);
    await page.locator("#payments tbody tr", { hasText: "E2E-2026-0304" }).first().waitFor({ timeout: 10_000 });
    expect(await page.locator("#payments tbody tr", { hasText: "E2E-2026-0304" }).first().innerText()).to.include("received from").and.include(`LEI ${ACME_LEI}`).and.include("20.00 USD");
  });

  it("raised no error in the page", function () {
    expect(pageErrors).to.deep.equal([]);
  });
});
