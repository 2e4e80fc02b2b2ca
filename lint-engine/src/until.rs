//! The `until` date of a suppression (an inline `until YYYY-MM-DD` or a `[[suppress]]`
//! entry's `until`): what counts as a date, and when it has passed.

/// The `until` of a suppression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Until {
    /// A date, `YYYY-MM-DD`: the suppression applies through that day.
    Date(String),
    /// Text written as a date that is none (`2027-02-30`, `2027-3-1`).
    Invalid(String),
}

impl Until {
    /// An `until` as written in a comment or `tfstack.toml`: a real calendar date, or an
    /// invalid one.
    pub fn parse(text: &str) -> Until {
        if is_date(text) {
            Until::Date(text.to_string())
        } else {
            Until::Invalid(text.to_string())
        }
    }

    /// Whether it has passed on `today` (`YYYY-MM-DD`; an empty `today` is no day, and
    /// nothing expires). An invalid date has always passed: a suppression whose end cannot
    /// be read must not hold forever.
    pub fn has_passed(&self, today: &str) -> bool {
        match self {
            Until::Date(date) => !today.is_empty() && today > date.as_str(),
            Until::Invalid(_) => true,
        }
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        match self {
            Until::Date(t) | Until::Invalid(t) => t,
        }
    }
}

/// Whether `text` is a calendar date written `YYYY-MM-DD`.
pub fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = &text[r];
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_their_end() {
        assert!(is_date("2027-03-31") && is_date("2000-02-29") && is_date("2024-02-29"));
        for no in [
            "1900-02-29",
            "2027-04-31",
            "2027-13-01",
            "2027-00-10",
            "2027-01-00",
            "27-01-01",
            "2027/01/01",
            "2027-01-011",
            "",
            "２０２７-01-01",
        ] {
            assert!(!is_date(no), "{no}");
        }
        let until = Until::parse("2027-03-31");
        assert!(!until.has_passed("2027-03-31"), "through the day itself");
        assert!(until.has_passed("2027-04-01"));
        assert!(!until.has_passed(""), "no day, nothing expires");
        assert!(Until::parse("2027-02-30").has_passed("2000-01-01"));
    }
}
