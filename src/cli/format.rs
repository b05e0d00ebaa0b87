//! Output formats of the `nats` CLI: its two-column reports, its rounded tables, and its ways of printing
//! numbers, sizes, durations and times.

use crate::engine::time::{civil, Nanos, NANOS_PER_SEC};

/// Formats an integer with thousands separators ("1,234,567"), as go-humanize's `Comma` does.
pub fn comma(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Formats a byte count in IEC units ("0 B", "1.0 KiB", "12 KiB"), as go-humanize's `IBytes` does.
pub fn ibytes(v: u64) -> String {
    const SIZES: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if v < 10 {
        return format!("{v} B");
    }
    let e = ((v as f64).ln() / 1024f64.ln()).floor() as usize;
    let e = e.min(SIZES.len() - 1);
    // go-humanize keeps one decimal (`%.1f`) below 10 and none (`%.0f`) above, of the value rounded to tenths.
    let tenths = ((v as f64) / 1024f64.powi(e as i32) * 10.0 + 0.5).floor() as u64;
    if tenths < 100 {
        format!("{}.{} {}", tenths / 10, tenths % 10, SIZES[e])
    } else {
        // `%.0f` of a value with one decimal: an exact half goes to the even neighbour.
        let (whole, frac) = (tenths / 10, tenths % 10);
        let up = frac > 5 || (frac == 5 && whole % 2 == 1);
        format!("{} {}", whole + up as u64, SIZES[e])
    }
}

/// `x` (a finite, non-negative double) printed with `places` decimals as `format!("{x:.places$}")` prints it
/// (the exact value rounded, an exact half to the even neighbour), in integers: the page's first module then
/// needs no float formatting code.
pub fn fixed_decimals(x: f64, places: u32) -> String {
    let scale = 10u128.pow(places);
    // x = mant * 2^exp exactly.
    let bits = x.to_bits();
    let exp_bits = ((bits >> 52) & 0x7ff) as i32;
    let mant = if exp_bits == 0 { (bits & ((1 << 52) - 1)) << 1 } else { (bits & ((1 << 52) - 1)) | (1 << 52) } as u128;
    let exp = exp_bits - 1075;
    // n = x * scale, as a whole part and the remainder over a power-of-two denominator.
    let (whole, rem, den) = if exp >= 0 {
        (mant.checked_shl(exp as u32).unwrap_or(u128::MAX / scale).saturating_mul(scale), 0u128, 1u128)
    } else {
        let shift = (-exp) as u32;
        if shift >= 120 {
            (0, 0, 1)
        } else {
            let num = mant * scale;
            let den = 1u128 << shift;
            (num / den, num % den, den)
        }
    };
    let n = match (rem * 2).cmp(&den) {
        std::cmp::Ordering::Greater => whole + 1,
        std::cmp::Ordering::Equal if whole % 2 == 1 => whole + 1,
        _ => whole,
    };
    if places == 0 {
        return n.to_string();
    }
    format!("{}.{:0width$}", n / scale, n % scale, width = places as usize)
}

/// Formats a duration as the CLI's `HumanizeDuration` ("1.50s", "2m30s", "1d2h3m4s", "never").
pub fn humanize_duration(d: Nanos) -> String {
    if d == i64::MAX {
        return "never".to_string();
    }
    if d < 1_000_000 {
        // Rounded to the microsecond, printed as Go prints a duration.
        let us = (d + 500) / 1000 * 1000;
        return crate::engine::time::go_duration_string(us);
    }
    if d < NANOS_PER_SEC {
        let ms = (d + 500_000) / 1_000_000 * 1_000_000;
        return crate::engine::time::go_duration_string(ms);
    }
    let tsecs = d / NANOS_PER_SEC;
    let tmins = tsecs / 60;
    let thrs = tmins / 60;
    let tdays = thrs / 24;
    let tyrs = tdays / 365;
    if tyrs > 0 {
        return format!("{}y{}d{}h{}m{}s", tyrs, tdays % 365, thrs % 24, tmins % 60, tsecs % 60);
    }
    if tdays > 0 {
        return format!("{}d{}h{}m{}s", tdays, thrs % 24, tmins % 60, tsecs % 60);
    }
    if thrs > 0 {
        return format!("{}h{}m{}s", thrs, tmins % 60, tsecs % 60);
    }
    if tmins > 0 {
        return format!("{}m{}s", tmins, tsecs % 60);
    }
    format!("{}s", fixed_decimals(d as f64 / NANOS_PER_SEC as f64, 2))
}

/// Formats a timestamp as the CLI does ("2006-01-02 15:04:05"), in the zone `offset_secs` east of UTC.
pub fn timestamp(t: Nanos, offset_secs: i64) -> String {
    let c = civil(t, offset_secs);
    format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", c.year, c.month, c.day, c.hour, c.minute, c.second)
}

/// Printable ASCII stays as it is; anything else is shown base64-encoded, as the CLI's `Base64IfNotPrintable`.
pub fn base64_if_not_printable(v: &[u8]) -> String {
    match std::str::from_utf8(v) {
        Ok(s) if s.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) => s.to_string(),
        _ => base64(v),
    }
}

