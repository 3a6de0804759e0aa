//! The eleven tables of the canonical dataset: their columns, types, nullability and the
//! rule each column's values obey. The Arrow schema of a table is derived from this one
//! description, and so are the checks that `accord-dataset` runs on every file.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::vocabulary::{Condition, EthnicGroup, ProviderKind, Setting, Sex, Vocabulary};

/// A table of the canonical dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// Everyone registered at some time in the extract: sex, birth, death, ethnicity, area.
    Person,
    /// Spells of registration with a practice.
    Registration,
    /// Long-term conditions: each one's onset, and its resolution where there is one.
    Condition,
    /// Contacts and packages of care in every setting, with their cost.
    Activity,
    /// Measurements recorded for a person on a date, each with its value.
    Observation,
    /// Answers to the partnership's surveys.
    SurveyResponse,
    /// GP practices and their networks.
    Practice,
    /// Primary care networks and their localities.
    Network,
    /// Localities.
    Locality,
    /// Providers of care.
    Provider,
    /// Discussions of people at multidisciplinary team meetings.
    MdtDiscussion,
}

/// The storage type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Opaque 64-bit keys.
    UInt64,
    /// Small unsigned codes (IMD decile).
    UInt8,
    /// Small signed scores (survey score).
    Int8,
    /// Money and measurements.
    Float64,
    /// A calendar date (Arrow `Date32`).
    Date,
    /// UTF-8 text.
    Text,
}

impl ColumnType {
    /// The Arrow type this column is stored as.
    pub fn data_type(self) -> DataType {
        match self {
            ColumnType::UInt64 => DataType::UInt64,
            ColumnType::UInt8 => DataType::UInt8,
            ColumnType::Int8 => DataType::Int8,
            ColumnType::Float64 => DataType::Float64,
            ColumnType::Date => DataType::Date32,
            ColumnType::Text => DataType::Utf8,
        }
    }
}

/// What a column's non-null values must satisfy, beyond their type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnRule {
    /// Any value of the type.
    Any,
    /// Unique within the table: the table's key.
    Key,
    /// One of a closed vocabulary's codes.
    Vocabulary(VocabularyName),
    /// An integer in an inclusive range.
    Range {
        /// The least allowed.
        min: i64,
        /// The most allowed.
        max: i64,
    },
    /// A finite amount from zero to `max` (costs: one row's cost above £10 million is an
    /// error of entry or of units, and sums of such values overflow).
    Amount {
        /// The most allowed, in the column's unit.
        max: i64,
    },
    /// A person's birth month: on or before the extract date.
    Birth,
    /// A person's death: on or after the same row's `birth_month`, on or before the extract
    /// date.
    Death,
    /// The day something happened to a person: on or after their birth month, on or before
    /// their death, and on or before the extract date (rows without a person: the extract
    /// date only).
    InLife,
    /// A value of another table's key column (checked when that table is present).
    References(Table),
    /// A date on or after the date in the named column of the same row.
    NotBefore(&'static str),
}

impl ColumnRule {
    /// The column of the same row that this date may not come before.
    pub fn not_before(self) -> Option<&'static str> {
        match self {
            ColumnRule::NotBefore(other) => Some(other),
            ColumnRule::Death => Some("birth_month"),
            _ => None,
        }
    }

    /// Must this date fall on or before the dataset's extract date?
    pub fn by_extract_date(self) -> bool {
        matches!(
            self,
            ColumnRule::Birth | ColumnRule::Death | ColumnRule::InLife
        )
    }
}

/// The closed vocabularies that columns can be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VocabularyName {
    /// [`Setting`].
    Setting,
    /// [`Condition`].
    Condition,
    /// [`Sex`].
    Sex,
    /// [`EthnicGroup`].
    EthnicGroup,
    /// [`ProviderKind`].
    ProviderKind,
}

impl VocabularyName {
    /// Is `code` a member of this vocabulary?
    pub fn contains(self, code: &str) -> bool {
        match self {
            VocabularyName::Setting => Setting::from_code(code).is_some(),
            VocabularyName::Condition => Condition::from_code(code).is_some(),
            VocabularyName::Sex => Sex::from_code(code).is_some(),
            VocabularyName::EthnicGroup => EthnicGroup::from_code(code).is_some(),
            VocabularyName::ProviderKind => ProviderKind::from_code(code).is_some(),
        }
    }

