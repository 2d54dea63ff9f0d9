import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { BaseContract, ContractTransactionReceipt, Interface, Signer } from "ethers";
import type { DepositToken, ParticipantRegistry } from "../../typechain-types";
import { connectedChainId, DeploymentRecord, depositTokenKey, readDeployment, requireFinished } from "../deployment";
import { decodeRevert, DecodedError, revertData } from "../errors";
import { TRADE_STATES } from "../dvp";
import { formatAmount, parseAddress } from "../format";
import { out, toJson, UserError } from "./output";

export const STATUS_NAMES = ["None", "Active", "Suspended", "Revoked"] as const;
export const ROLE_NAMES = [
  "DEFAULT_ADMIN_ROLE", "COMPLIANCE_ROLE", "ISSUER_ROLE", "RESERVE_ROLE", "PAUSER_ROLE", "UPGRADER_ROLE", "PROPOSER_ROLE", "EXECUTOR_ROLE",
];

/** Options every command takes. */
export interface CommonArgs {
  from?: string;
  json: boolean;
}

/** A deposit token opened by a command, with what it needs to show amounts. */
export interface OpenToken {
  key: string;
  code: string;
  token: DepositToken;
  decimals: number;
  fmt(value: bigint): string;
}

interface AccessControlled extends BaseContract {
  hasRole(role: string, account: string): Promise<boolean>;
}

/** What a command works with: the recorded deployment, its contracts, the signer, the output mode. */
export class CommandContext {
  private readonly sent: { label: string; txHash: string; block: number; gasUsed: string }[] = [];
  private readonly extraInterfaces: Interface[] = [];
  private token?: OpenToken;

  private constructor(
    readonly hre: HardhatRuntimeEnvironment,
    readonly record: DeploymentRecord,
    readonly registry: ParticipantRegistry,
    readonly args: CommonArgs,
  ) {}