/// The playground's one base64 engine: the standard alphabet, padded when it writes, and reading with or
/// without padding. One engine keeps one alphabet's tables in the page (URL-safe text is made from it).
pub const B64: ::base64::engine::GeneralPurpose = ::base64::engine::GeneralPurpose::new(
    &::base64::alphabet::STANDARD,
    ::base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(::base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Standard base64 with padding.
pub fn base64(v: &[u8]) -> String {
    use ::base64::Engine as _;
    B64.encode(v)
}

/// The CLI's two-column report ("columns" writer): a heading, section titles, and right-aligned labels.
#[derive(Default)]
pub struct Columns {
    heading: String,
    rows: Vec<ColRow>,
}

enum ColRow {
    Row(String, String),
    Title(String),
    Line(String),
    Indent(usize),
}

impl Columns {
    pub fn new(heading: impl Into<String>) -> Columns {
        Columns { heading: heading.into(), rows: Vec::new() }
    }
    pub fn row(&mut self, label: &str, value: impl ToString) {
        self.rows.push(ColRow::Row(label.to_string(), value.to_string()));
    }
    pub fn row_if(&mut self, label: &str, value: impl ToString, cond: bool) {
        if cond {
            self.row(label, value);
        }
    }
    pub fn title(&mut self, t: impl Into<String>) {
        self.rows.push(ColRow::Title(t.into()));
    }
    pub fn line(&mut self, l: impl Into<String>) {
        self.rows.push(ColRow::Line(l.into()));
    }
    pub fn indent(&mut self, n: usize) {
        self.rows.push(ColRow::Indent(n));
    }

    pub fn render(&self) -> String {
        let longest = self
            .rows
            .iter()
            .filter_map(|r| match r {
                ColRow::Row(l, _) => Some(l.chars().count()),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        if !self.heading.is_empty() {
            out.push_str(&self.heading);
            out.push_str("\n\n");
        }
        let mut indent = String::new();
        #[derive(PartialEq)]
        enum Prev {
            None,
            Title,
            Row,
            Line { empty: bool },
        }
        let mut prev = Prev::None;
        for (i, r) in self.rows.iter().enumerate() {
            match r {
                ColRow::Indent(n) => indent = " ".repeat(*n),
                ColRow::Title(t) => {
                    let after_line_nonempty = matches!(prev, Prev::Line { empty: false });
                    let blank_before =
                        (i != 0 && prev != Prev::Title && !matches!(prev, Prev::Line { .. })) || after_line_nonempty;
                    if blank_before {
                        out.push('\n');
                    }
                    out.push_str(&indent);
                    out.push_str(t);
                    if !t.ends_with(':') {
                        out.push(':');
                    }
                    out.push_str("\n\n");
                    prev = Prev::Title;
                }
                ColRow::Row(l, v) => {
                    let pad = longest - l.chars().count() + 2;
                    if l.is_empty() {
                        out.push_str(&format!("{indent}{} {v}\n", " ".repeat(pad + 1)));
                    } else {
                        out.push_str(&format!("{indent}{}{l}: {v}\n", " ".repeat(pad)));
                    }
                    prev = Prev::Row;
                }
                ColRow::Line(l) => {
                    if prev == Prev::Title && l.is_empty() {
                        continue;
                    }
                    if l.is_empty() {
                        out.push_str(&format!("{indent}\n"));
                    } else {
                        out.push_str(&format!("{indent} {l}\n"));
                    }
                    prev = Prev::Line { empty: l.is_empty() };
                }
            }
        }
        out
    }
}

/// A cell of a table: numbers are right-aligned, as go-pretty aligns a column of Go numbers.
#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    Number(String),
}

/// The CLI's rounded table (go-pretty `StyleRounded` with a centred title), followed by an empty line.
pub struct Table {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Table {
        Table { title: title.into(), headers: headers.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let n = self.headers.len();
        let numeric: Vec<bool> =
            (0..n).map(|c| self.rows.iter().all(|r| matches!(r.get(c), Some(Cell::Number(_))))).collect();
        let text = |c: &Cell| match c {
            Cell::Text(s) | Cell::Number(s) => s.replace('\t', "    "),
        };
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(width(&text(c)));
            }
        }
        let row_len: usize = widths.iter().map(|w| w + 2).sum::<usize>() + (n - 1) + 2;
        let sep = |l: &str, m: &str, r: &str| -> String {
            let mut s = String::from(l);
            for (i, w) in widths.iter().enumerate() {
                s.push_str(&"─".repeat(w + 2));
                s.push_str(if i + 1 == n { r } else { m });
            }
            s
        };
        let line = |cells: Vec<String>| -> String {
            let mut s = String::from("│");
            for (i, w) in widths.iter().enumerate() {
                let c = cells.get(i).cloned().unwrap_or_default();
                let pad = w - width(&c);
                if numeric[i] {
                    s.push_str(&format!(" {}{} │", " ".repeat(pad), c));
                } else {
                    s.push_str(&format!(" {}{} │", c, " ".repeat(pad)));
                }
            }
            s
        };
        let mut out = Vec::new();
        if !self.title.is_empty() {
            out.push(format!("╭{}╮", "─".repeat(row_len - 2)));
            let text_len = row_len - 4;
            for part in hard_wrap(&self.title, text_len) {
                let pad = text_len - width(&part);
                let left = pad - pad / 2;
                out.push(format!("│ {}{}{} │", " ".repeat(left), part, " ".repeat(pad / 2)));
            }
            out.push(sep("├", "┬", "┤"));
        } else {
            out.push(sep("╭", "┬", "╮"));
        }
        out.push(line(self.headers.clone()));
        if !self.rows.is_empty() {
            out.push(sep("├", "┼", "┤"));
        }
        for r in &self.rows {
            out.push(line(r.iter().map(text).collect()));
        }
        out.push(sep("╰", "┴", "╯"));
        let mut s = out.join("\n");
        s.push_str("\n\n");
        s
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn hard_wrap(s: &str, w: usize) -> Vec<String> {
    if w == 0 || width(s) <= w {
        return vec![s.to_string()];
    }
    let chars: Vec<char> = s.chars().collect();
    chars.chunks(w).map(|c| c.iter().collect::<String>().trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_decimals_print_as_the_float_formatter_does() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for i in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Durations between 1 and 60 s (every ns), halves and exact binary fractions among them.
            let d = match i % 4 {
                0 => 1_000_000_000 + (x % 59_000_000_000),
                1 => 1_000_000_000 + (x % 5_900) * 10_000_000 + 5_000_000,
                2 => (1 + x % 59) * 1_000_000_000 + [125, 375, 625, 875][(x % 4) as usize] * 1_000_000,
                _ => x % 100_000_000_000,
            };
            let f = d as f64 / 1e9;
            for places in [0, 1, 2] {
                assert_eq!(fixed_decimals(f, places), format!("{f:.*}", places as usize), "{d} ns, {places} places");
            }
        }
        for v in [0.0, 0.5, 1.5, 2.5, 12.5, 13.5, 99.95, 1e6 + 0.5] {
            assert_eq!(fixed_decimals(v, 0), format!("{v:.0}"));
            assert_eq!(fixed_decimals(v, 1), format!("{v:.1}"));
        }
    }

    #[test]
    fn numbers_sizes_and_durations_print_as_the_cli_prints_them() {
        assert_eq!(comma(1234567), "1,234,567");
        assert_eq!(comma(12), "12");
        assert_eq!(ibytes(0), "0 B");
        assert_eq!(ibytes(196), "196 B");
        assert_eq!(ibytes(1024), "1.0 KiB");
        assert_eq!(ibytes(1536), "1.5 KiB");
        assert_eq!(ibytes(10 * 1024), "10 KiB");
        assert_eq!(ibytes(1 << 20), "1.0 MiB");
        assert_eq!(ibytes(12 * 1024 + 512), "12 KiB");
        assert_eq!(ibytes(13 * 1024 + 512), "14 KiB");
        assert_eq!(humanize_duration(10 * NANOS_PER_SEC), "10.00s");
        assert_eq!(humanize_duration(90 * NANOS_PER_SEC), "1m30s");
        assert_eq!(humanize_duration(3600 * NANOS_PER_SEC), "1h0m0s");
        assert_eq!(humanize_duration(86400 * NANOS_PER_SEC), "1d0h0m0s");
        assert_eq!(humanize_duration(i64::MAX), "never");
        assert_eq!(humanize_duration(1_500_000), "2ms");
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64_if_not_printable(b"hello world"), "hello world");
        assert_eq!(base64_if_not_printable(&[0, 1, 2]), "AAEC");
        assert_eq!(base64_if_not_printable("héllo".as_bytes()), "aMOpbGxv");
    }

    #[test]
    fn tables_are_rounded_with_a_centred_title() {
        let mut t = Table::new("History for b > k", &["Key", "Revision"]);
        t.row(vec![Cell::Text("k".into()), Cell::Number("1".into())]);
        // The table is narrower than its title, so the title wraps as go-pretty wraps it; an odd padding puts
        // the extra space on the left.
        let want = "╭────────────────╮\n│  History for b │\n│       > k      │\n├─────┬──────────┤\n│ Key │ Revision │\n├─────┼──────────┤\n│ k   │        1 │\n╰─────┴──────────╯\n\n";
        assert_eq!(t.render(), want);
        let mut t = Table::new("T", &["A", "Bee"]);
        t.row(vec![Cell::Text("x".into()), Cell::Number("10".into())]);
        assert_eq!(
            t.render(),
            "╭─────────╮\n│    T    │\n├───┬─────┤\n│ A │ Bee │\n├───┼─────┤\n│ x │  10 │\n╰───┴─────╯\n\n"
        );
    }

    #[test]
    fn columns_align_labels_on_the_colon() {
        let mut c = Columns::new("Heading");
        c.title("Configuration");
        c.row("Bucket Name", "b");
        c.row("History Kept", 1);
        assert_eq!(c.render(), "Heading\n\nConfiguration:\n\n   Bucket Name: b\n  History Kept: 1\n");
    }
}
