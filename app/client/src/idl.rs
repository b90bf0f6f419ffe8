//! Events as JSON, decoded from their Borsh bytes with the program's IDL (`idl/tessera.json`),
//! so every event the program has, and every one it gains, is read with its field names (the
//! indexer stores them so; [`crate::events::TesseraEvent`] is the typed view of the same bytes).

use std::collections::HashMap;

use serde_json::{json, Map, Value};

/// The IDL's event and type definitions.
pub struct Idl {
    /// Event name by its 8-byte discriminator.
    events: HashMap<[u8; 8], String>,
    /// Type definitions by name.
    types: HashMap<String, Value>,
}

/// Bytes that do not decode as the IDL says.
#[derive(Debug, thiserror::Error)]
#[error("event data does not match the IDL: {0}")]
pub struct DecodeError(String);

impl Idl {
    /// The committed IDL of this build.
    pub fn tessera() -> Self {
        Self::parse(include_str!("../../../idl/tessera.json")).unwrap_or(Self {
            events: HashMap::new(),
            types: HashMap::new(),
        })
    }

    /// Reads an Anchor IDL's events and types.
    pub fn parse(text: &str) -> Option<Self> {
        let idl: Value = serde_json::from_str(text).ok()?;
        let events = idl["events"]
            .as_array()?
            .iter()
            .filter_map(|e| {
                let d: Vec<u8> = serde_json::from_value(e["discriminator"].clone()).ok()?;
                Some((d.try_into().ok()?, e["name"].as_str()?.to_string()))
            })
            .collect();
        let types = idl["types"]
            .as_array()?
            .iter()
            .filter_map(|t| Some((t["name"].as_str()?.to_string(), t["type"].clone())))
            .collect();
        Some(Self { events, types })
    }

    /// `(name, fields)` of an event body (discriminator first, without Anchor's event tag).
    pub fn decode_event(&self, body: &[u8]) -> Result<(String, Value), DecodeError> {
        let disc: [u8; 8] = body
            .get(..8)
            .and_then(|d| d.try_into().ok())
            .ok_or_else(|| DecodeError("shorter than a discriminator".into()))?;
        let name = self
            .events
            .get(&disc)
            .ok_or_else(|| DecodeError("unknown event discriminator".into()))?;
        let mut rest = &body[8..];
        let value = self.defined(name, &mut rest)?;
        Ok((name.clone(), value))
    }

    fn defined(&self, name: &str, data: &mut &[u8]) -> Result<Value, DecodeError> {
        let def = self
            .types
            .get(name)
            .ok_or_else(|| DecodeError(format!("no type {name}")))?;
        match def["kind"].as_str() {
            Some("struct") => {
                let fields = def["fields"].as_array().map(Vec::as_slice).unwrap_or(&[]);
                // A tuple struct lists bare types; one field stands for itself (`Bps(u16)`).
                if fields.iter().all(|f| f.get("name").is_none()) {
                    let mut items = fields
                        .iter()
                        .map(|ty| self.value(ty, data))
                        .collect::<Result<Vec<_>, _>>()?;
                    return Ok(match items.len() {
                        1 => items.remove(0),
                        _ => Value::Array(items),
                    });
                }
                let mut out = Map::new();
                for field in fields {
                    let key = field["name"].as_str().unwrap_or("").to_string();
                    out.insert(key, self.value(&field["type"], data)?);
                }
                Ok(Value::Object(out))
            }
            Some("enum") => {
                let variant = usize::from(take(data, 1)?[0]);
                let variants = def["variants"].as_array().map(Vec::as_slice).unwrap_or(&[]);
                let v = variants
                    .get(variant)
                    .ok_or_else(|| DecodeError(format!("{name} has no variant {variant}")))?;
                Ok(json!(v["name"].as_str().unwrap_or("")))
            }
            _ => Err(DecodeError(format!("unsupported kind of {name}"))),
        }
    }

    fn value(&self, ty: &Value, data: &mut &[u8]) -> Result<Value, DecodeError> {
        let int = |bytes: &[u8]| -> u128 {
            bytes
                .iter()
                .rev()
                .fold(0u128, |n, b| (n << 8) | u128::from(*b))
        };
        Ok(match ty {
            Value::String(t) => match t.as_str() {
                "bool" => json!(take(data, 1)?[0] != 0),
                "u8" => json!(take(data, 1)?[0]),
                "u16" => json!(int(take(data, 2)?) as u16),
                "u32" => json!(int(take(data, 4)?) as u32),
                // 64- and 128-bit integers as strings: JSON numbers lose precision past 2^53.
                "u64" => json!((int(take(data, 8)?) as u64).to_string()),
                "i64" => json!((int(take(data, 8)?) as u64 as i64).to_string()),
                "u128" => json!(int(take(data, 16)?).to_string()),
                "pubkey" => {
                    let bytes: [u8; 32] = take(data, 32)?
                        .try_into()
                        .map_err(|_| DecodeError("ends early".into()))?;
                    json!(solana_sdk::pubkey::Pubkey::new_from_array(bytes).to_string())
                }
                "string" => {
                    let len = int(take(data, 4)?) as usize;
                    json!(String::from_utf8_lossy(take(data, len)?))
                }
                other => return Err(DecodeError(format!("unsupported type {other}"))),
            },
            Value::Object(o) if o.contains_key("defined") => {
                let name = ty["defined"]["name"].as_str().unwrap_or("");
                self.defined(name, data)?
            }
            Value::Object(o) if o.contains_key("option") => match take(data, 1)?[0] {
                0 => Value::Null,
                _ => self.value(&ty["option"], data)?,
            },
            Value::Object(o) if o.contains_key("array") => {
                let (item, len) = (&ty["array"][0], ty["array"][1].as_u64().unwrap_or(0));
                if item == "u8" {
                    let bytes = take(data, len as usize)?;
                    json!(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
                } else {
                    let items: Result<Vec<Value>, _> =
                        (0..len).map(|_| self.value(item, data)).collect();
                    Value::Array(items?)
                }
            }
            other => return Err(DecodeError(format!("unsupported type {other}"))),
        })
    }
}

fn take<'a>(data: &mut &'a [u8], n: usize) -> Result<&'a [u8], DecodeError> {
    if data.len() < n {
        return Err(DecodeError("ends early".into()));
    }
    let (head, rest) = data.split_at(n);
    *data = rest;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::Event;

    #[test]
    fn an_event_decodes_with_the_idl_field_names() {
        let lease = solana_sdk::pubkey::Pubkey::new_unique();
        let event = tessera::events::ChargeSettled {
            lease,
            amount: 1_000_000,
            protocol_fee: 50_000,
            operator_fee: 95_000,
            investors: 855_000,
        };
        let (name, fields) = Idl::tessera().decode_event(&event.data()).expect("decodes");
        assert_eq!(name, "ChargeSettled");
        assert_eq!(fields["lease"], lease.to_string());
        assert_eq!(fields["amount"], "1000000");
        assert_eq!(fields["investors"], "855000");
        assert!(Idl::tessera().decode_event(&event.data()[..20]).is_err());
        // A tuple struct (`Bps(u16)`) inside a struct inside the event.
        let pool = tessera::events::PoolCreated {
            pool: lease,
            operator: lease,
            pool_id: 7,
            share_mint: lease,
            vault: lease,
            operator_fee_bps: tessera::math::Bps::new(1_000).expect("in range"),
            credit_limit: 0,
        };
        let (_, fields) = Idl::tessera().decode_event(&pool.data()).expect("decodes");
        assert_eq!(fields["operator_fee_bps"], 1_000);
        assert_eq!(fields["pool_id"], "7");
    }
}
