// Builds GoQuorum's geth, the QBFT client of the local network, from the Go module proxy
// (network/node.ts runs `go build -ldflags=-checklinkname=0 github.com/ethereum/go-ethereum/cmd/geth` here).
// GoQuorum declares itself as github.com/ethereum/go-ethereum, so it is required under that path and
// replaced by github.com/Consensys/quorum at tag v24.4.1 (commit 8585ac91f198, 2024-06-12 16:54:40 UTC).
// Replace directives of a dependency are ignored, so GoQuorum's own etcd replace is copied here.
module bankcash.local/qbft-node

go 1.20

require github.com/ethereum/go-ethereum v1.10.3

replace github.com/ethereum/go-ethereum => github.com/Consensys/quorum v0.0.0-20240612165440-8585ac91f198

replace github.com/coreos/etcd => github.com/Consensys/etcd v3.3.13-quorum197+incompatible
