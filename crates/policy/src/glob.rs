//! IAM-style glob matching: `*` matches any run of characters (including `/` and the empty
//! run), `?` matches exactly one character. There is no escape syntax.

/// Matches `text` against `pattern` case-sensitively.
///
/// Runs in `O(pattern.len() * text.len())` in the worst case and never recurses, so hostile
/// patterns cannot blow the stack.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches_chars(&p, &t)
}

/// Matches `text` against `pattern`, ignoring ASCII and Unicode case (both are lower-cased).
pub fn glob_match_ignore_case(pattern: &str, text: &str) -> bool {
    glob_match(&pattern.to_lowercase(), &text.to_lowercase())
}

fn matches_chars(p: &[char], t: &[char]) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    // Position of the last `*` seen in the pattern and the text position it was tried at.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if *c == '?' || *c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_spans_slashes() {
        assert!(glob_match(
            "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/*",
            "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets/42"
        ));
        assert!(glob_match("a/*", "a/"));
        assert!(glob_match("*", ""));
        assert!(glob_match("*/*/*", "x/y/z/w"));
    }

    #[test]
    fn question_mark_is_exactly_one_char() {
        assert!(glob_match("pets/?", "pets/4"));
        assert!(!glob_match("pets/?", "pets/42"));
        assert!(!glob_match("pets/?", "pets/"));
        assert!(glob_match("p?ts", "pëts"));
    }

    #[test]
    fn case_sensitive_by_default() {
        assert!(!glob_match("*/GET/*", "x/get/y"));
        assert!(glob_match_ignore_case(
            "execute-api:invoke",
            "execute-api:Invoke"
        ));
    }

    #[test]
    fn backtracking_cases() {
        assert!(glob_match("*a*b", "xxaxxab"));
        assert!(!glob_match("*a*b", "xxaxxa"));
        assert!(glob_match("a*b*c", "abbbc"));
        assert!(!glob_match("abc", "abcd"));
        assert!(!glob_match("abcd", "abc"));
        let long = "a".repeat(2000);
        assert!(!glob_match(&"*b".repeat(50), &long));
        assert!(glob_match(&"*a".repeat(50), &long));
    }
}
