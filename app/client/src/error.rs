//! The SDK's error type: every variant names what went wrong and where, in words a person can
//! act on. Refused transactions are explained by the program that refused them: Tessera's own
//! errors and Anchor's by name and message, SPL Token's and the System program's by their
//! message, runtime failures (no SOL for fees) by what to do.

use num_traits::FromPrimitive;
use solana_sdk::instruction::InstructionError;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::transaction::TransactionError;

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
    /// A program or the runtime refused the transaction.
    #[error("{message}")]
    Transaction {
        /// The custom error code, when the failure carried one (6000+ are Tessera's).
        code: Option<u32>,
        /// The error's name (`InsufficientCash`, `InsufficientFunds`, `AccountNotFound`…).
        name: String,
        /// Who refused and why, in words.
        message: String,
        /// Program logs, when the back end returns them.
        logs: Vec<String>,
    },
    /// The fee payer has no SOL on this cluster.
    #[error("the fee payer {payer} has no SOL on {url}: fund it first (on devnet or a local network: `solana airdrop 1 {payer} --url {url}`)")]
    FeePayerUnfunded {
        /// The fee payer.
        payer: Pubkey,
        /// The cluster.
        url: String,
    },
    /// The RPC endpoint could not be reached.
    #[error("cannot reach the Solana RPC node at {url}: {reason}")]
    Unreachable {
        /// The endpoint.
        url: String,
        /// What the transport said.
        reason: String,
    },
    /// The endpoint answered, but not as a Solana JSON-RPC node.
    #[error("{url} did not answer as a Solana JSON-RPC node: {reason}")]
    NotSolanaRpc {
        /// The endpoint.
        url: String,
        /// What came back.
        reason: String,
    },
    /// The RPC endpoint failed (after retries).
    #[error("RPC error: {0}")]
    Rpc(String),
    /// The Tessera program is not deployed at the expected address on this cluster.
    #[error("the Tessera program {program} is not deployed on {url} (a wrong cluster, or deploy it first)")]
    ProgramNotDeployed {
        /// The program id looked for.
        program: Pubkey,
        /// The cluster.
        url: String,
    },
    /// A transaction needs a signature nobody provided.
    #[error("missing signature of {0}: this must be signed by that wallet (pass its keypair)")]
    MissingSigner(Pubkey),
    /// A Tessera indexer's read API could not be used.
    #[error("the indexer at {url}: {reason}")]
    Indexer {
        /// The indexer's base URL as given.
        url: String,
        /// What went wrong, in words.
        reason: String,
    },
    /// The back end cannot do this (for example listing accounts in-process).
    #[error("{0} is not supported by this back end")]
    Unsupported(&'static str),
}

impl ClientError {
    /// The Tessera (or Anchor, or other program's) error code of a refused transaction.
    pub fn code(&self) -> Option<u32> {
        match self {
            Self::Transaction { code, .. } => *code,
            _ => None,
        }
    }

    /// A short stable name for the kind of failure, for scripts (`--json`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::AccountNotFound(_) => "account_not_found",
            Self::Decode { .. } => "wrong_account_type",
            Self::Transaction { .. } => "refused",
            Self::FeePayerUnfunded { .. } => "fee_payer_unfunded",
            Self::Unreachable { .. } => "unreachable",
            Self::NotSolanaRpc { .. } => "not_solana_rpc",
            Self::Rpc(_) => "rpc",
            Self::ProgramNotDeployed { .. } => "program_not_deployed",
            Self::MissingSigner(_) => "missing_signer",
            Self::Indexer { .. } => "indexer",
            Self::Unsupported(_) => "unsupported",
        }
    }

    /// Explains a runtime error: `programs` are the transaction's instructions' program ids in
    /// order (to name who refused), `logs` its program logs when known.
    pub fn from_transaction_error(
        e: &TransactionError,
        logs: Vec<String>,
        programs: &[Pubkey],
    ) -> Self {
        let (code, name, message) = match e {
            TransactionError::InstructionError(index, ie) => {
                // A program called by the instruction's (SPL Token under a deposit) may be the
                // one that refused: the innermost failure is logged first.
                let program =
                    failing_program(&logs).or_else(|| programs.get(usize::from(*index)).copied());
                explain_instruction(program, ie)
            }
            other => (None, variant_name(other), runtime_message(other)),
        };
        Self::Transaction {
            code,
            name,
            message,
            logs,
        }
    }
}

