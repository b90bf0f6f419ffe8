#!/usr/bin/env bash
# Bootstraps a fresh Tessera deployment: initialises the protocol with the parameters in a file.
# Run right after `anchor deploy` (initialisation is first-come: do not leave a gap).
#
#   SETTLEMENT_MINT=<USDC mint> STAKE_MINT=<protocol token mint> \
#     migrations/bootstrap.sh [cluster] [params-file]
#
# cluster defaults to devnet; the signer (Solana CLI keypair) becomes the authority and arbiter
# until `tessera protocol transfer-authority` hands them to a multisig.
set -euo pipefail
cd "$(dirname "$0")/.."
cluster="${1:-devnet}"
params="${2:-migrations/devnet-params.toml}"
: "${SETTLEMENT_MINT:?set SETTLEMENT_MINT to the settlement stablecoin mint (devnet USDC: 4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU)}"
: "${STAKE_MINT:?set STAKE_MINT to the protocol token mint}"
tessera() { cargo run -q --release -p tessera-cli --no-default-features -- "$@"; }
tessera -u "$cluster" protocol init --settlement-mint "$SETTLEMENT_MINT" --stake-mint "$STAKE_MINT" --params-file "$params"
tessera -u "$cluster" protocol show
