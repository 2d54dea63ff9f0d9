import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { DEMO_SECURITY, DEVELOPMENT_LIMITS, IssuanceLimits, LIMIT_VARIABLES, SecurityConfig } from "../lib/config";
import { currenciesFrom, PlatformParams } from "../lib/deployment";
import { parseAddress } from "../lib/format";
import { isDevelopmentNetwork, requireNetworkEnv as requireEnvOf } from "../lib/networks";
import { missingAccounts, networkSigners } from "../lib/signers/accounts";
import { DUTIES } from "../lib/roles";
import type { RoleHolders } from "../lib/suite";

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === "") throw new Error(`${name} is not set (see .env.example)`);
  return value.trim();
}

/** An amount in currency units from the environment (checked against each currency's decimals at deployment). */
function amountEnv(name: string, fallback: string, env: NodeJS.ProcessEnv): string {
  const text = env[name]?.trim();
  if (text === undefined || text === "") return fallback;
  if (!/^\d+(\.\d+)?$/.test(text)) throw new Error(`${name}="${text}" is not an amount in currency units (for example 1000000.00)`);
  return text;
}

function integerEnv(name: string, fallback: number, env = process.env): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  if (!/^\d+$/.test(text)) throw new Error(`${name}="${text}" is not a whole number of seconds`);
  return Number(text);
}

/**
 * The issuance desks' limits: DEVELOPMENT_LIMITS on development networks; elsewhere ISSUANCE_THRESHOLD,
 * REDEMPTION_THRESHOLD and OFFICER_ALLOWANCE in currency units (default 0: every issuance and payout
 * needs two officers until the bank sets its thresholds) and APPROVAL_WINDOW_SECONDS (default one day).
 * For one `currency`, ISSUANCE_THRESHOLD_<CODE> (REDEMPTION_THRESHOLD_JPY, OFFICER_ALLOWANCE_KWD, ...)
 * replaces the general variable: a yen limit is not a dollar limit.
 */
export function issuanceLimits(development: boolean, env = process.env, currency?: string): IssuanceLimits {
  if (development) return DEVELOPMENT_LIMITS;
  const sources: NonNullable<IssuanceLimits["sources"]> = {};
  const amount = (field: keyof typeof LIMIT_VARIABLES): string => {
    const own = currency ? `${LIMIT_VARIABLES[field]}_${currency}` : undefined;
    if (own && env[own]?.trim()) {
      sources[field] = own;
      return amountEnv(own, "0", env);
    }
    return amountEnv(LIMIT_VARIABLES[field], "0", env);
  };
  const limits: IssuanceLimits = {
    issuanceThreshold: amount("issuanceThreshold"),
    redemptionThreshold: amount("redemptionThreshold"),
    officerAllowance: amount("officerAllowance"),
    approvalWindow: integerEnv("APPROVAL_WINDOW_SECONDS", 24 * 3600, env),
  };
  return Object.keys(sources).length > 0 ? { ...limits, sources } : limits;
}

/** The development account that is the second issuance officer. */
export const DEVELOPMENT_SECOND_ISSUER = 11;
/** The development account that holds the guardian duty. */
export const GUARDIAN_ACCOUNT = 10;

/** Chain ids of development chains (Hardhat, Ganache, the local QBFT network and most tutorials). */
export const DEVELOPMENT_CHAIN_IDS = new Set([1337, 31337]);

/**
 * EIP-712 signatures (DvP terms, ERC-2612 permits) carry the chain id: two environments sharing one would
 * accept each other's signatures. A configured (non-development) network on a well-known development chain
 * id is refused unless ALLOW_DEV_CHAIN_ID=1 says it is on purpose.
 */
export function requireOwnChainId(network: string, chainId: number, allow = process.env.ALLOW_DEV_CHAIN_ID): void {
  if (isDevelopmentNetwork(network) || !DEVELOPMENT_CHAIN_IDS.has(chainId)) return;
  if (allow?.trim() === "1") return;
  throw new Error(`network "${network}" is chain id ${chainId}, a development chain id: signatures made for one environment would be valid on another; give each environment its own chain id (or set ALLOW_DEV_CHAIN_ID=1 if this is deliberate)`);
}

/** The shortest admin-transfer and upgrade delay a configured (non-development) network may use: one day. */
export const MIN_DELAY_SECONDS = 24 * 3600;

/**
 * The delays are the bank's time to notice and stop a default-admin transfer or an upgrade: a configured
 * network refuses ADMIN_DELAY_SECONDS or UPGRADE_DELAY_SECONDS below one day, naming the variable, unless
 * ALLOW_SHORT_DELAYS=1 says it is on purpose.
 */