    /// The allowed codes, comma-separated, for error messages.
    pub fn allowed_codes(self) -> String {
        match self {
            VocabularyName::Setting => Setting::allowed_codes(),
            VocabularyName::Condition => Condition::allowed_codes(),
            VocabularyName::Sex => Sex::allowed_codes(),
            VocabularyName::EthnicGroup => EthnicGroup::allowed_codes(),
            VocabularyName::ProviderKind => ProviderKind::allowed_codes(),
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The column's name in Parquet and SQL.
    pub name: &'static str,
    /// Its Arrow type.
    pub column_type: ColumnType,
    /// Whether it may be empty.
    pub nullable: bool,
    /// What its values must satisfy.
    pub rule: ColumnRule,
}

const fn required(name: &'static str, column_type: ColumnType, rule: ColumnRule) -> Column {
    Column {
        name,
        column_type,
        nullable: false,
        rule,
    }
}

const fn optional(name: &'static str, column_type: ColumnType, rule: ColumnRule) -> Column {
    Column {
        name,
        column_type,
        nullable: true,
        rule,
    }
}

use ColumnRule::{Amount, Any, Birth, Death, InLife, Key, NotBefore, Range, References};

/// The largest cost of one row, in pounds.
pub const MAX_COST_GBP: i64 = 10_000_000;
use ColumnType::{Date, Float64, Int8, Text, UInt8, UInt64};

const PERSON: &[Column] = &[
    required("person_id", UInt64, Key),
    required("sex", Text, ColumnRule::Vocabulary(VocabularyName::Sex)),
    required("birth_month", Date, Birth),
    optional("death_date", Date, Death),
    required(
        "ethnic_group",
        Text,
        ColumnRule::Vocabulary(VocabularyName::EthnicGroup),
    ),
    required("lsoa", Text, Any),
    required("imd_decile", UInt8, Range { min: 1, max: 10 }),
];

const REGISTRATION: &[Column] = &[
    required("person_id", UInt64, References(Table::Person)),
    required("practice_code", Text, References(Table::Practice)),
    required("start_date", Date, InLife),
    optional("end_date", Date, NotBefore("start_date")),
];

const CONDITION: &[Column] = &[
    required("person_id", UInt64, References(Table::Person)),
    required(
        "condition",
        Text,
        ColumnRule::Vocabulary(VocabularyName::Condition),
    ),
    required("onset_date", Date, InLife),
    optional("resolved_date", Date, NotBefore("onset_date")),
    optional("source_code", Text, Any),
];

const ACTIVITY: &[Column] = &[
    required("activity_id", UInt64, Key),
    required("person_id", UInt64, References(Table::Person)),
    required(
        "setting",
        Text,
        ColumnRule::Vocabulary(VocabularyName::Setting),
    ),
    required("start_date", Date, InLife),
    optional("end_date", Date, NotBefore("start_date")),
    required("provider_code", Text, References(Table::Provider)),
    required("cost_gbp", Float64, Amount { max: MAX_COST_GBP }),
    optional("diagnosis", Text, Any),
    optional("detail", Text, Any),
];

const OBSERVATION: &[Column] = &[
    required("person_id", UInt64, References(Table::Person)),
    required("code", Text, Any),
    required("value", Float64, Any),
    required("date", Date, InLife),
];

const SURVEY_RESPONSE: &[Column] = &[
    optional("respondent_id", UInt64, Any),
    optional("person_id", UInt64, References(Table::Person)),
    required("survey", Text, Any),
    required("item", Text, Any),
    required("score", Int8, Range { min: 1, max: 5 }),
    required("date", Date, InLife),
    optional("practice_code", Text, References(Table::Practice)),
    optional("lsoa", Text, Any),
];

const PRACTICE: &[Column] = &[
    required("practice_code", Text, Key),
    required("name", Text, Any),
    // Not every practice belongs to a network (seed 004: 31 of 33 practices).
    optional("network_id", Text, References(Table::Network)),
    required("locality_id", Text, References(Table::Locality)),
];

const NETWORK: &[Column] = &[
    required("network_id", Text, Key),
    required("name", Text, Any),
    required("locality_id", Text, References(Table::Locality)),
];

const LOCALITY: &[Column] = &[
    required("locality_id", Text, Key),
    required("name", Text, Any),
];

const PROVIDER: &[Column] = &[
    required("provider_code", Text, Key),
    required("name", Text, Any),
    required(
        "kind",
        Text,
        ColumnRule::Vocabulary(VocabularyName::ProviderKind),
    ),
];

const MDT_DISCUSSION: &[Column] = &[
    required("person_id", UInt64, References(Table::Person)),
    required("network_id", Text, References(Table::Network)),
    required("meeting_date", Date, InLife),
    required("referral_source", Text, Any),
];

impl Table {
    /// Every table, in the order the manifest lists them.
    pub const ALL: [Table; 11] = [
        Table::Person,
        Table::Registration,
        Table::Condition,
        Table::Activity,
        Table::Observation,
        Table::SurveyResponse,
        Table::Practice,
        Table::Network,
        Table::Locality,
        Table::Provider,
        Table::MdtDiscussion,
    ];

    /// The table's name, which is also its folder's name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Person => "person",
            Table::Registration => "registration",
            Table::Condition => "condition",
            Table::Activity => "activity",
            Table::Observation => "observation",
            Table::SurveyResponse => "survey_response",
            Table::Practice => "practice",
            Table::Network => "network",
            Table::Locality => "locality",
            Table::Provider => "provider",
            Table::MdtDiscussion => "mdt_discussion",
        }
    }

