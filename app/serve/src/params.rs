//! Request parameters and errors. Solana's JSON-RPC takes positional parameters (an array, the
//! last one usually a configuration object); errors carry the codes and messages a validator
//! answers with, from the RPC crates where they define them (`RpcCustomError`).

use jsonrpsee::types::{ErrorObject, ErrorObjectOwned, Params};
use serde::de::DeserializeOwned;
use serde_json::Value;
use solana_rpc_client_api::custom_error::RpcCustomError;
use solana_sdk::clock::Slot;
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;

pub type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// `-32602 Invalid params`, the validator's code for every malformed argument.
pub fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(-32602, message.into(), None::<()>)
}

/// `-32600 Invalid request`.
pub fn invalid_request(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(-32600, message.into(), None::<()>)
}

/// `-32603 Internal error`.
pub fn internal(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(-32603, message.into(), None::<()>)
}

/// One of the validator's own errors (`-32001` to `-32019`), with its message and data as the
/// RPC crate defines them.
pub fn custom(error: RpcCustomError) -> ErrorObjectOwned {
    let error: jsonrpc_core::Error = error.into();
    let code = i32::try_from(error.code.code()).unwrap_or(-32603);
    ErrorObject::owned(code, error.message, error.data)
}

/// The ledger file could not be read or written.
pub fn ledger(error: spice_sdk::ledger::LedgerError) -> ErrorObjectOwned {
    internal(error.to_string())
}

/// A request's positional parameters.
pub struct Args {
    values: Vec<Value>,
}

impl Args {
    /// The parameters of a method taking at most `max` of them.
    pub fn new(params: &Params, max: usize) -> RpcResult<Self> {
        let values = match params.as_str() {
            None => vec![],
            Some(raw) => match serde_json::from_str::<Value>(raw)
                .map_err(|e| invalid_params(format!("Invalid params: {e}")))?
            {
                Value::Array(values) => values,
                Value::Null => vec![],
                _ => {
                    return Err(invalid_params(
                        "Invalid params: expected an array of parameters",
                    ))
                }
            },
        };
        if values.len() > max {
            return Err(invalid_params(format!(
                "Invalid params: expected at most {max} parameters, got {}",
                values.len()
            )));
        }
        Ok(Self { values })
    }

    /// Parameter `i`, which must be there.
    pub fn required<T: DeserializeOwned>(&self, i: usize, what: &str) -> RpcResult<T> {
        let value = self
            .values
            .get(i)
            .filter(|v| !v.is_null())
            .ok_or_else(|| invalid_params(format!("Invalid params: missing {what}")))?;
        serde_json::from_value(value.clone())
            .map_err(|e| invalid_params(format!("Invalid params: {what}: {e}")))
    }

    /// Parameter `i` if given (`null` counts as not given).
    pub fn optional<T: DeserializeOwned>(&self, i: usize, what: &str) -> RpcResult<Option<T>> {
        match self.values.get(i) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => serde_json::from_value(value.clone())
                .map(Some)
                .map_err(|e| invalid_params(format!("Invalid params: {what}: {e}"))),
        }
    }

    /// Parameter `i`, an address.
    pub fn pubkey(&self, i: usize) -> RpcResult<Pubkey> {
        parse_pubkey(&self.required::<String>(i, "an address (base-58)")?)
    }

    /// Parameter `i`, a transaction signature.
    pub fn signature(&self, i: usize) -> RpcResult<Signature> {
        parse_signature(&self.required::<String>(i, "a signature (base-58)")?)
    }
}

/// An address, as the validator parses it.
pub fn parse_pubkey(text: &str) -> RpcResult<Pubkey> {
    text.parse()
        .map_err(|e| invalid_params(format!("Invalid param: {e:?}")))
}

/// A signature, as the validator parses it.
pub fn parse_signature(text: &str) -> RpcResult<Signature> {
    text.parse()
        .map_err(|e| invalid_params(format!("Invalid param: {e:?}")))
}

/// Refuses a request asking for a slot the chain has not reached (`minContextSlot`).
pub fn check_min_context_slot(min: Option<Slot>, slot: Slot) -> RpcResult<()> {
    match min {
        Some(min) if min > slot => Err(custom(RpcCustomError::MinContextSlotNotReached {
            context_slot: slot,
        })),
        _ => Ok(()),
    }
}
