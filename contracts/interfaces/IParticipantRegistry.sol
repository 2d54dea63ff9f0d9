// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * @title IParticipantRegistry
 * @notice The allowlist of institutions that may hold the bank's tokens: each participant is an
 * institution with a status, a KYC expiry and one or more linked wallets.
 * @dev Every token movement asks this registry whether both sides may hold the token. Contracts that
 * hold tokens for others (the DvP escrow) are onboarded as participants too.
 *
 * The registry is also the hub of the deployment's separation of duties: it lists the deployment's
 * contracts (the platform contracts) and refuses, for every contract that asks, a role whose holder
 * already holds a conflicting duty on the registry or on any of them (see contracts/access/Duties.sol).
 */
interface IParticipantRegistry {
    /// @notice Lifecycle of a participant. `Revoked` is final.
    enum Status {
        None,
        Active,
        Suspended,
        Revoked
    }

    /// @notice A participant was onboarded.
    /// @param id The participant's identifier (for example the keccak256 of its LEI).
    /// @param kycExpiry Unix time at which its KYC expires.
    event ParticipantOnboarded(bytes32 indexed id, uint64 kycExpiry);

    /// @notice A wallet was linked to a participant.
    /// @param id The participant.
    /// @param wallet The wallet now belonging to it.
    event WalletLinked(bytes32 indexed id, address indexed wallet);

    /// @notice A wallet was unlinked from a participant.
    /// @param id The participant it belonged to.
    /// @param wallet The wallet, now belonging to no participant.
    event WalletUnlinked(bytes32 indexed id, address indexed wallet);

    /// @notice A participant's status changed.
    /// @param id The participant.
    /// @param previous Its status before the change.
    /// @param status Its status now.
    event StatusChanged(bytes32 indexed id, Status previous, Status status);

    /// @notice A participant's KYC expiry was set anew.
    /// @param id The participant.
    /// @param previous The expiry before the change.
    /// @param kycExpiry The expiry now.
    event KycRenewed(bytes32 indexed id, uint64 previous, uint64 kycExpiry);

    /// @notice Compliance recorded the text a participant's id was derived from (its LEI as "LEI:<LEI>",
    /// or its name), so that anyone reading the chain can show who the participant is.
    /// @param id The participant; equals keccak256 of `name`.
    /// @param name The text whose keccak256 is `id`.
    event ParticipantNamed(bytes32 indexed id, string name);

    /// @notice Compliance recorded a participant's legal name (the institution's registered name, as on its
    /// LEI record), kept apart from the text its id was derived from. A later record replaces an earlier one.
    /// @param id The participant.
    /// @param legalName The legal name, 1 to MAX_LEGAL_NAME_BYTES bytes of UTF-8.
    event ParticipantLegalName(bytes32 indexed id, string legalName);

    /// @notice A contract was added to the deployment's platform contracts: the separation of duties now
    /// consults its roles.
    /// @param platformContract The contract.
    /// @param admin The default admin who added it.
    event PlatformContractAdded(address indexed platformContract, address indexed admin);

    /// @notice A contract was removed from the platform contracts: its roles are no longer consulted.
    /// @param platformContract The contract.
    /// @param admin The default admin who removed it.
    event PlatformContractRemoved(address indexed platformContract, address indexed admin);

    /// @notice A wallet's own record (its participant's status and KYC expiry, read on every movement) was
    /// written again from its participant's record.
    /// @param wallet The wallet.
    /// @param id The participant it is linked to (zero: none, and the record is cleared).
    event WalletRecordSynced(address indexed wallet, bytes32 indexed id);

