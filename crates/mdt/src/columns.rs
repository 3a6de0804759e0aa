//! How rows become records: [`from_row!`] implements `sqlx::FromRow` for a record from
//! one entry per field, so that queries read records with `query_as` and no row is mapped
//! by hand; and two kinds of stored column decode into the fields they stand for: a text
//! column holding one entry per line (risk reasons, care-plan goals) and an integer 0/1
//! flag (both backends store booleans as integers).
//!
//! A macro rather than sqlx's derive: the derive's conversions need sqlx's `macros`
//! feature, which builds both database drivers and SQLite a second time for the compiler.

use sqlx::any::{Any, AnyTypeInfo, AnyValueRef};
use sqlx::decode::Decode;
use sqlx::error::BoxDynError;
use sqlx::types::Type;

/// A text column with one entry per line; blank lines and surrounding spaces are dropped.
pub(crate) struct Lines(String);

impl Lines {
    /// The entries of a text with one per line.
    pub(crate) fn split(text: &str) -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

impl From<Lines> for Vec<String> {
    fn from(lines: Lines) -> Vec<String> {
        Lines::split(&lines.0)
    }
}

/// An integer column holding 0 or 1.
pub(crate) struct Flag(i64);

impl From<Flag> for bool {
    fn from(flag: Flag) -> bool {
        flag.0 != 0
    }
}

/// Decodes a column wrapper as the type it wraps: both backends store it as that type.
macro_rules! decoded_as {
    ($wrapper:ident($stored:ty)) => {
        impl<'r> Decode<'r, Any> for $wrapper {
            fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok($wrapper(<$stored as Decode<'r, Any>>::decode(value)?))
            }
        }

        impl Type<Any> for $wrapper {
            fn type_info() -> AnyTypeInfo {
                <$stored as Type<Any>>::type_info()
            }

            fn compatible(ty: &AnyTypeInfo) -> bool {
                <$stored as Type<Any>>::compatible(ty)
            }
        }
    };
}

decoded_as!(Lines(String));
decoded_as!(Flag(i64));

/// Implements `sqlx::FromRow` for a record read through the `Any` driver, one entry per
/// field: `field` reads the column of that name; `field = "column"` another column;
/// `field as Via` decodes the column as `Via` and converts it (`Lines`, `Flag`); and
/// `field => expression` computes the field from the row, named by `|row|`.
macro_rules! from_row {
    ($record:ident |$row:ident| {
        $($field:ident $(= $column:literal)? $(as $via:ty)? $(=> $value:expr)?),* $(,)?
    }) => {
        impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for $record {
            fn from_row($row: &'r sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
                Ok($record {
                    $($field: $crate::columns::from_row!(
                        @value $row, $field, [$($column)?], [$($via)?], [$($value)?]
                    ),)*
                })
            }
        }
    };
    (@value $row:ident, $field:ident, [], [], []) => {
        sqlx::Row::try_get($row, stringify!($field))?
    };
    (@value $row:ident, $field:ident, [$column:literal], [], []) => {
        sqlx::Row::try_get($row, $column)?
    };
    (@value $row:ident, $field:ident, [], [$via:ty], []) => {
        sqlx::Row::try_get::<$via, _>($row, stringify!($field))?.into()
    };
    (@value $row:ident, $field:ident, [$column:literal], [$via:ty], []) => {
        sqlx::Row::try_get::<$via, _>($row, $column)?.into()
    };
    (@value $row:ident, $field:ident, [], [], [$value:expr]) => {
        $value
    };
}
pub(crate) use from_row;