/// The program that failed innermost, from `Program <id> failed: …` log lines.
fn failing_program(logs: &[String]) -> Option<Pubkey> {
    logs.iter().find_map(|line| {
        let rest = line.strip_prefix("Program ")?;
        let (id, _) = rest.split_once(" failed: ")?;
        id.parse().ok()
    })
}

/// `(code, name, message)` for an instruction of `program` that failed with `e`.
fn explain_instruction(
    program: Option<Pubkey>,
    e: &InstructionError,
) -> (Option<u32>, String, String) {
    let InstructionError::Custom(code) = e else {
        let who = program.map_or("a program".to_string(), program_name);
        return (None, variant_name(e), format!("{who} failed: {e}"));
    };
    let code = *code;
    let (name, words) = match program {
        Some(p) if p == anchor_spl::token::ID || p == anchor_spl::associated_token::ID => {
            token_error(code)
        }
        Some(p) if p == solana_system_interface::program::ID => system_error(code),
        _ => tessera_error(code),
    };
    let who = program.map_or("the program".to_string(), program_name);
    (
        Some(code),
        name.clone(),
        format!("{who} refused ({name}): {words}"),
    )
}

/// Tessera's own error, or one of Anchor's framework errors, by code.
fn tessera_error(code: u32) -> (String, String) {
    if let Some(e) = tessera::error::TesseraError::from_code(code) {
        return (e.name(), e.to_string());
    }
    match anchor_error(code) {
        Some(e) => (e.name(), anchor_hint(&e)),
        None => (format!("Custom({code})"), format!("error code {code}")),
    }
}

/// The Anchor framework errors a user can provoke with a wrong address or account.
fn anchor_error(code: u32) -> Option<anchor_lang::error::ErrorCode> {
    use anchor_lang::error::ErrorCode as E;
    [
        E::InstructionMissing,
        E::InstructionDidNotDeserialize,
        E::ConstraintMut,
        E::ConstraintHasOne,
        E::ConstraintSigner,
        E::ConstraintRaw,
        E::ConstraintOwner,
        E::ConstraintSeeds,
        E::ConstraintAddress,
        E::ConstraintTokenMint,
        E::ConstraintTokenOwner,
        E::ConstraintDuplicateMutableAccount,
        E::AccountDiscriminatorNotFound,
        E::AccountDiscriminatorMismatch,
        E::AccountDidNotDeserialize,
        E::AccountNotEnoughKeys,
        E::AccountNotMutable,
        E::AccountOwnedByWrongProgram,
        E::InvalidProgramId,
        E::AccountNotSigner,
        E::AccountNotSystemOwned,
        E::AccountNotInitialized,
        E::AccountNotProgramData,
    ]
    .into_iter()
    .find(|e| u32::from(*e) == code)
}

/// Anchor's message, with what it usually means for a user of the CLI or SDK.
fn anchor_hint(e: &anchor_lang::error::ErrorCode) -> String {
    use anchor_lang::error::ErrorCode as E;
    let meaning = match e {
        E::AccountOwnedByWrongProgram
        | E::AccountDiscriminatorMismatch
        | E::AccountDiscriminatorNotFound
        | E::AccountDidNotDeserialize => {
            "an address given is not the kind of account expected (a wallet or token account where a pool, node or lease belongs, or the reverse)"
        }
        E::AccountNotInitialized => "an account it needs does not exist yet (a wrong address, or create it first)",
        E::ConstraintSeeds | E::ConstraintAddress | E::ConstraintHasOne | E::ConstraintRaw => {
            "an account given does not belong with the others (another pool's vault, another node's lease, another mint)"
        }
        E::ConstraintSigner | E::AccountNotSigner => "a wallet that must sign did not",
        _ => "the accounts given do not fit this instruction",
    };
    format!("{e}: {meaning}")
}

