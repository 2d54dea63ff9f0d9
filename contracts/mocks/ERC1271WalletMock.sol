// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice Test-only contract wallet (a custodian's): signs by ERC-1271 with its owner's key.
contract ERC1271WalletMock is IERC1271 {
    address public immutable OWNER;

    error NotOwner(address caller);

    constructor(address owner_) {
        OWNER = owner_;
    }

    function approve(IERC20 token, address spender, uint256 amount) external {
        if (msg.sender != OWNER) revert NotOwner(msg.sender);
        token.approve(spender, amount);
    }

    function transferToken(IERC20 token, address to, uint256 amount) external {
        if (msg.sender != OWNER) revert NotOwner(msg.sender);
        token.transfer(to, amount);
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecover(hash, signature);
        return error == ECDSA.RecoverError.NoError && recovered == OWNER ? this.isValidSignature.selector : bytes4(0);
    }
}
