//! The SDK's error type: every variant names what went wrong and where.

use solana_sdk::pubkey::Pubkey;

/// Errors from the SDK.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No account at the address (not created yet, closed, or wrong cluster).
    #[error("no account at {0} (not created yet, closed, or another cluster)")]
    AccountNotFound(Pubkey),
    /// The account exists but is not the expected type.
    #[error("account {address} is not a {expected}: {reason}")]
    Decode {
        /// Address read.
        address: Pubkey,
        /// Type expected.
        expected: &'static str,
        /// Decoder's message.
        reason: String,
    },
    /// The program refused the transaction.
    #[error("transaction failed: {message}")]
    Transaction {
        /// The custom error code, when the failure carried one (6000+ are Tessera's).
        code: Option<u32>,
        /// The runtime's description.
        message: String,
        /// Program logs, when the back end returns them.
        logs: Vec<String>,
    },
    /// The RPC endpoint failed or could not be reached (after retries).
    #[error("RPC error: {0}")]
    Rpc(String),
    /// The Tessera program is not deployed at the expected address on this cluster.
    #[error("the Tessera program {0} is not deployed on this cluster")]
    ProgramNotDeployed(Pubkey),
    /// A transaction needs a signature nobody provided.
    #[error("missing signature of {0}: this must be signed by that wallet (pass its keypair)")]
    MissingSigner(Pubkey),
    /// The back end cannot do this (for example listing accounts in-process).
    #[error("{0} is not supported by this back end")]
    Unsupported(&'static str),
}

impl ClientError {
    /// The Tessera (or Anchor) error code of a refused transaction.
    pub fn code(&self) -> Option<u32> {
        match self {
            Self::Transaction { code, .. } => *code,
            _ => None,
        }
    }

    /// Builds a [`ClientError::Transaction`] from a runtime error.
    pub fn from_transaction_error(
        e: &solana_sdk::transaction::TransactionError,
        logs: Vec<String>,
    ) -> Self {
        use solana_sdk::instruction::InstructionError;
        use solana_sdk::transaction::TransactionError;
        let code = match e {
            TransactionError::InstructionError(_, InstructionError::Custom(c)) => Some(*c),
            _ => None,
        };
        let message = match code.and_then(tessera::error::TesseraError::from_code) {
            Some(err) => format!("{e:?}: {}: {err}", err.name()),
            // Other programs (SPL Token) log their error as "Program log: Error: ...".
            None => match logs
                .iter()
                .rev()
                .find_map(|l| l.strip_prefix("Program log: Error: "))
            {
                Some(detail) => format!("{e:?}: {detail}"),
                None => format!("{e:?}"),
            },
        };
        Self::Transaction {
            code,
            message,
            logs,
        }
    }
}
