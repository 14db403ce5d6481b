//! Borsh layouts of the IDL's types: names as Rust writes them, sizes, and field offsets.
//!
//! An Anchor account is its 8-byte discriminator followed by the Borsh encoding of its fields
//! in declaration order. Fixed-size types have one size; `Option<T>` takes 1 byte for `None`
//! and `1 + size(T)` for `Some`, `String` and `Vec<T>` a 4-byte length and then their
//! contents, so offsets are fixed only up to the first such field.

use std::collections::BTreeMap;

use anchor_lang_idl::types::{
    IdlArrayLen, IdlDefinedFields, IdlField, IdlGenericArg, IdlType, IdlTypeDef, IdlTypeDefTy,
};

/// The IDL's defined types, by name.
pub struct Types<'a> {
    by_name: BTreeMap<&'a str, &'a IdlTypeDef>,
}

/// The largest encoding of a type whose strings and vectors are counted apart: `bytes` for
/// everything else at its largest, and how many strings or vectors it holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaxSize {
    pub bytes: usize,
    pub unbounded: usize,
}

impl MaxSize {
    fn add(self, other: MaxSize) -> MaxSize {
        MaxSize {
            bytes: self.bytes + other.bytes,
            unbounded: self.unbounded + other.unbounded,
        }
    }
}

impl<'a> Types<'a> {
    pub fn new(types: &'a [IdlTypeDef]) -> Self {
        Self {
            by_name: types.iter().map(|t| (t.name.as_str(), t)).collect(),
        }
    }

