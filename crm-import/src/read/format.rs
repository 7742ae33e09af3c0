//! Recognising a file's format from its first bytes.

use super::Format;

/// The start of every ZIP archive (XLSX and ODS are ZIP archives).
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The start of every OLE compound file (XLS is one).
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
/// The content of the first entry of an ODS archive, stored uncompressed.
const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// The format of a file starting with `head`: a ZIP archive is XLSX (ODS when it names its
/// spreadsheet mimetype first), an OLE compound file is XLS, anything else delimited text.
/// The content decides, not the extension: a text file saved as `.xls` reads as text.
pub(crate) fn recognise(head: &[u8]) -> Format {
    if head.starts_with(ZIP_MAGIC) {
        let start = head.get(..256).unwrap_or(head);
        if start
            .windows(ODS_MIMETYPE.len())
            .any(|window| window == ODS_MIMETYPE)
        {
            Format::Ods
        } else {
            Format::Xlsx
        }
    } else if head.starts_with(OLE_MAGIC) {
        Format::Xls
    } else {
        Format::Csv
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide() {
        assert_eq!(recognise(b"PK\x03\x04\x14\0\0\0"), Format::Xlsx);
        let mut ods = b"PK\x03\x04".to_vec();
        ods.extend_from_slice(&[0; 26]);
        ods.extend_from_slice(b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet");
        assert_eq!(recognise(&ods), Format::Ods);
        assert_eq!(recognise(OLE_MAGIC), Format::Xls);
        assert_eq!(recognise(b"name,phone\n"), Format::Csv);
        assert_eq!(recognise(b""), Format::Csv);
    }
}
