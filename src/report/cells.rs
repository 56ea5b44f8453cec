//! Cell formatting shared by the writers: numbers as numbers (zero is `0`), text guarded
//! against spreadsheet formula injection.

/// A number as a CSV cell: at most 4 decimals, no trailing `.0`, `0` for zero (and `-0`),
/// empty only for a value that does not exist (NaN, infinite).
pub fn num(x: f64) -> String {
    num_places(x, 4)
}

/// [`num`] with at most `places` decimals (humans read percentages to one).
pub fn num_places(x: f64, places: i32) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let scale = 10f64.powi(places);
    let r = (x * scale).round() / scale;
    if r == 0.0 {
        return "0".to_owned();
    }
    // `Display` of an f64 is its shortest round-trip form, without a trailing `.0`.
    format!("{r}")
}

/// An optional number: empty when absent.
pub fn opt_num(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

/// A text cell. Text beginning with `=`, `+`, `-` or `@` gets a leading `'` so spreadsheets
/// do not run it as a formula.
pub fn text(s: &str) -> String {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}"),
        _ => s.to_owned(),
    }
}

/// 95 % Wilson score interval of `successes` out of `n`; `None` when `n` is 0 (the report
/// leaves the cells empty rather than claiming the whole [0, 1] range).
pub fn wilson(successes: u64, n: u64) -> Option<(f64, f64)> {
    (n > 0).then(|| crate::stats::wilson(successes, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_numbers() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(4796.0), "4796");
        assert_eq!(num(1.375), "1.375");
        assert_eq!(num(10.0 / 15.0), "0.6667");
        assert_eq!(num(17815.0 / 13.0), "1370.3846");
        assert_eq!(num(f64::NAN), "");
        assert_eq!(num(0.1 + 0.2), "0.3");
        assert_eq!(num(1e15), "1000000000000000");
        assert_eq!(num(-3.0), "-3");
        assert_eq!(num_places(12.345, 1), "12.3");
        assert_eq!(opt_num(None), "");
    }

    #[test]
    fn formulas_are_guarded() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text("+1"), "'+1");
        assert_eq!(text("-2"), "'-2");
        assert_eq!(text("@sum"), "'@sum");
        assert_eq!(text("run_1"), "run_1");
    }

    #[test]
    fn wilson_interval_matches_the_formula() {
        let (lo, hi) = wilson(10, 15).unwrap();
        assert!((lo - 0.4171).abs() < 1e-4, "{lo}");
        assert!((hi - 0.8482).abs() < 1e-4, "{hi}");
        assert_eq!(wilson(0, 0), None);
        let (lo, hi) = wilson(5, 5).unwrap();
        assert!(hi == 1.0 && lo > 0.5);
    }
}