  /** Opens deployments/<network>.json and checks that the connected chain is the recorded one. */
  static async open(hre: HardhatRuntimeEnvironment, args: CommonArgs): Promise<CommandContext> {
    const network = hre.network.name;
    let record: DeploymentRecord;
    try {
      record = requireFinished(readDeployment(network));
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    let chainId: number;
    try {
      chainId = await connectedChainId(hre);
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    if (chainId !== record.chainId) {
      throw new UserError(`network "${network}" is chain id ${chainId} but its deployment was recorded on chain id ${record.chainId}; nothing was sent`);
    }
    const registryAddress = record.contracts.ParticipantRegistry?.address;
    if (!registryAddress) throw new UserError(`deployment of "${network}" has no ParticipantRegistry`);
    const registry = (await hre.ethers.getContractAt("ParticipantRegistry", registryAddress)) as unknown as ParticipantRegistry;
    return new CommandContext(hre, record, registry, args);
  }

  /** The deposit token of a currency, as recorded. */
  async depositToken(currency: string): Promise<OpenToken> {
    const code = currency.trim().toUpperCase();
    const key = depositTokenKey(code);
    const entry = this.record.contracts[key];
    if (!entry) {
      const known = Object.keys(this.record.contracts).filter((k) => k.startsWith("DepositToken:")).map((k) => k.split(":")[1]);
      throw new UserError(`no deposit token for currency "${currency}" on ${this.hre.network.name} (deployed: ${known.join(", ") || "none"})`);
    }
    const token = (await this.hre.ethers.getContractAt("DepositToken", entry.address)) as unknown as DepositToken;
    const decimals = Number(await token.decimals());
    this.token = { key, code, token, decimals, fmt: (v: bigint) => `${formatAmount(v, decimals)} ${code}` };
    return this.token;
  }

  /** Makes further contracts' custom errors decodable. */
  addInterface(iface: Interface): void {
    this.extraInterfaces.push(iface);
  }

  /** The configured accounts of the network. */
  async accounts(): Promise<Signer[]> {
    return this.hre.ethers.getSigners();
  }

  /**
   * The signer for a call: `--from` (an index or an address among the configured accounts), else the first
   * configured account holding `role` on `contract`, else the first account. When a role is needed and the
   * signer lacks it, refuses before anything is sent.
   */
  async signer(contract?: AccessControlled, role?: string, contractLabel?: string): Promise<Signer> {
    const signers = await this.accounts();
    if (signers.length === 0) throw new UserError(`network "${this.hre.network.name}" has no configured account to sign with`);
    let chosen: Signer | undefined;
    if (this.args.from !== undefined && this.args.from !== "") {
      const from = this.args.from.trim();
      if (/^\d+$/.test(from)) {
        chosen = signers[Number(from)];
        if (!chosen) throw new UserError(`--from ${from}: network "${this.hre.network.name}" has ${signers.length} configured accounts (0..${signers.length - 1})`);
      } else {
        const wanted = parseAddress(from, "--from");
        for (const s of signers) if ((await s.getAddress()) === wanted) chosen = s;
        if (!chosen) throw new UserError(`--from ${wanted} is not one of the configured accounts of network "${this.hre.network.name}"`);
      }
    } else if (contract && role) {
      const roleId = this.roleId(role);
      for (const s of signers) {
        if (await contract.hasRole(roleId, await s.getAddress())) {
          chosen = s;
          break;
        }
      }
    }
    chosen ??= signers[0];
    if (contract && role && !(await contract.hasRole(this.roleId(role), await chosen.getAddress()))) {
      throw new UserError(`${await chosen.getAddress()} does not hold ${role} on ${contractLabel ?? "the contract"}; nothing was sent`);
    }
    return chosen;
  }

  roleId(role: string): string {
    return role === "DEFAULT_ADMIN_ROLE" ? this.hre.ethers.ZeroHash : this.hre.ethers.id(role);
  }

  /**
   * Sends a contract call after simulating it: a call the contract would refuse is reported by its custom
   * error, explained in words, and nothing is sent. Prints the transaction hash, block and gas used.
   * Returns the receipt (for the events the call emitted).
   */
  async send(label: string, contract: BaseContract, method: string, args: unknown[], signer: Signer): Promise<ContractTransactionReceipt> {
    const fn = contract.connect(signer).getFunction(method);
    try {
      await fn.staticCall(...args);
    } catch (e) {
      throw new UserError(`${label} refused: ${await this.explain(e)}; nothing was sent`);
    }
    let receipt: ContractTransactionReceipt | null = null;
    let hash = "";
    try {
      const tx = await fn.send(...args);
      hash = tx.hash;
      receipt = (await tx.wait()) as ContractTransactionReceipt | null;
    } catch (e) {
      throw new UserError(`${label} failed${hash ? ` (tx ${hash})` : ""}: ${await this.explain(e)}`);
    }
    if (!receipt) throw new UserError(`${label}: tx ${hash} was dropped before it was mined`);
    this.sent.push({ label, txHash: hash, block: receipt.blockNumber, gasUsed: receipt.gasUsed.toString() });
    if (!this.args.json) out.line(`${label}: tx ${hash} in block ${receipt.blockNumber}, gas ${receipt.gasUsed}`);
    return receipt;
  }

  /** Prints the result: as JSON (with the transactions sent) under --json, else through `text`. */
  report(result: Record<string, unknown>, text?: () => void): void {
    if (this.args.json) out.line(toJson({ ...result, transactions: this.sent }));
    else text?.();
  }

  /** One line explaining why a call failed: custom error by name and its arguments in words. */
  async explain(error: unknown): Promise<string> {
    const data = revertData(error);
    const interfaces = [this.registry.interface, ...(this.token ? [this.token.token.interface] : []), ...this.extraInterfaces];
    const decoded = data ? decodeRevert(data, interfaces) : undefined;
    if (!decoded) {
      const short = (error as { shortMessage?: string }).shortMessage;
      return short ?? (error instanceof Error ? error.message.split("\n")[0] : String(error));
    }
    return `${decoded.name}: ${await this.inWords(decoded)}`;
  }

  private async inWords(d: DecodedError): Promise<string> {
    const a = d.args;
    const amount = (v: string) => (this.token ? this.token.fmt(BigInt(v)) : v);
    switch (d.name) {
      case "ParticipantNotAllowed":
        return `${a.wallet} (${await this.walletState(a.wallet)})`;
      case "WalletFrozen":
        return `${a.wallet} is frozen`;
      case "WalletNotFrozen":
        return `${a.wallet} is not frozen`;
      case "AccessControlUnauthorizedAccount":
        return `${a.account} does not hold ${this.roleName(a.neededRole)}`;
      case "ERC20InsufficientBalance":
        return `${a.sender} holds ${amount(a.balance)}, needs ${amount(a.needed)}`;
      case "ERC20InsufficientAllowance":
        return `allowance of ${a.spender} is ${amount(a.allowance)}, needs ${amount(a.needed)}`;
      case "ReservesExceeded":
        return `supply would be ${amount(a.supplyAfter)}, attested reserves are ${amount(a.reserves)}`;
      case "AttestationStale":
        return `the last reserve attestation (${Number(a.attestedAt) === 0 ? "never" : isoDate(Number(a.attestedAt))}) is older than the maximum age of ${Number(a.maxAge) / 86400} days: a new attestation is needed`;
      case "ConflictingRoles":
        return `${a.account} holds ${this.roleName(a.heldRole)}, which must stay apart from ${this.roleName(a.role)}`;
      case "TimelockUnexpectedOperationState":
        return `timelock operation ${a.operationId} is not in the state the call needs`;
      case "RedemptionNotPending":
        return `redemption ${a.id} is ${["unknown", "pending", "completed", "rejected"][Number(a.status)] ?? a.status}`;
      case "StatusUnchanged":
      case "StatusNotSettable":
        return `${a.id ? `${a.id} ` : ""}status ${STATUS_NAMES[Number(a.status)] ?? a.status}`;
      case "KycExpiryNotInFuture":
        return `${isoDate(Number(a.kycExpiry))} is not after ${isoDate(Number(a.currentTime))}`;
      case "PartyNotAllowed":
        return `${a.party} (${await this.walletState(a.party)})`;
      case "TradeNotOpen":
        return `trade ${a.tradeId} is ${TRADE_STATES[Number(a.state)] ?? a.state}`;
      case "UnknownTrade":
        return `no trade has id ${a.tradeId}`;
      case "NotTradeParty":
        return `${a.caller} is neither the seller nor the buyer of trade ${a.tradeId}`;
      case "LegAlreadyFunded":
        return `${a.party} has already locked its leg of trade ${a.tradeId}`;
      case "DeadlinePassed":
        return `the deadline ${isoDate(Number(a.deadline))} has passed (chain time ${isoDate(Number(a.currentTime))})`;
      case "DeadlineNotPassed":
        return `the deadline ${isoDate(Number(a.deadline))} has not passed (chain time ${isoDate(Number(a.currentTime))})`;
      case "InvalidSignature":
        return `the signature given for ${a.party} is not ${a.party}'s signature of these terms`;
      case "SignedTradeAlreadySettled":
        return `these signed terms (digest ${a.tradeHash}) have already settled`;
      case "TradeRefAlreadySettled":
        return `a trade of ${a.seller} to ${a.buyer} with reference ${a.ref} has already settled`;
      case "TermsWithdrawn":
        return `a party withdrew its signature on these terms (digest ${a.tradeHash})`;
      case "NoRefundPending":
        return `no refund waits for ${a.party} in ${a.token}`;
      case "TokenNotListed":
        return `${a.token} is not listed for settlement`;
      default: {
        const words = Object.entries(a).map(([k, v]) => `${k} ${v}`).join(", ");
        return words || "refused";
      }
    }
  }

  /** Why a wallet is or is not allowed, in words. */
  async walletState(wallet: string): Promise<string> {
    const id = await this.registry.participantOf(wallet);
    if (id === this.hre.ethers.ZeroHash) return "not linked to any participant";
    const [status, kycExpiry] = await this.registry.getParticipant(id);
    const latest = await this.hre.ethers.provider.getBlock("latest");
    if (Number(status) === 1 && BigInt(latest!.timestamp) >= kycExpiry) return `KYC expired ${isoDate(Number(kycExpiry))}`;
    return `status ${STATUS_NAMES[Number(status)]}`;
  }

  roleName(roleId: string): string {
    for (const name of ROLE_NAMES) if (this.roleId(name) === roleId) return name;
    return roleId;
  }
}

export function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

/** A KYC expiry from an ISO date ("2027-12-31", end of that day UTC) or unix seconds. */
export function parseExpiry(text: string, what = "--kyc-expiry"): number {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) {
    const ms = Date.parse(`${t}T23:59:59Z`);
    if (!Number.isNaN(ms)) return ms / 1000;
  }
  const ms = Date.parse(t);
  if (/^\d{4}-\d{2}-\d{2}T/.test(t) && !Number.isNaN(ms)) return Math.floor(ms / 1000);
  throw new Error(`${what} "${text}" is not a date (YYYY-MM-DD, ISO 8601) or unix seconds`);
}