    /// @notice `account` already holds `heldRole` on the registry or on a platform contract, a duty that must
    /// stay with another key than `role`.
    error ConflictingRoles(address account, bytes32 role, bytes32 heldRole);
    /// @notice The address given as a platform contract has no code.
    error PlatformContractNotAContract(address account);
    /// @notice The contract is already a platform contract (the registry always counts as one).
    error PlatformContractAlreadyAdded(address platformContract);
    /// @notice The contract is not a platform contract.
    error PlatformContractUnknown(address platformContract);
    /// @notice The list of platform contracts is full (each one is asked on every grant of a duty).
    error TooManyPlatformContracts(uint256 max);
    /// @notice The contract does not answer `hasRole` as an AccessControl contract does (it reverted, or its
    /// answer is not a boolean): its duties cannot be checked, so the grant is refused.
    error PlatformContractUnreadable(address platformContract);

    /// @notice The participant id is zero.
    error ParticipantIdZero();
    /// @notice A participant with this id already exists.
    error ParticipantAlreadyExists(bytes32 id);
    /// @notice No participant has this id.
    error ParticipantNotFound(bytes32 id);
    /// @notice The participant is revoked; revocation is final.
    error ParticipantIsRevoked(bytes32 id);
    /// @notice The wallet is the zero address.
    error WalletZero();
    /// @notice The wallet is already linked to a participant.
    error WalletAlreadyLinked(address wallet, bytes32 participant);
    /// @notice The wallet is not linked to any participant.
    error WalletNotLinked(address wallet);
    /// @notice The KYC expiry is not after the current block time.
    error KycExpiryNotInFuture(uint64 kycExpiry, uint256 currentTime);
    /// @notice The name given is not the text the participant id was derived from.
    error NameDoesNotMatchId(bytes32 id, bytes32 nameHash);
    /// @notice The legal name given is empty.
    error LegalNameEmpty(bytes32 id);
    /// @notice The legal name given is longer than the registry records.
    error LegalNameTooLong(bytes32 id, uint256 length, uint256 maxLength);
    /// @notice The requested status cannot be set (None is not a status one can set).
    error StatusNotSettable(Status status);
    /// @notice The participant already has this status.
    error StatusUnchanged(bytes32 id, Status status);
    /// @notice The participant already has the most wallets a participant may have.
    error TooManyWallets(bytes32 id, uint256 max);

    /// @notice Onboards an institution as an Active participant with its wallets.
    /// @dev COMPLIANCE_ROLE. Each wallet must be unlinked; a wallet belongs to at most one participant.
    /// @param id The participant's identifier (non-zero, not used before).
    /// @param wallets The wallets to link (may be empty).
    /// @param kycExpiry Unix time at which its KYC expires; must be in the future.
    function onboard(bytes32 id, address[] calldata wallets, uint64 kycExpiry) external;

    /// @notice Records the text a participant's id was derived from (its LEI as "LEI:<LEI>", or its name).
    /// @dev COMPLIANCE_ROLE. Emits `ParticipantNamed` only; nothing is stored. The name must hash to the id,
    /// so a name read from the events is always the one the id stands for.
    /// @param id An existing participant.
    /// @param name The text whose keccak256 is `id`.
    function nameParticipant(bytes32 id, string calldata name) external;

    /// @notice Records a participant's legal name, or a new one after the institution changed it.
    /// @dev COMPLIANCE_ROLE. Emits `ParticipantLegalName` only; nothing is stored, so the hot path and the
    /// storage layout are untouched and readers take the latest event. Any existing participant, revoked ones
    /// included (a record of who held a wallet outlives the revocation). The text is checked off chain for
    /// hidden characters; readers show any such character as its code point.
    /// @param id An existing participant.
    /// @param legalName The legal name, 1 to MAX_LEGAL_NAME_BYTES bytes of UTF-8.
    function setLegalName(bytes32 id, string calldata legalName) external;

    /// @notice Links one more wallet to an existing, not revoked participant.
    /// @dev COMPLIANCE_ROLE.
    /// @param id The participant.
    /// @param wallet The wallet, which must not be linked to any participant.
    function linkWallet(bytes32 id, address wallet) external;