    /// The definition of `name`, if the IDL has it.
    pub fn get(&self, name: &str) -> Option<&'a IdlTypeDef> {
        self.by_name.get(name).copied()
    }

    /// The fields of a struct type (empty for anything else).
    pub fn struct_fields(&self, def: &'a IdlTypeDef) -> Vec<&'a IdlField> {
        match &def.ty {
            IdlTypeDefTy::Struct {
                fields: Some(IdlDefinedFields::Named(fields)),
            } => fields.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// The size of every encoding of `ty`, if they all have the same size.
    pub fn fixed_size(&self, ty: &IdlType) -> Option<usize> {
        match ty {
            IdlType::Bool | IdlType::U8 | IdlType::I8 => Some(1),
            IdlType::U16 | IdlType::I16 => Some(2),
            IdlType::U32 | IdlType::I32 | IdlType::F32 => Some(4),
            IdlType::U64 | IdlType::I64 | IdlType::F64 => Some(8),
            IdlType::U128 | IdlType::I128 => Some(16),
            IdlType::U256 | IdlType::I256 | IdlType::Pubkey => Some(32),
            IdlType::Array(inner, IdlArrayLen::Value(n)) => Some(self.fixed_size(inner)? * n),
            IdlType::Defined { name, .. } => self.fixed_size_of_def(self.get(name)?),
            _ => None,
        }
    }

    fn fixed_size_of_def(&self, def: &IdlTypeDef) -> Option<usize> {
        match &def.ty {
            IdlTypeDefTy::Struct { fields } => self.fields_fixed_size(fields.as_ref()),
            IdlTypeDefTy::Enum { variants } => {
                let sizes: Option<Vec<usize>> = variants
                    .iter()
                    .map(|v| self.fields_fixed_size(v.fields.as_ref()))
                    .collect();
                let sizes = sizes?;
                let first = sizes.first().copied().unwrap_or(0);
                // Borsh writes the variant's index (one byte), then its fields.
                sizes.iter().all(|s| *s == first).then_some(1 + first)
            }
            IdlTypeDefTy::Type { alias } => self.fixed_size(alias),
        }
    }

    fn fields_fixed_size(&self, fields: Option<&IdlDefinedFields>) -> Option<usize> {
        match fields {
            None => Some(0),
            Some(IdlDefinedFields::Named(fields)) => {
                fields.iter().map(|f| self.fixed_size(&f.ty)).sum()
            }
            Some(IdlDefinedFields::Tuple(types)) => types.iter().map(|t| self.fixed_size(t)).sum(),
        }
    }

    /// The largest encoding of `ty`, strings and vectors counted apart (their length prefix
    /// and contents are not in `bytes`). `None` for what this module cannot size (generics).
    pub fn max_size(&self, ty: &IdlType) -> Option<MaxSize> {
        if let Some(bytes) = self.fixed_size(ty) {
            return Some(MaxSize {
                bytes,
                unbounded: 0,
            });
        }
        match ty {
            IdlType::Option(inner) => {
                let inner = self.max_size(inner)?;
                Some(MaxSize {
                    bytes: 1 + inner.bytes,
                    ..inner
                })
            }
            IdlType::String | IdlType::Bytes | IdlType::Vec(_) => Some(MaxSize {
                bytes: 0,
                unbounded: 1,
            }),
            IdlType::Array(inner, IdlArrayLen::Value(n)) => {
                let inner = self.max_size(inner)?;
                Some(MaxSize {
                    bytes: inner.bytes * n,
                    unbounded: inner.unbounded * n,
                })
            }
            IdlType::Defined { name, .. } => {
                let def = self.get(name)?;
                match &def.ty {
                    IdlTypeDefTy::Struct { fields } => self.fields_max_size(fields.as_ref()),
                    IdlTypeDefTy::Enum { variants } => {
                        let mut largest = MaxSize::default();
                        for v in variants {
                            let size = self.fields_max_size(v.fields.as_ref())?;
                            largest.bytes = largest.bytes.max(size.bytes);
                            largest.unbounded = largest.unbounded.max(size.unbounded);
                        }
                        Some(MaxSize {
                            bytes: 1 + largest.bytes,
                            ..largest
                        })
                    }
                    IdlTypeDefTy::Type { alias } => self.max_size(alias),
                }
            }
            _ => None,
        }
    }

    fn fields_max_size(&self, fields: Option<&IdlDefinedFields>) -> Option<MaxSize> {
        let types: Vec<&IdlType> = match fields {
            None => Vec::new(),
            Some(IdlDefinedFields::Named(fields)) => fields.iter().map(|f| &f.ty).collect(),
            Some(IdlDefinedFields::Tuple(types)) => types.iter().collect(),
        };
        types.into_iter().try_fold(MaxSize::default(), |acc, t| {
            Some(acc.add(self.max_size(t)?))
        })
    }

    /// The encoded size of `ty` in words: a number when fixed, else how it varies.
    pub fn size_text(&self, ty: &IdlType) -> String {
        if let Some(n) = self.fixed_size(ty) {
            return n.to_string();
        }
        match ty {
            IdlType::Option(inner) => match self.fixed_size(inner) {
                Some(n) => format!("1 or {}", 1 + n),
                None => "1 or more".to_string(),
            },
            IdlType::String | IdlType::Bytes => "4 + len".to_string(),
            IdlType::Vec(inner) => match self.fixed_size(inner) {
                Some(n) => format!("4 + {n} × len"),
                None => "4 + …".to_string(),
            },
            _ => "variable".to_string(),
        }
    }

    /// Offsets of `fields` from `start`: `Some` while every field before is fixed-size.
    pub fn offsets(&self, start: usize, fields: &[&IdlField]) -> Vec<Option<usize>> {
        let mut at = Some(start);
        fields
            .iter()
            .map(|f| {
                let here = at;
                at = match (at, self.fixed_size(&f.ty)) {
                    (Some(a), Some(n)) => Some(a + n),
                    _ => None,
                };
                here
            })
            .collect()
    }
}

/// `ty` as Rust writes it (`Option<Pubkey>`, `[u64; 16]`, `NetworkParams`).
pub fn type_name(ty: &IdlType) -> String {
    match ty {
        IdlType::Bool => "bool".into(),
        IdlType::U8 => "u8".into(),
        IdlType::I8 => "i8".into(),
        IdlType::U16 => "u16".into(),
        IdlType::I16 => "i16".into(),
        IdlType::U32 => "u32".into(),
        IdlType::I32 => "i32".into(),
        IdlType::F32 => "f32".into(),
        IdlType::U64 => "u64".into(),
        IdlType::I64 => "i64".into(),
        IdlType::F64 => "f64".into(),
        IdlType::U128 => "u128".into(),
        IdlType::I128 => "i128".into(),
        IdlType::U256 => "u256".into(),
        IdlType::I256 => "i256".into(),
        IdlType::Bytes => "Vec<u8>".into(),
        IdlType::String => "String".into(),
        IdlType::Pubkey => "Pubkey".into(),
        IdlType::Option(inner) => format!("Option<{}>", type_name(inner)),
        IdlType::Vec(inner) => format!("Vec<{}>", type_name(inner)),
        IdlType::Array(inner, IdlArrayLen::Value(n)) => format!("[{}; {n}]", type_name(inner)),
        IdlType::Array(inner, IdlArrayLen::Generic(n)) => format!("[{}; {n}]", type_name(inner)),
        IdlType::Defined { name, generics } if generics.is_empty() => name.clone(),
        IdlType::Defined { name, generics } => {
            let args: Vec<String> = generics
                .iter()
                .map(|g| match g {
                    IdlGenericArg::Type { ty } => type_name(ty),
                    IdlGenericArg::Const { value } => value.clone(),
                })
                .collect();
            format!("{name}<{}>", args.join(", "))
        }
        IdlType::Generic(name) => name.clone(),
        other => format!("{other:?}"),
    }
}

/// The names of the defined types `ty` mentions.
pub fn defined_names(ty: &IdlType, out: &mut Vec<String>) {
    match ty {
        IdlType::Option(inner) | IdlType::Vec(inner) | IdlType::Array(inner, _) => {
            defined_names(inner, out)
        }
        IdlType::Defined { name, generics } => {
            out.push(name.clone());
            for g in generics {
                if let IdlGenericArg::Type { ty } = g {
                    defined_names(ty, out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang_idl::types::IdlEnumVariant;

    fn field(name: &str, ty: IdlType) -> IdlField {
        IdlField {
            name: name.into(),
            docs: vec![],
            ty,
        }
    }

    fn def(name: &str, ty: IdlTypeDefTy) -> IdlTypeDef {
        IdlTypeDef {
            name: name.into(),
            docs: vec![],
            serialization: Default::default(),
            repr: None,
            generics: vec![],
            ty,
        }
    }

    fn defined(name: &str) -> IdlType {
        IdlType::Defined {
            name: name.into(),
            generics: vec![],
        }
    }

    fn types() -> Vec<IdlTypeDef> {
        vec![
            def(
                "Unit",
                IdlTypeDefTy::Enum {
                    variants: vec![
                        IdlEnumVariant {
                            name: "A".into(),
                            fields: None,
                        },
                        IdlEnumVariant {
                            name: "B".into(),
                            fields: None,
                        },
                    ],
                },
            ),
            def(
                "Inner",
                IdlTypeDefTy::Struct {
                    fields: Some(IdlDefinedFields::Named(vec![
                        field("a", IdlType::U16),
                        field(
                            "b",
                            IdlType::Array(Box::new(IdlType::U64), IdlArrayLen::Value(3)),
                        ),
                    ])),
                },
            ),
            def(
                "WithString",
                IdlTypeDefTy::Struct {
                    fields: Some(IdlDefinedFields::Named(vec![
                        field("s", IdlType::String),
                        field("k", IdlType::Pubkey),
                    ])),
                },
            ),
        ]
    }

    #[test]
    fn fixed_and_largest_sizes() {
        let defs = types();
        let t = Types::new(&defs);
        assert_eq!(t.fixed_size(&defined("Unit")), Some(1));
        assert_eq!(t.fixed_size(&defined("Inner")), Some(26));
        assert_eq!(t.fixed_size(&defined("WithString")), None);
        assert_eq!(
            t.fixed_size(&IdlType::Option(Box::new(IdlType::Pubkey))),
            None
        );
        assert_eq!(
            t.max_size(&IdlType::Option(Box::new(defined("Inner")))),
            Some(MaxSize {
                bytes: 27,
                unbounded: 0
            })
        );
        assert_eq!(
            t.max_size(&defined("WithString")),
            Some(MaxSize {
                bytes: 32,
                unbounded: 1
            })
        );
        assert_eq!(
            t.size_text(&IdlType::Option(Box::new(IdlType::Pubkey))),
            "1 or 33"
        );
        assert_eq!(t.size_text(&IdlType::String), "4 + len");
    }

    #[test]
    fn offsets_stop_at_the_first_variable_field() {
        let defs = types();
        let t = Types::new(&defs);
        let fields = [
            field("a", IdlType::U8),
            field("b", defined("Inner")),
            field("c", IdlType::Option(Box::new(IdlType::U8))),
            field("d", IdlType::U8),
        ];
        let refs: Vec<&IdlField> = fields.iter().collect();
        assert_eq!(t.offsets(8, &refs), vec![Some(8), Some(9), Some(35), None]);
    }

    #[test]
    fn rust_names() {
        assert_eq!(
            type_name(&IdlType::Option(Box::new(defined("NetworkParams")))),
            "Option<NetworkParams>"
        );
        assert_eq!(
            type_name(&IdlType::Array(
                Box::new(IdlType::U8),
                IdlArrayLen::Value(32)
            )),
            "[u8; 32]"
        );
    }
}
