import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { ContractTransactionResponse, Interface, ZeroHash } from "ethers";
import type { BaseContract, ContractTransactionReceipt, Signer } from "ethers";
import type {
  DepositToken, DvPEscrow, IssuanceDesk, ParticipantRegistry, PermissionedToken, SecurityToken, UpgradeTimelock,
} from "../../typechain-types";
import type { ContractMethodArgs, TypedContractMethod } from "../../typechain-types/common";
import {
  connectedChainId, contractOf, DeploymentRecord, depositTokenKey, ESCROW_KEY, ESCROW_PARTICIPANT, FX_QUOTES_PARTICIPANT, issuanceDeskKey, keyOfAddress, openRecorded,
  readDeployment, recordedKeys, recordName, REGISTRY_KEY, requireFinished, requireRecordOnChain, securityTokenKey, TIMELOCK_KEY,
} from "../deployment";
import { decodeRevert, explainError, revertData } from "../errors";
import { Failure } from "../failure";
import { formatAmount, parseAddress, participantDisplay, participantFields } from "../format";
import { requireNetworkEnv } from "../networks";
import { appendInformation, PaymentInformation } from "../payment-info";
import { accountSpecs, missingAccounts, networkSigners } from "../signers/accounts";
import { roleId, RoleName } from "../roles";
import { out, toJson } from "./output";

/** Options every command takes. */
export interface CommonArgs {
  from?: string;
  json: boolean;
}

/**
 * A token a command works with (a currency's deposit token, a security, any token a trade names), with
 * what it takes to show its amounts. A deposit token is labelled by its currency code ("USD"), a
 * security by its symbol.
 */
export interface Leg<T extends PermissionedToken = PermissionedToken> {
  /** Its record key ("DepositToken:USD"), when the deployment made it. */
  key?: string;
  address: string;
  label: string;
  decimals: number;
  contract: T;
  fmt(value: bigint): string;
}

interface AccessControlled {
  hasRole(role: string, account: string): Promise<boolean>;
}

/** Contracts whose custom errors a command decodes. */
const EXPLAINED = ["ParticipantRegistry", "DepositToken", "IssuanceDesk", "SecurityToken", "DvPEscrow", "FxQuotes", "UpgradeTimelock"];

/**
 * What a command works with: the recorded deployment (checked against the connected chain), its
 * contracts, the signer, the output mode. Every read of the record goes through lib/deployment.ts.
 */
export class CommandContext {
  private readonly sent: { label: string; txHash: string; block: number; gasUsed: string }[] = [];
  private readonly legs = new Map<string, Leg>();
  private names?: Map<string, string>;
  private legalNames?: Map<string, string>;
  private explained?: Interface[];

  private constructor(
    readonly hre: HardhatRuntimeEnvironment,
    readonly record: DeploymentRecord,
    readonly registry: ParticipantRegistry,
    readonly args: CommonArgs,
  ) {}

  /**
   * Opens deployments/<network>.json and checks that the connected chain is the recorded one: same chain
   * id, and every recorded contract has code there. Needs the network's endpoint, not a signing key: a
   * read-only command runs without one, and a command that signs opens its accounts when it signs
   * (accounts()). The accounts' settings are checked here all the same (SIGNERS_FILE, raw keys refused).
   */
  static async open(hre: HardhatRuntimeEnvironment, args: CommonArgs): Promise<CommandContext> {
    requireNetworkEnv(hre.network.name);
    accountSpecs(hre.network.name);
    const record = requireFinished(readDeployment(hre.network.name));
    const chainId = await connectedChainId(hre);
    if (chainId !== record.chainId) {
      throw new Error(`network "${hre.network.name}" is chain id ${chainId} but its deployment was recorded on chain id ${record.chainId}; nothing was sent`);
    }
    await requireRecordOnChain(hre, record);
    const registry = await openRecorded<ParticipantRegistry>(hre, record, REGISTRY_KEY);
    return new CommandContext(hre, record, registry, args);
  }

  /** The contracts' interfaces whose custom errors a failure names, parsed when a command first has one to explain. */
  private get interfaces(): Interface[] {
    return (this.explained ??= EXPLAINED.map((name) => new Interface(this.hre.artifacts.readArtifactSync(name).abi)));
  }

  get network(): string {
    return this.hre.network.name;
  }