/// SPL Token's error by code.
fn token_error(code: u32) -> (String, String) {
    use anchor_spl::token::spl_token::error::TokenError;
    match TokenError::from_u32(code) {
        Some(TokenError::InsufficientFunds) => (
            "InsufficientFunds".into(),
            "a token account holds less than this transfer needs".into(),
        ),
        Some(e) => (format!("{e:?}"), e.to_string()),
        None => (format!("Custom({code})"), format!("token error {code}")),
    }
}

/// The System program's error by code.
fn system_error(code: u32) -> (String, String) {
    use solana_system_interface::error::SystemError;
    match SystemError::from_u32(code) {
        Some(SystemError::ResultWithNegativeLamports) => (
            "ResultWithNegativeLamports".into(),
            "a wallet has too little SOL for this".into(),
        ),
        Some(e) => (format!("{e:?}"), e.to_string()),
        None => (format!("Custom({code})"), format!("system error {code}")),
    }
}

/// A program id as people know it.
fn program_name(p: Pubkey) -> String {
    if p == tessera::ID {
        "Tessera".into()
    } else if p == anchor_spl::token::ID {
        "SPL Token".into()
    } else if p == anchor_spl::associated_token::ID {
        "the Associated Token program".into()
    } else if p == solana_system_interface::program::ID {
        "the System program".into()
    } else {
        format!("program {p}")
    }
}

/// The variant's name without its fields (`InstructionError(0, X)` → `X`).
fn variant_name(e: &impl std::fmt::Debug) -> String {
    let text = format!("{e:?}");
    text.split(['(', ' ', '{'])
        .next()
        .unwrap_or(&text)
        .to_string()
}