    /// @notice Unlinks a wallet from its participant; the wallet is then allowed nothing.
    /// @dev COMPLIANCE_ROLE. Tokens the wallet holds stay there, frozen in effect, until it is linked again.
    /// @param wallet The linked wallet.
    function unlinkWallet(address wallet) external;

    /**
     * @notice Writes each wallet's own record again from its participant's record (or clears it for a wallet
     * linked to none). The registry keeps them in step itself; this exists for a proxy upgraded from an
     * implementation without wallet records, whose wallets are refused until their records are written.
     * @dev Anyone may call it: it only copies the registry's own truth. Emits `WalletRecordSynced` per wallet.
     * @param wallets The wallets.
     */
    function syncWallets(address[] calldata wallets) external;

    /// @notice Sets a participant's status: Active, Suspended or Revoked (final).
    /// @dev COMPLIANCE_ROLE.
    /// @param id The participant.
    /// @param status The new status.
    function setStatus(bytes32 id, Status status) external;

    /// @notice Sets a participant's KYC expiry after a renewed review.
    /// @dev COMPLIANCE_ROLE.
    /// @param id The participant (not revoked).
    /// @param kycExpiry The new expiry; must be in the future.
    function renewKyc(bytes32 id, uint64 kycExpiry) external;

    /// @notice Adds a contract of the deployment to the platform contracts, whose roles every grant of a duty
    /// consults. Add a contract before granting any duty on it.
    /// @dev DEFAULT_ADMIN_ROLE. The contract must have code and answer `hasRole`; at most
    /// `MAX_PLATFORM_CONTRACTS`. The registry itself is always consulted and cannot be added.
    /// @param platformContract The contract (a token, the escrow, any AccessControl contract of the deployment).
    function addPlatformContract(address platformContract) external;

    /// @notice Removes a contract from the platform contracts; its roles are no longer consulted.
    /// @dev DEFAULT_ADMIN_ROLE. This is also the way out when a platform contract stops answering `hasRole`
    /// (every grant of a duty is refused with `PlatformContractUnreadable` until then).
    /// @param platformContract A platform contract.
    function removePlatformContract(address platformContract) external;

    /// @notice The platform contracts (the registry itself is not listed; it is always consulted).
    /// @return The contracts, in no guaranteed order.
    function platformContracts() external view returns (address[] memory);

    /// @notice Refuses `role` to `account` when the account holds a duty that must stay apart from it.
    /// @dev Reverts `ConflictingRoles` when `account` holds a conflicting role on the registry, on any platform
    /// contract, or on the calling contract (so a contract not yet added still keeps its own duties apart);
    /// `PlatformContractUnreadable` when one of them does not answer `hasRole`. Returns at once, without
    /// any call, for a role that conflicts with none. Every contract's `_grantRole` calls this.
    /// @param role The role about to be granted.
    /// @param account The account about to receive it.
    function requireCompatibleRole(bytes32 role, address account) external view;

    /// @notice Whether a wallet may hold and move tokens: linked, its participant Active and its KYC not expired.
    /// @param wallet The wallet.
    /// @return True when allowed.
    function isAllowed(address wallet) external view returns (bool);

    /// @notice `isAllowed` for both sides of a movement in one call.
    /// @param a The first wallet.
    /// @param b The second wallet.
    /// @return aAllowed Whether `a` is allowed.
    /// @return bAllowed Whether `b` is allowed.
    function areAllowed(address a, address b) external view returns (bool aAllowed, bool bAllowed);

    /// @notice The participant a wallet belongs to.
    /// @param wallet The wallet.
    /// @return The participant id, or zero when the wallet is not linked.
    function participantOf(address wallet) external view returns (bytes32);

    /// @notice A participant's record.
    /// @param id The participant.
    /// @return status Its status (None when unknown).
    /// @return kycExpiry Unix time at which its KYC expires.
    /// @return wallets Its linked wallets.
    function getParticipant(bytes32 id)
        external
        view
        returns (Status status, uint64 kycExpiry, address[] memory wallets);
}
