//! Histories from a Tessera indexer's read API (`GET /addresses/{address}/history`) instead of
//! the RPC: the same [`Landed`] records [`crate::Chain::history`] gives, so statements can come
//! from the indexer when one is configured (one paged HTTP read instead of a `getTransaction`
//! per transaction).

use anchor_lang::event::EVENT_IX_TAG_LE;
use serde::Deserialize;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;

use crate::chain::Landed;
use crate::error::ClientError;
use crate::events::TesseraEvent;

#[derive(Deserialize)]
struct RawEvent {
    signature: String,
    block_time: i64,
    raw: String,
}

#[derive(Deserialize)]
struct RawPage {
    items: Vec<RawEvent>,
    next_page: Option<u32>,
}

/// Every transaction with an event naming `address`, oldest first, as the indexer at `base`
/// (`http://host:port`) holds them.
pub async fn history(base: &str, address: &Pubkey) -> Result<Vec<Landed>, ClientError> {
    let http = reqwest::Client::new();
    let base = base.trim_end_matches('/');
    let failed = |reason: String| ClientError::Indexer {
        url: base.to_string(),
        reason,
    };
    let mut out: Vec<Landed> = Vec::new();
    let mut page = Some(0u32);
    while let Some(n) = page {
        let url = format!("{base}/addresses/{address}/history?limit=100&page={n}");
        let response = http
            .get(&url)
            .send()
            .await
            .map_err(|e| failed(in_words(&e)))?;
        if !response.status().is_success() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            return Err(failed(match body.is_empty() {
                true => format!("it answered {status} (is it a Tessera indexer's read API?)"),
                false => format!("it answered {status}: {body}"),
            }));
        }
        let body: RawPage = response.json().await.map_err(|e| failed(in_words(&e)))?;
        for e in body.items {
            append(&mut out, e).map_err(failed)?;
        }
        page = body.next_page;
    }
    Ok(out)
}

/// What a failed request to the indexer means, in words.
fn in_words(e: &reqwest::Error) -> String {
    if e.is_builder() {
        "not an http(s) URL like http://127.0.0.1:8910".into()
    } else if e.is_connect() || e.is_timeout() {
        "cannot reach it (connection refused, host unknown or timed out)".into()
    } else if e.is_decode() {
        "it did not answer as a Tessera indexer".into()
    } else {
        e.to_string()
    }
}

/// Adds `e` to the transaction it belongs to (the last one, or a new one).
fn append(out: &mut Vec<Landed>, e: RawEvent) -> Result<(), String> {
    let bad = |what: &str| format!("it sent {what}");
    let signature: Signature = e.signature.parse().map_err(|_| bad("a bad signature"))?;
    let bytes = hex(&e.raw).ok_or_else(|| bad("an event that is not hex"))?;
    let event = TesseraEvent::decode(&[EVENT_IX_TAG_LE, &bytes].concat());
    if out.last().map(|l| l.signature) != Some(signature) {
        out.push(Landed {
            signature,
            block_time: e.block_time,
            failed: false,
            events: Vec::new(),
        });
    }
    if let (Some(last), Some(event)) = (out.last_mut(), event) {
        last.events.push(event);
    }
    Ok(())
}

fn hex(text: &str) -> Option<Vec<u8>> {
    text.len().is_multiple_of(2).then_some(())?;
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_group_by_transaction_and_unknown_ones_are_skipped() {
        let settled = tessera::events::PausedSet {
            was_paused: false,
            paused: true,
        };
        let raw = anchor_lang::Event::data(&settled);
        let hex_of = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let sig = Signature::from([1; 64]).to_string();
        let mut out = Vec::new();
        for raw in [hex_of(&raw), hex_of(&[9; 12]), hex_of(&raw)] {
            let e = RawEvent {
                signature: sig.clone(),
                block_time: 7,
                raw,
            };
            append(&mut out, e).unwrap();
        }
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].events.len(), 2);
        assert_eq!(hex("0aFF"), Some(vec![10, 255]));
        assert_eq!(hex("abc"), None);
    }
}
