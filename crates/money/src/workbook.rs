//! The money results as an xlsx workbook, one sheet per table, for commissioners who work
//! in spreadsheets. Amounts are numbers formatted as pounds; the sheets hold exactly what
//! the CSV downloads hold.

use std::io::Read;

use accord_dataset::{OutputKind, Shape};
use accord_snapshot::money::{MoneyResults, Sheet, Value};
use rust_xlsxwriter::{DocProperties, Format, Workbook, XlsxError};

/// The title in the workbook's document properties, by which Accord knows its own.
pub const WORKBOOK_TITLE: &str = "Accord money workbook";

/// A money workbook as an output: replaced only where the file there is one.
pub const WORKBOOK_OUTPUT: OutputKind = OutputKind {
    name: "money workbook (xlsx)",
    shape: Shape::File {
        recognise: is_money_workbook,
    },
};

/// Is this (the start of) a workbook Accord wrote? An xlsx file is a zip archive whose
/// entries are compressed, so the document properties (`docProps/core.xml`, among the
/// first entries) are found by walking the local headers and inflating that one.
pub fn is_money_workbook(bytes: &[u8]) -> bool {
    let mut at = 0usize;
    let u16_at = |b: &[u8], i: usize| {
        b.get(i..i + 2)
            .map(|x| usize::from(u16::from_le_bytes([x[0], x[1]])))
    };
    let u32_at = |b: &[u8], i: usize| {
        b.get(i..i + 4)
            .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]) as usize)
    };
    while bytes.get(at..at + 4) == Some(b"PK\x03\x04") {
        let (Some(method), Some(size), Some(name_len), Some(extra_len)) = (
            u16_at(bytes, at + 8),
            u32_at(bytes, at + 18),
            u16_at(bytes, at + 26),
            u16_at(bytes, at + 28),
        ) else {
            return false;
        };
        let name_start = at + 30;
        let data = name_start + name_len + extra_len;
        let Some(name) = bytes.get(name_start..name_start + name_len) else {
            return false;
        };
        let Some(body) = bytes.get(data..data + size) else {
            return false;
        };
        if name == b"docProps/core.xml" {
            let mut text = String::new();
            let read = match method {
                0 => String::from_utf8(body.to_vec()).map(|t| text = t).is_ok(),
                8 => flate2::read::DeflateDecoder::new(body)
                    .read_to_string(&mut text)
                    .is_ok(),
                _ => false,
            };
            return read && text.contains(&format!("<dc:title>{WORKBOOK_TITLE}</dc:title>"));
        }
        at = data + size;
    }
    false
}

/// The money results' workbook.
pub fn workbook(results: &MoneyResults) -> Result<Vec<u8>, XlsxError> {
    sheets_workbook(
        &results.sheets(),
        &format!(
            "{} for {}: every table of `accord money`, as its CSV downloads",
            results.register, results.year.label
        ),
    )
}

/// A workbook of sheets, with the title Accord knows its own by.
pub fn sheets_workbook(sheets: &[Sheet], comment: &str) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(WORKBOOK_TITLE)
            .set_author("Accord")
            .set_comment(comment),
    );
    let pounds = Format::new().set_num_format("£#,##0.00");
    let bold = Format::new().set_bold();
    for sheet in sheets {
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
