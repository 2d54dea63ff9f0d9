// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {PermissionedToken} from "../token/PermissionedToken.sol";

/// @notice Test-only: exposes the internal initializer so tests prove it runs only during initialization.
contract PermissionedTokenInitMock is PermissionedToken {
    function initialize(IParticipantRegistry registry_, address admin) external initializer {
        __PermissionedToken_init("Mock", "MCK", 2, registry_, admin, 0);
    }

    function initAgain(IParticipantRegistry registry_, address admin) external {
        __PermissionedToken_init("Mock", "MCK", 2, registry_, admin, 0);
    }
}
