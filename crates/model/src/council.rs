//! Councils are named by their GSS code: a letter for the nation, two digits for the kind of
//! area, six digits for the area.

/// The GSS code prefixes of councils: `E06` unitary authorities, `E07` districts, `E08`
/// metropolitan districts, `E09` London boroughs, `E10` counties, `W06` Welsh, `S12` Scottish
/// and `N09` Northern Irish councils.
pub const COUNCIL_CODE_PREFIXES: [&str; 8] =
    ["E06", "E07", "E08", "E09", "E10", "W06", "S12", "N09"];

/// Whether `code` is the GSS code of a council (`E10000007`, Derbyshire County Council).
pub fn is_council_code(code: &str) -> bool {
    code.len() == 9
        && COUNCIL_CODE_PREFIXES.iter().any(|p| code.starts_with(p))
        && code[3..].bytes().all(|b| b.is_ascii_digit())
}
