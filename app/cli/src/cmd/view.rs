//! Text and JSON views of accounts (placeholder).
