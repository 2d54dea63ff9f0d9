// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test-only hostile token: when armed, every transfer calls back into a target (the escrow)
/// with prepared calldata, and bubbles up the target's revert.
contract ReentrantToken is ERC20 {
    address public reentryTarget;
    bytes public payload;

    constructor() ERC20("Reentrant", "REE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata payload_) external {
        reentryTarget = target_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address t = reentryTarget;
        if (t != address(0)) {
            reentryTarget = address(0);
            // The low-level call is this mock's purpose: re-enter the target.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory reason) = t.call(payload);
            if (!ok) {
                assembly {
                    revert(add(reason, 0x20), mload(reason))
                }
            }
        }
    }
}