/// Words for a failure of the transaction as a whole.
fn runtime_message(e: &TransactionError) -> String {
    match e {
        TransactionError::AccountNotFound | TransactionError::InsufficientFundsForFee => {
            "the fee payer has no SOL for the fee (fund it first)".into()
        }
        TransactionError::InsufficientFundsForRent { account_index } => format!(
            "account #{account_index} of the transaction would hold less SOL than rent requires"
        ),
        TransactionError::BlockhashNotFound => {
            "the transaction's blockhash expired before it landed; send it again".into()
        }
        other => format!("the cluster refused the transaction: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(e: ClientError) -> (Option<u32>, String, String) {
        match e {
            ClientError::Transaction {
                code,
                name,
                message,
                ..
            } => (code, name, message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_program_is_named_with_its_error_in_words() {
        let ix = |i: u8, c: u32| TransactionError::InstructionError(i, InstructionError::Custom(c));
        let programs = [
            solana_system_interface::program::ID,
            anchor_spl::token::ID,
            tessera::ID,
        ];
        let (code, name, msg) = refused(ClientError::from_transaction_error(
            &ix(2, 6022),
            vec![],
            &programs,
        ));
        assert_eq!((code, name.as_str()), (Some(6022), "InsufficientCash"));
        assert!(msg.starts_with("Tessera refused (InsufficientCash): the pool's free cash"));
        let (_, name, msg) = refused(ClientError::from_transaction_error(
            &ix(1, 1),
            vec![],
            &programs,
        ));
        assert_eq!(name, "InsufficientFunds");
        assert_eq!(
            msg,
            "SPL Token refused (InsufficientFunds): a token account holds less than this transfer needs"
        );
        // SPL Token refusing inside a Tessera instruction (a deposit above the balance) is
        // named from the logs, not as the top-level program.
        let logs = vec![
            format!("Program {} invoke [1]", tessera::ID),
            format!("Program {} invoke [2]", anchor_spl::token::ID),
            format!(
                "Program {} failed: custom program error: 0x1",
                anchor_spl::token::ID
            ),
            format!("Program {} failed: custom program error: 0x1", tessera::ID),
        ];
        let (_, name, msg) = refused(ClientError::from_transaction_error(
            &ix(2, 1),
            logs,
            &programs,
        ));
        assert_eq!(name, "InsufficientFunds");
        assert!(
            msg.starts_with("SPL Token refused (InsufficientFunds)"),
            "{msg}"
        );
        let (_, name, msg) = refused(ClientError::from_transaction_error(
            &ix(2, 3007),
            vec![],
            &programs,
        ));
        assert_eq!(name, "AccountOwnedByWrongProgram");
        assert!(msg.contains("not the kind of account expected"), "{msg}");
        let (_, name, msg) = refused(ClientError::from_transaction_error(
            &ix(0, 0),
            vec![],
            &programs,
        ));
        assert_eq!(name, "AccountAlreadyInUse");
        assert!(msg.starts_with("the System program refused"), "{msg}");
        let (code, name, msg) = refused(ClientError::from_transaction_error(
            &TransactionError::AccountNotFound,
            vec![],
            &programs,
        ));
        assert_eq!((code, name.as_str()), (None, "AccountNotFound"));
        assert!(msg.contains("no SOL"));
        for e in [ix(2, 6022), ix(1, 1), ix(2, 3007)] {
            let text = ClientError::from_transaction_error(&e, vec![], &programs).to_string();
            assert!(
                !text.contains("InstructionError") && !text.contains("Custom("),
                "{text}"
            );
        }
    }
}

/// What a binary reports for a failure, in one documented shape (docs/errors.md): printed as
/// `error: <message>` on stderr, or as `{"error": {…}}` on stdout under `--json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Failure {
    /// A stable word for the class of failure (`input`, `refused`, `unreachable`…).
    pub kind: String,
    /// The whole message, outermost context first.
    pub message: String,
    /// The refusing program's error name, when a program refused.
    pub name: Option<String>,
    /// Its numeric code, when it has one.
    pub code: Option<u32>,
}

impl Failure {
    /// Describes an error whose cause chain is `causes` (outermost first) and whose full text
    /// is `message`: the first [`ClientError`] in the chain classifies it; a bad unit, job
    /// spec or keypair file is `input`; anything else is `fallback` (the binary's own input
    /// errors pass `input`, others `error`).
    pub fn new<'a>(
        message: String,
        causes: impl IntoIterator<Item = &'a (dyn std::error::Error + 'static)>,
        fallback: &str,
    ) -> Self {
        let causes: Vec<_> = causes.into_iter().collect();
        let client = causes.iter().find_map(|c| c.downcast_ref::<ClientError>());
        let input = causes.iter().any(|c| {
            c.is::<crate::units::UnitError>()
                || c.is::<crate::job::JobSpecError>()
                || c.is::<crate::keypair::KeypairError>()
        });
        let kind = match client {
            Some(c) => c.kind(),
            None if input => "input",
            None => fallback,
        };
        Self {
            kind: kind.to_string(),
            name: match client {
                Some(ClientError::Transaction { name, .. }) => Some(name.clone()),
                _ => None,
            },
            code: client.and_then(ClientError::code),
            message,
        }
    }

    /// The JSON form: `{"error": {"kind", "message", "name", "code"}}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "error": self })
    }
}

/// A program error raised off-chain (a parameter check run before sending) in the same words
/// as a refusal: `Name: message`, never Anchor's debug layout.
pub fn program_error_words(e: &anchor_lang::error::Error) -> String {
    match e {
        anchor_lang::error::Error::AnchorError(a) => format!("{}: {}", a.error_name, a.error_msg),
        anchor_lang::error::Error::ProgramError(p) => p.program_error.to_string(),
    }
}