  /** The deposit token of a currency, as recorded. */
  async depositToken(currency: string): Promise<Leg<DepositToken>> {
    const code = currency.trim().toUpperCase();
    const key = depositTokenKey(code);
    if (!this.record.contracts[key]) {
      const known = recordedKeys(this.record, "DepositToken").map((k) => k.name);
      throw new Failure("NOT_FOUND", `no deposit token for currency "${currency}" on ${this.network} (deployed: ${known.join(", ") || "none"})`);
    }
    return (await this.leg(this.record.contracts[key].address)) as Leg<DepositToken>;
  }

  /** The IssuanceDesk of a currency's deposit token: reserves, issuance and redemption payouts. */
  async issuanceDesk(currency: string): Promise<IssuanceDesk> {
    const code = currency.trim().toUpperCase();
    await this.depositToken(code);
    return openRecorded<IssuanceDesk>(this.hre, this.record, issuanceDeskKey(code));
  }

  /** The recorded security token: by ISIN, or the only one deployed. */
  async security(isin?: string): Promise<Leg<SecurityToken>> {
    const recorded = recordedKeys(this.record, "SecurityToken").map((k) => k.name);
    const code = isin?.trim().toUpperCase() ?? (recorded.length === 1 ? recorded[0] : undefined);
    if (!code) throw new Error(`--isin is needed: network "${this.network}" has ${recorded.length ? `securities ${recorded.join(", ")}` : "no security token"}`);
    const entry = this.record.contracts[securityTokenKey(code)];
    if (!entry) throw new Failure("NOT_FOUND", `no security token with ISIN "${code}" on ${this.network} (deployed: ${recorded.join(", ") || "none"})`);
    return (await this.leg(entry.address)) as Leg<SecurityToken>;
  }

  /** Any token by address: a recorded deposit token is labelled by its currency, any other by its symbol. */
  async leg(address: string): Promise<Leg> {
    const known = this.legs.get(address.toLowerCase());
    if (known) return known;
    const key = keyOfAddress(this.record, address);
    const deposit = key !== undefined && contractOf(key) === "DepositToken";
    const contract = (await this.hre.ethers.getContractAt(deposit ? "DepositToken" : "SecurityToken", address)) as unknown as PermissionedToken;
    let label: string;
    let decimals: number;
    try {
      [label, decimals] = [deposit ? recordName(key) : await contract.symbol(), Number(await contract.decimals())];
    } catch {
      throw new Error(`${address} is not a token`);
    }
    const leg: Leg = { key, address, label, decimals, contract, fmt: (v: bigint) => `${formatAmount(v, decimals)} ${label}` };
    this.legs.set(address.toLowerCase(), leg);
    return leg;
  }

  /** The recorded escrow; security and token commands work on a deployment without one. */
  async escrow(): Promise<DvPEscrow> {
    if (!this.record.contracts[ESCROW_KEY]) throw new Failure("NOT_FOUND", `the deployment of "${this.network}" has no ${ESCROW_KEY}`);
    return openRecorded<DvPEscrow>(this.hre, this.record, ESCROW_KEY);
  }

  async timelock(): Promise<UpgradeTimelock> {
    return openRecorded<UpgradeTimelock>(this.hre, this.record, TIMELOCK_KEY);
  }

  /** The block a recorded contract was deployed in: where to start reading its events. */
  fromBlock(key: string): number {
    return Math.max(0, this.record.contracts[key]?.block ?? 0);
  }

  /**
   * The text each participant id was derived from (LEI or name), from the registry's ParticipantNamed events;
   * the same read also gathers the legal names (ParticipantLegalName, the latest one of each participant).
   */
  async participantNames(): Promise<Map<string, string>> {
    if (this.names) return this.names;
    const names = new Map<string, string>([ESCROW_PARTICIPANT, FX_QUOTES_PARTICIPANT].map((p) => [this.hre.ethers.id(p), p]));
    const from = this.fromBlock(REGISTRY_KEY);
    const [named, legal] = await Promise.all([
      this.registry.queryFilter(this.registry.filters.ParticipantNamed(), from),
      this.registry.queryFilter(this.registry.filters.ParticipantLegalName(), from),
    ]);
    for (const e of named) names.set(e.args.id, e.args.name);
    const legalNames = new Map<string, string>();
    for (const e of legal) legalNames.set(e.args.id, e.args.legalName);
    this.legalNames = legalNames;
    this.names = names;
    return names;
  }