export function requireLongDelays(network: string, delays: { adminDelay: number; upgradeDelay: number }, allow = process.env.ALLOW_SHORT_DELAYS): void {
  if (isDevelopmentNetwork(network) || allow?.trim() === "1") return;
  for (const [name, seconds] of [["ADMIN_DELAY_SECONDS", delays.adminDelay], ["UPGRADE_DELAY_SECONDS", delays.upgradeDelay]] as const) {
    if (seconds < MIN_DELAY_SECONDS) {
      throw new Error(`${name}=${seconds} on network "${network}" is below one day (${MIN_DELAY_SECONDS} s): the bank would have less than a day to stop a change; raise it (or set ALLOW_SHORT_DELAYS=1 if this is deliberate)`);
    }
  }
}

/** Fails in one line, naming the variables, when the connected network lacks an endpoint setting or, since a deployment signs, accounts. */
export function requireNetworkEnv(hre: HardhatRuntimeEnvironment): void {
  requireEnvOf(hre.network.name);
  const missing = missingAccounts(hre.network.name);
  if (missing) throw new Error(missing);
}

/**
 * `npm run deploy` without --network deploys to the in-process `hardhat` network, a chain that is gone
 * when the command exits: refused in one line unless DEPLOY_IN_PROCESS=1 says it is on purpose.
 */
export function requirePersistentNetwork(network: string, allow = process.env.DEPLOY_IN_PROCESS): void {
  if (network !== "hardhat" || allow?.trim() === "1") return;
  throw new Error(`network "hardhat" is in-process: the deployment would be gone when this command exits; deploy to a running node with --network localhost (after npx hardhat node --port 8645) or another configured network (or set DEPLOY_IN_PROCESS=1 if this is deliberate)`);
}

/**
 * The deployment parameters of the connected network. Development networks give each duty to its own
 * development account; any other network takes the role holders from ROLE_* environment variables.
 * DEPLOY_CURRENCIES (default USD), ADMIN_DELAY_SECONDS (default 2 days; 60 s on development networks) and
 * UPGRADE_DELAY_SECONDS, the timelock delay of every upgrade (default 2 days; 0 on development networks).
 * A non-development network must not use a development chain id (requireOwnChainId) nor a delay below one
 * day (requireLongDelays).
 * Development networks also get the demo security and have the escrow onboarded by the compliance
 * account; elsewhere DEPLOY_SECURITY_ISIN (with _NAME and _SYMBOL) adds a security, and compliance
 * onboards the escrow with the command the deployment prints.
 */
export async function platformParams(hre: HardhatRuntimeEnvironment): Promise<{ admin: Signer; params: PlatformParams }> {
  requireNetworkEnv(hre);
  requireOwnChainId(hre.network.name, Number((await hre.ethers.provider.getNetwork()).chainId));
  // A deployment signs: its accounts (SIGNERS_FILE, or the development keys) are opened here.
  const signers = await networkSigners(hre);
  if (signers.length === 0) throw new Error(`network "${hre.network.name}" has no configured account to deploy with`);
  const development = isDevelopmentNetwork(hre.network.name);
  let roles: RoleHolders;
  if (development) {
    if (signers.length < 12) throw new Error(`network "${hre.network.name}" needs 12 accounts (admin, duties on 1 to 5, guardian on 10, second issuance officer on 11), has ${signers.length}`);
    const addresses = await Promise.all(signers.map((s) => s.getAddress()));
    const [, compliance, issuer, reserve, pauser, upgrader] = addresses;
    // Accounts 6 to 9 are the clients of the examples.
    roles = {
      compliance, issuer, secondIssuer: addresses[DEVELOPMENT_SECOND_ISSUER], reserve, pauser, upgrader,
      guardian: addresses[GUARDIAN_ACCOUNT],
    };
  } else {
    roles = Object.fromEntries(
      Object.entries(DUTIES).map(([duty, { env: name }]) => [duty, parseAddress(env(name), name)]),
    ) as unknown as RoleHolders;
  }
  const securities: SecurityConfig[] = [];
  if (process.env.DEPLOY_SECURITY_ISIN) {
    const isin = process.env.DEPLOY_SECURITY_ISIN.trim().toUpperCase();
    securities.push({ isin, name: process.env.DEPLOY_SECURITY_NAME ?? `Tokenized security ${isin}`, symbol: process.env.DEPLOY_SECURITY_SYMBOL ?? isin, decimals: 0 });
  } else if (development) {
    securities.push(DEMO_SECURITY);
  }
  const limits = issuanceLimits(development);
  const currencies = currenciesFrom(process.env.DEPLOY_CURRENCIES ?? "USD");
  const currencyLimits = Object.fromEntries(currencies.map((c) => [c.code, issuanceLimits(development, process.env, c.code)]));
  const adminDelay = integerEnv("ADMIN_DELAY_SECONDS", development ? 60 : 2 * 24 * 3600);
  const upgradeDelay = integerEnv("UPGRADE_DELAY_SECONDS", development ? 0 : 2 * 24 * 3600);
  requireLongDelays(hre.network.name, { adminDelay, upgradeDelay });
  return {
    admin: signers[0],
    params: {
      currencies,
      securities,
      escrow: true,
      roles,
      limits,
      currencyLimits,
      adminDelay,
      upgradeDelay,
      compliance: development ? signers[1] : undefined,
    },
  };
}
