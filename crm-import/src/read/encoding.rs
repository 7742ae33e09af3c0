//! Choosing the encoding of a delimited text file from a sample of its first bytes.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How many multi-byte UTF-8 characters before the first invalid byte make a file UTF-8: a
/// legacy encoding (GBK, Big5, Windows-1252 ...) hardly ever forms a few valid ones in a row.
const UTF8_EVIDENCE: usize = 8;

/// The encoding a text file is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Detected {
    /// The encoding.
    pub encoding: &'static Encoding,
    /// The length of the byte order mark the file starts with (0 when none).
    pub bom_len: usize,
}

/// The encoding of a file whose first bytes are `sample` (`complete` when that is the whole
/// file): a byte order mark decides; else the caller's `label`; else UTF-16 when every other
/// byte is NUL; else UTF-8 when the sample is valid UTF-8; else chardetng's guess (GBK for
/// Chinese Excel's "CSV"). An unknown label is an error naming it.
pub(crate) fn detect(
    sample: &[u8],
    complete: bool,
    label: Option<&str>,
) -> Result<Detected, String> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(sample) {
        return Ok(Detected { encoding, bom_len });
    }
    let encoding = match label {
        Some(label) => Encoding::for_label(label.trim().as_bytes())
            .ok_or_else(|| format!("unknown encoding {label:?}"))?,
        None => guess(sample, complete),
    };
    Ok(Detected {
        encoding,
        bom_len: 0,
    })
}

fn guess(sample: &[u8], complete: bool) -> &'static Encoding {
    if let Some(utf16) = utf16_without_bom(sample) {
        return utf16;
    }
    match std::str::from_utf8(sample) {
        Ok(_) => return UTF_8,
        // A sample cut inside a character is still UTF-8.
        Err(error) if error.error_len().is_none() && !complete => return UTF_8,
        // Damage after plenty of UTF-8 text is damage, not another encoding.
        Err(error) if multibyte_chars(&sample[..error.valid_up_to()]) >= UTF8_EVIDENCE => {
            return UTF_8;
        }
        Err(_) => {}
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(sample, complete);
    detector.guess(None, Utf8Detection::Deny)
}

/// The number of characters of valid UTF-8 `prefix` that take more than one byte.
fn multibyte_chars(prefix: &[u8]) -> usize {
    std::str::from_utf8(prefix).map_or(0, |text| text.chars().filter(|c| !c.is_ascii()).count())
}

/// UTF-16 text without a byte order mark: mostly ASCII, so NUL in every other byte.
fn utf16_without_bom(sample: &[u8]) -> Option<&'static Encoding> {
    let pairs = sample.len().min(4096) / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even_nul, mut odd_nul) = (0, 0);
    for pair in sample.chunks_exact(2).take(pairs) {
        even_nul += usize::from(pair[0] == 0);
        odd_nul += usize::from(pair[1] == 0);
    }
    let mostly = |count: usize| count * 10 >= pairs * 3;
    let rarely = |count: usize| count * 20 <= pairs;
    if mostly(odd_nul) && rarely(even_nul) {
        Some(UTF_16LE)
    } else if mostly(even_nul) && rarely(odd_nul) {
        Some(UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{GBK, UTF_16BE};

    fn detected(sample: &[u8]) -> (&'static str, usize) {
        let found = detect(sample, true, None).unwrap();
        (found.encoding.name(), found.bom_len)
    }

    #[test]
    fn a_bom_decides() {
        assert_eq!(detected(b"\xEF\xBB\xBFa,b"), ("UTF-8", 3));
        assert_eq!(detected(b"\xFF\xFEa\0"), ("UTF-16LE", 2));
        assert_eq!(detected(b"\xFE\xFF\0a"), ("UTF-16BE", 2));
        let labelled = detect(b"\xEF\xBB\xBFa", true, Some("gbk")).unwrap();
        assert_eq!(labelled.encoding, UTF_8);
    }

    #[test]
    fn valid_utf8_stays_utf8_even_cut_mid_character() {
        assert_eq!(detected("名称,电话\n".as_bytes()), ("UTF-8", 0));
        let cut = &"名称".as_bytes()[..4];
        assert_eq!(detect(cut, false, None).unwrap().encoding, UTF_8);
        assert_eq!(detected(b""), ("UTF-8", 0));
    }

    #[test]
    fn utf8_damaged_after_a_good_start_stays_utf8() {
        let mut sample = "客户名称,联系电话\n张三,138\n".as_bytes().to_vec();
        sample.extend_from_slice(b"\xFF\xFE garbage\n");
        assert_eq!(detected(&sample), ("UTF-8", 0));
        assert_ne!(detected(b"caf\xE9,cr\xE8me\n").0, "UTF-8");
    }

    #[test]
    fn chinese_legacy_text_is_gbk() {
        let (bytes, _, _) =
            GBK.encode("客户名称,联系电话,城市\n张三,13812345678,北京\n李四,13900000000,上海\n");
        assert_eq!(detected(&bytes), ("GBK", 0));
    }

    #[test]
    fn utf16_without_bom_is_recognised_by_its_nuls() {
        let le: Vec<u8> = "name,phone\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(detected(&le), ("UTF-16LE", 0));
        let be: Vec<u8> = "name,phone\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(detect(&be, true, None).unwrap().encoding, UTF_16BE);
    }

    #[test]
    fn a_label_is_used_and_an_unknown_one_named() {
        assert_eq!(
            detect(b"a", true, Some("GB18030")).unwrap().encoding.name(),
            "gb18030"
        );
        assert_eq!(
            detect(b"a", true, Some("nope")).unwrap_err(),
            "unknown encoding \"nope\""
        );
    }
}