  /**
   * A participant as people know it: "Initech Corp. (LEI 5493001KJTIIGC8Y1R12)" when its legal name and LEI
   * are recorded, "LEI 5493001KJTIIGC8Y1R12" or its name when one is, its id when none is.
   */
  async participantLabel(id: string): Promise<string> {
    const name = (await this.participantNames()).get(id);
    return participantDisplay(id, name, this.legalNames?.get(id));
  }

  /** A wallet as people know it: the label of the participant the registry links it to, else the address itself. */
  async walletLabel(address: string): Promise<string> {
    const id = await this.registry.participantOf(address);
    return id === ZeroHash ? address : this.participantLabel(id);
  }

  /**
   * A wallet for a line of output: "Acme Treasury Ltd (LEI 5493001KJTIIGC8Y1R12) 0x976E...", or the address
   * alone when no participant with a recorded name or LEI holds it.
   */
  async walletText(address: string): Promise<string> {
    const id = await this.registry.participantOf(address);
    if (id === ZeroHash) return address;
    const label = await this.participantLabel(id);
    return label === id ? address : `${label} ${address}`;
  }

  /** A participant for --json: its id with `lei` and its legal `name` apart (null when not recorded). */
  async participantJson(id: string): Promise<{ id: string; lei: string | null; name: string | null }> {
    const name = (await this.participantNames()).get(id);
    return { id, ...participantFields(name, this.legalNames?.get(id)) };
  }

  /** The configured accounts of the network (lib/signers/accounts.ts), opened when a command first signs. */
  async accounts(): Promise<Signer[]> {
    return networkSigners(this.hre);
  }

  /**
   * The wallet a read-only command shows when `option` is not given: the first configured account. On a
   * network without signing keys, one line asking for the option instead.
   */
  async ownWallet(option: string): Promise<string> {
    if (missingAccounts(this.network)) throw new Error(`${option} is needed: network "${this.network}" has no account of its own (SIGNERS_FILE not set)`);
    return (await this.signer()).getAddress();
  }

  /** A configured account by index (0, 1, ...) or address, naming the option when there is none. */
  async account(spec: string, what: string): Promise<Signer> {
    const signers = await this.accounts();
    const text = spec.trim();
    if (/^\d+$/.test(text)) {
      const chosen = signers[Number(text)];
      if (!chosen) throw new Error(`${what} ${text}: network "${this.network}" has ${signers.length} configured accounts (0..${signers.length - 1})`);
      return chosen;
    }
    const wanted = parseAddress(text, what);
    for (const s of signers) if ((await s.getAddress()) === wanted) return s;
    throw new Error(`${what} ${wanted} is not one of the configured accounts of network "${this.network}"`);
  }

  /**
   * The signer for a call: `--from` (an index or an address among the configured accounts), else the first
   * configured account holding `role` on `contract` (other than `except`: the second officer of dual
   * control), else the first account. When a role is needed and the signer lacks it, refuses before
   * anything is sent.
   */
  async signer(contract?: AccessControlled, role?: RoleName, contractLabel?: string, except?: string): Promise<Signer> {
    const signers = await this.accounts();
    if (signers.length === 0) throw new Error(`network "${this.network}" has no configured account to sign with`);
    let chosen: Signer | undefined;
    if (this.args.from !== undefined && this.args.from !== "") {
      chosen = await this.account(this.args.from, "--from");
    } else if (contract && role) {
      for (const s of signers) {
        const address = await s.getAddress();
        if (address.toLowerCase() !== except?.toLowerCase() && (await contract.hasRole(roleId(role), address))) {
          chosen = s;
          break;
        }
      }
    }
    chosen ??= signers[0];
    if (contract && role && !(await contract.hasRole(roleId(role), await chosen.getAddress()))) {
      throw new Failure("REFUSED", `${await chosen.getAddress()} does not hold ${role} on ${contractLabel ?? "the contract"}; nothing was sent`);
    }
    return chosen;
  }

