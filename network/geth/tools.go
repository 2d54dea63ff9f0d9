//go:build tools

// Package tools pins the geth command so that `go mod tidy` keeps every module it needs.
package tools

import _ "github.com/ethereum/go-ethereum/cmd/geth"
