//! The money results as an xlsx workbook, one sheet per table, for commissioners who work
//! in spreadsheets. Amounts are numbers formatted as pounds; the sheets hold exactly what
//! the CSV downloads hold.

use accord_snapshot::money::{MoneyResults, Value};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The workbook's bytes.
pub fn workbook(results: &MoneyResults) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let pounds = Format::new().set_num_format("£#,##0.00");
    let bold = Format::new().set_bold();
    for sheet in results.sheets() {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet.name)?;
        for (c, column) in sheet.columns.iter().enumerate() {
            worksheet.write_string_with_format(0, c as u16, *column, &bold)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, value) in row.iter().enumerate() {
                let c = c as u16;
                match value {
                    Value::Text(t) => worksheet.write_string(r, c, t)?,
                    Value::Pounds(p) => {
                        worksheet.write_number_with_format(r, c, p.pounds(), &pounds)?
                    }
                    Value::Count(n) => worksheet.write_number(r, c, *n as f64)?,
                    Value::Number(x) => worksheet.write_number(r, c, *x)?,
                };
            }
        }
    }
    workbook.save_to_buffer()
}