  /**
   * Sends a contract call after simulating it: a call the contract would refuse is reported by its custom
   * error, explained in words (amounts in the units of `leg`), and nothing is sent. `method` is a typed
   * contract method connected to its signer, so names and arguments are checked by the compiler.
   * Prints the transaction hash, block and gas used; returns the receipt (for the events it emitted).
   * `items` names the items of a batch (trade references, payment files) in a refusal of one of them.
   * `information` travels after the call's arguments in the transaction's input (lib/payment-info.ts
   * appendInformation): the contract reads only its arguments, so the simulation is the call's own.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async send<A extends any[]>(label: string, method: TypedContractMethod<A, unknown, "nonpayable">, args: A, leg?: Leg, items?: readonly string[], information?: readonly (PaymentInformation | undefined)[]): Promise<ContractTransactionReceipt> {
    try {
      await method.staticCall(...(args as ContractMethodArgs<A, "view">));
    } catch (e) {
      throw new Failure("REFUSED", `${label} refused: ${await this.explain(e, leg, items)}; nothing was sent`, this.reason(e));
    }
    let receipt: ContractTransactionReceipt | null = null;
    let hash = "";
    try {
      const tx = information?.some((i) => i !== undefined)
        ? await this.sendWithInformation(method, args, information)
        : await method.send(...(args as ContractMethodArgs<A, "nonpayable">));
      hash = tx.hash;
      receipt = (await tx.wait()) as ContractTransactionReceipt | null;
    } catch (e) {
      throw new Failure("FAILED", `${label} failed${hash ? ` (tx ${hash})` : ""}: ${await this.explain(e, leg, items)}`, this.reason(e));
    }
    if (!receipt) throw new Failure("FAILED", `${label}: tx ${hash} was dropped before it was mined`);
    this.sent.push({ label, txHash: hash, block: receipt.blockNumber, gasUsed: receipt.gasUsed.toString() });
    if (!this.args.json) out.line(`${label}: tx ${hash} in block ${receipt.blockNumber}, gas ${receipt.gasUsed}`);
    return receipt;
  }

  /** The call as populated by its contract, its input followed by the payments' information, sent by the contract's signer. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private async sendWithInformation<A extends any[]>(method: TypedContractMethod<A, unknown, "nonpayable">, args: A, information: readonly (PaymentInformation | undefined)[]): Promise<ContractTransactionResponse> {
    const contract = (method as unknown as { _contract: BaseContract })._contract;
    const signer = contract.runner as Signer;
    const tx = await method.populateTransaction(...(args as ContractMethodArgs<A, "nonpayable">));
    const sent = await signer.sendTransaction({ ...tx, data: appendInformation(tx.data, information) });
    return new ContractTransactionResponse(contract.interface, signer.provider!, sent);
  }

  /** Prints the result: as JSON (with the transactions sent) under --json, else through `text`. */
  report(result: Record<string, unknown>, text?: () => void): void {
    if (this.args.json) out.line(toJson({ ...result, transactions: this.sent }));
    else text?.();
  }

  /**
   * The name of the custom error a call failed with, for --json's `reason`: of the refused item itself when
   * the error wraps one item of a batch (TradeRefused, PaymentInstructionRefused); undefined when undecoded.
   */
  reason(error: unknown): string | undefined {
    const data = revertData(error);
    const decoded = data ? decodeRevert(data, this.interfaces) : undefined;
    if (!decoded) return undefined;
    const inner = decoded.args.reason?.startsWith("0x") ? decodeRevert(decoded.args.reason, this.interfaces) : undefined;
    return inner?.name ?? decoded.name;
  }

  /** One line explaining why a call failed (lib/errors.ts), amounts in the units of `leg`, batch items named by `items`. */
  async explain(error: unknown, leg?: Leg, items?: readonly string[]): Promise<string> {
    return explainError(error, { interfaces: this.interfaces, registry: this.registry, amount: leg?.fmt, items, roleHeldOn: (role, account) => this.roleHeldOn(role, account) });
  }

  /** The recorded contracts (their keys) on which `account` holds `role`. */
  async roleHeldOn(role: string, account: string): Promise<string[]> {
    const keys: string[] = [];
    for (const [key, entry] of Object.entries(this.record.contracts)) {
      const c = await this.hre.ethers.getContractAt("IAccessControl", entry.address);
      if (await c.hasRole(role, account)) keys.push(key);
    }
    return keys;
  }
}
