// Browser-safe: the client page (client/) imports this module, so it imports ethers and nothing of node or Hardhat.
import { ethers } from "ethers";
import type { RoleHolders } from "./config";

/**
 * The duties of the platform, one table: which role each duty holds on which kind of contract, and the
 * environment variable that names its holder on a configured network. Deployment grants from it, the
 * deployment parameters read its variables, and the commands name roles from it.
 */
export const DUTIES: Record<keyof RoleHolders, { role: string; env: string; on: readonly ContractKind[] }> = {
  compliance: { role: "COMPLIANCE_ROLE", env: "ROLE_COMPLIANCE", on: ["ParticipantRegistry", "DepositToken", "SecurityToken", "DvPEscrow"] },
  // The IssuanceDesk alone holds ISSUER_ROLE on its deposit token; the officers hold it on the desk.
  issuer: { role: "ISSUER_ROLE", env: "ROLE_ISSUER", on: ["IssuanceDesk", "SecurityToken"] },
  secondIssuer: { role: "ISSUER_ROLE", env: "ROLE_SECOND_ISSUER", on: ["IssuanceDesk"] },
  reserve: { role: "RESERVE_ROLE", env: "ROLE_RESERVE", on: ["IssuanceDesk"] },
  pauser: { role: "PAUSER_ROLE", env: "ROLE_PAUSER", on: ["DepositToken", "SecurityToken"] },
  // The upgrader proposes and executes through the timelock, which alone holds UPGRADER_ROLE.
  upgrader: { role: "PROPOSER_ROLE", env: "ROLE_UPGRADER", on: ["UpgradeTimelock"] },
  // The guardian cancels scheduled timelock operations; it can neither schedule nor execute.
  guardian: { role: "CANCELLER_ROLE", env: "ROLE_GUARDIAN", on: ["UpgradeTimelock"] },
};

/** The kinds of contract a deployment records (the part of a record key before ":"). */
export type ContractKind = "ParticipantRegistry" | "DepositToken" | "IssuanceDesk" | "SecurityToken" | "DvPEscrow" | "FxQuotes" | "UpgradeTimelock";

/** Duties that must stay with different keys (the contracts refuse them on chain too). */
export const SEPARATE_DUTIES: [keyof RoleHolders, keyof RoleHolders][] = [
  ["issuer", "reserve"], ["issuer", "compliance"], ["secondIssuer", "reserve"], ["secondIssuer", "compliance"],
  // Dual control needs two people.
  ["issuer", "secondIssuer"],
  ["upgrader", "guardian"],
];

/** The duties granted on a kind of contract at deployment, as [role, duty] (the timelock is set up by its constructor). */
export function dutiesOn(kind: ContractKind): [string, keyof RoleHolders][] {
  if (kind === "UpgradeTimelock") return [];
  return (Object.entries(DUTIES) as [keyof RoleHolders, (typeof DUTIES)[keyof RoleHolders]][])
    .filter(([, d]) => d.on.includes(kind))
    .map(([duty, d]) => [d.role, duty]);
}

/** The duties that hold `role` on a kind of contract (issuer and secondIssuer share ISSUER_ROLE on a desk). */
export function dutiesHolding(kind: ContractKind, role: string): (keyof RoleHolders)[] {
  return (Object.entries(DUTIES) as [keyof RoleHolders, (typeof DUTIES)[keyof RoleHolders]][])
    .filter(([, d]) => d.on.includes(kind) && d.role === role)
    .map(([duty]) => duty);
}

/** Every role name any contract of the platform uses. */
export const ROLE_NAMES = [
  "DEFAULT_ADMIN_ROLE", "COMPLIANCE_ROLE", "ISSUER_ROLE", "RESERVE_ROLE", "PAUSER_ROLE", "UPGRADER_ROLE",
  "PROPOSER_ROLE", "EXECUTOR_ROLE", "CANCELLER_ROLE",
] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** The bytes32 id of a role (OpenZeppelin: keccak256 of its name; the default admin is zero). */
export function roleId(name: RoleName): string {
  return name === "DEFAULT_ADMIN_ROLE" ? ethers.ZeroHash : ethers.id(name);
}

/** A role's name from its id, or the id when no contract of the platform uses it. */
export function roleName(id: string): string {
  return ROLE_NAMES.find((name) => roleId(name) === id.toLowerCase()) ?? id;
}

/** ParticipantRegistry.Status, by value. */
export const PARTICIPANT_STATUS = ["None", "Active", "Suspended", "Revoked"] as const;
/** DepositToken redemption status, by value. */
export const REDEMPTION_STATUS = ["unknown", "pending", "completed", "rejected"] as const;
/** IssuanceDesk proposal kinds and statuses, by value. */
export const PROPOSAL_KINDS = ["none", "issuance", "redemption completion"] as const;
export const PROPOSAL_STATUS = ["unknown", "pending", "executed", "cancelled"] as const;
/** DvPEscrow.State, by value. */
export const TRADE_STATES = ["None", "Proposed", "SellerFunded", "BuyerFunded", "Settled", "Cancelled", "Expired", "ClosedByOrder"] as const;
/** Trade states in which legs may still be locked, cancelled or expired. */
export const OPEN_TRADE_STATES = new Set([1, 2, 3]);

/** An enum value by name, or the number when the table does not know it. */
export function enumName(table: readonly string[], value: bigint | number | string): string {
  return table[Number(value)] ?? String(value);
}
