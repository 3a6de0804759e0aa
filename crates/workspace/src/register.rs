//! The illustrative contract register of a synthetic borough: its providers, valued for
//! its registered population, as the demo writes it beside the borough.

use std::path::Path;

use accord_contracts::Register;
use accord_dataset::{OutputKind, Shape, write_output_file};
use accord_model::Table;
use arrow_array::{Array, StringArray};

use crate::{Workspace, WorkspaceError};

/// A contract register as Accord writes it: CSV with the register's header.
pub const REGISTER_OUTPUT: OutputKind = OutputKind {
    name: "contract register (CSV)",
    shape: Shape::File {
        recognise: |bytes| bytes.starts_with(b"contract_id,provider_code,provider_name,"),
    },
};

impl Workspace {
    /// Writes the illustrative register of this (synthetic) borough's providers at `out`,
    /// replacing only an earlier register.
    pub fn write_synthetic_register(&self, out: &Path) -> Result<(), WorkspaceError> {
        let inputs = [self.dir()];
        let destination = accord_dataset::Destination::replacing(out, &REGISTER_OUTPUT, &inputs);
        destination.check()?;
        let mut providers = Vec::new();
        for batch in self.dataset().read_table(Table::Provider)? {
            let column = |name: &'static str| {
                batch
                    .column_by_name(name)
                    .and_then(|c| c.as_any().downcast_ref::<StringArray>())
                    .ok_or(WorkspaceError::NotText {
                        table: "provider",
                        column: name,
                    })
            };
            let (codes, names, kinds) =
                (column("provider_code")?, column("name")?, column("kind")?);
            for row in (0..batch.num_rows()).filter(|&row| !codes.is_null(row)) {
                let kind: accord_model::ProviderKind = kinds.value(row).parse().map_err(|e| {
                    WorkspaceError::Data(format!("provider {}: {e}", codes.value(row)))
                })?;
                providers.push((
                    codes.value(row).to_string(),
                    names.value(row).to_string(),
                    kind,
                ));
            }
        }
        let histories = self.histories()?;
        let registered = accord_cohort::population_on(histories, histories.extract_day)
            .people
            .len() as u64;
        let year = accord_money::budget_year(self.dataset().manifest().extract_date)
            .ok_or_else(|| WorkspaceError::Data("the data holds no whole financial year".into()))?;
        let text = accord_synth::register::contract_register_csv(&providers, registered, year.end);
        // What the generator writes must read back as a register.
        Register::parse_csv(&text, &out.display().to_string())?;
        write_output_file(&destination, text.as_bytes())?;
        Ok(())
    }
}
