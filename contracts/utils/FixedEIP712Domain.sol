// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EIP712Upgradeable} from "@openzeppelin/contracts-upgradeable/utils/cryptography/EIP712Upgradeable.sol";

/**
 * @title FixedEIP712Domain
 * @notice An EIP-712 domain whose name and version are constants of the contract's code.
 * @dev OpenZeppelin's upgradeable EIP712 reads the name and version from storage to hash the domain, two
 * cold storage reads on every signed call. Here the initializer still writes them (so `eip712Domain` and
 * the storage agree) but the domain is hashed from the constants. A contract that changes its name in an
 * upgrade changes its domain, and every signature made for the old one stops verifying.
 */
abstract contract FixedEIP712Domain is EIP712Upgradeable {
    /// @dev The domain version of every contract of the platform that verifies typed data.
    string private constant DOMAIN_VERSION = "1";

    // The three functions below are named as OpenZeppelin names them.
    // slither-disable-start naming-convention

    /// @dev Writes the domain's name and version where `eip712Domain` reads them (only while initializing:
    /// `__EIP712_init` is `onlyInitializing`).
    // Named as OpenZeppelin's initializers are.
    // solhint-disable-next-line func-name-mixedcase
    function __FixedEIP712Domain_init() internal {
        __EIP712_init(_domainName(), DOMAIN_VERSION);
    }

    /// @dev The domain's name: a constant of the contract.
    function _domainName() internal pure virtual returns (string memory);

    /// @dev The name hashed into the domain, from the code instead of storage.
    // The name is OpenZeppelin's, overridden.
    // solhint-disable-next-line func-name-mixedcase
    function _EIP712Name() internal pure override returns (string memory) {
        return _domainName();
    }

    /// @dev The version hashed into the domain, from the code instead of storage.
    // The name is OpenZeppelin's, overridden.
    // solhint-disable-next-line func-name-mixedcase
    function _EIP712Version() internal pure override returns (string memory) {
        return DOMAIN_VERSION;
    }
    // slither-disable-end naming-convention
}