    /// The table with this name, if any.
    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|table| table.name() == name)
    }

    /// Required tables must be present in every dataset; the others read as empty when
    /// absent.
    pub fn is_required(self) -> bool {
        matches!(
            self,
            Table::Person | Table::Registration | Table::Activity | Table::Practice
        )
    }

    /// The table's columns, in storage order.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Person => PERSON,
            Table::Registration => REGISTRATION,
            Table::Condition => CONDITION,
            Table::Activity => ACTIVITY,
            Table::Observation => OBSERVATION,
            Table::SurveyResponse => SURVEY_RESPONSE,
            Table::Practice => PRACTICE,
            Table::Network => NETWORK,
            Table::Locality => LOCALITY,
            Table::Provider => PROVIDER,
            Table::MdtDiscussion => MDT_DISCUSSION,
        }
    }

    /// The column with this name, if the table has one.
    pub fn column(self, name: &str) -> Option<&'static Column> {
        self.columns().iter().find(|column| column.name == name)
    }

    /// The table's key column, for tables that have one.
    pub fn key_column(self) -> Option<&'static Column> {
        self.columns().iter().find(|column| column.rule == Key)
    }

    /// The canonical Arrow schema of the table.
    pub fn schema(self) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns()
            .iter()
            .map(|c| Field::new(c.name, c.column_type.data_type(), c.nullable))
            .collect();
        Arc::new(Schema::new(fields))
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for table in Table::ALL {
            assert_eq!(Table::from_name(table.name()), Some(table));
        }
        assert_eq!(Table::from_name("people"), None);
    }

    #[test]
    fn dates_in_a_life_belong_to_tables_with_a_person() {
        for table in Table::ALL {
            for column in table.columns() {
                if column.rule.by_extract_date() {
                    assert_eq!(
                        column.column_type,
                        ColumnType::Date,
                        "{table}.{}",
                        column.name
                    );
                }
                if column.rule == InLife {
                    assert!(
                        table.column("person_id").is_some(),
                        "{table}.{}",
                        column.name
                    );
                }
            }
        }
    }

    #[test]
    fn references_point_at_tables_with_keys() {
        for table in Table::ALL {
            for column in table.columns() {
                if let References(target) = column.rule {
                    let key = target.key_column();
                    assert!(
                        key.is_some(),
                        "{table}.{} -> {target} has no key",
                        column.name
                    );
                    assert_eq!(key.map(|k| k.column_type), Some(column.column_type));
                }
                if let Some(other) = column.rule.not_before() {
                    assert!(
                        table.column(other).is_some(),
                        "{table}.{} -> {other}",
                        column.name
                    );
                }
            }
        }
    }

    #[test]
    fn activity_schema_matches_the_data_model() {
        let schema = Table::Activity.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(
            names,
            [
                "activity_id",
                "person_id",
                "setting",
                "start_date",
                "end_date",
                "provider_code",
                "cost_gbp",
                "diagnosis",
                "detail"
            ]
        );
        assert_eq!(schema.field(3).data_type(), &DataType::Date32);
        assert!(!schema.field(3).is_nullable());
        assert!(schema.field(4).is_nullable());
    }

    #[test]
    fn exactly_four_tables_are_required() {
        let required: Vec<_> = Table::ALL.into_iter().filter(|t| t.is_required()).collect();
        assert_eq!(
            required,
            [
                Table::Person,
                Table::Registration,
                Table::Activity,
                Table::Practice
            ]
        );
    }
}
