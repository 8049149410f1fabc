//! Java `java.util.regex` behaviour on top of fancy-regex: whole-string `matches`, `split` and
//! `replaceAll` with Java's replacement syntax.

use fancy_regex::{Captures, Regex, RegexBuilder};

use crate::Limits;

/// Bounds the work a single pattern may do (catastrophic backtracking).
const BACKTRACK_LIMIT: usize = 200_000;

pub(crate) fn compile(pattern: &str, whole: bool) -> Result<Regex, String> {
    let src = if whole {
        format!(r"\A(?:{pattern})\z")
    } else {
        pattern.to_string()
    };
    RegexBuilder::new(&src)
        .backtrack_limit(BACKTRACK_LIMIT)
        .build()
        .map_err(|e| format!("java.util.regex.PatternSyntaxException: {e}"))
}

/// Java's `Pattern.split(input, limit)`.
pub(crate) fn split(re: &Regex, s: &str, limit: i64) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    let mut index = 0;
    let limited = limit > 0;
    for m in re.find_iter(s) {
        let m = m.map_err(|e| e.to_string())?;
        if !limited || (out.len() as i64) < limit - 1 {
            if index == 0 && m.start() == 0 && m.start() == m.end() {
                // Java 8+: no leading empty string for a zero-width match at the start.
                continue;
            }
            out.push(s[index..m.start()].to_string());
            index = m.end();
        } else {
            break;
        }
    }
    if index == 0 && out.is_empty() {
        return Ok(vec![s.to_string()]);
    }
    out.push(s[index..].to_string());
    if limit == 0 {
        while out.last().is_some_and(|x| x.is_empty()) {
            out.pop();
        }
    }
    Ok(out)
}

/// Java's `Matcher.appendReplacement` syntax: `$n`, `${name}`, `\x` for a literal x.
fn expand(
    caps: &Captures<'_, str>,
    rep: &str,
    group_count: usize,
    out: &mut String,
) -> Result<(), String> {
    let chars: Vec<char> = rep.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                i += 1;
                match chars.get(i) {
                    Some(c) => out.push(*c),
                    None => return Err("character to be escaped is missing".into()),
                }
                i += 1;
            }
            '$' => {
                i += 1;
                match chars.get(i) {
                    Some('{') => {
                        let start = i + 1;
                        let Some(len) = chars[start..].iter().position(|c| *c == '}') else {
                            return Err("named capturing group is missing trailing '}'".into());
                        };
                        let name: String = chars[start..start + len].iter().collect();
                        match caps.name(&name) {
                            Some(m) => out.push_str(m.as_str()),
                            None => {
                                return Err(format!("No group with name {{{name}}}"));
                            }
                        }
                        i = start + len + 1;
                    }
                    Some(c) if c.is_ascii_digit() => {
                        let mut g = c.to_digit(10).unwrap_or(0) as usize;
                        if g > group_count {
                            return Err(format!("No group {g}"));
                        }
                        i += 1;
                        // Java takes more digits while the group number stays valid.
                        while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                            let ng = g * 10 + d as usize;
                            if ng > group_count {
                                break;
                            }
                            g = ng;
                            i += 1;
                        }
                        if let Some(m) = caps.get(g) {
                            out.push_str(m.as_str());
                        }
                    }
                    _ => return Err("Illegal group reference".into()),
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(())
}

pub(crate) fn replace(
    re: &Regex,
    s: &str,
    rep: &str,
    all: bool,
    limits: &Limits,
) -> Result<String, String> {
    let mut out = String::new();
    let mut last = 0;
    let groups = re.captures_len().saturating_sub(1);
    for caps in re.captures_iter(s) {
        let caps = caps.map_err(|e| e.to_string())?;
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&s[last..m.start()]);
        expand(&caps, rep, groups, &mut out)?;
        last = m.end();
        if out.len() > limits.max_output_bytes {
            return Err("string too long".into());
        }
        if !all {
            break;
        }
    }
    out.push_str(&s[last..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(s: &str, re: &str, limit: i64) -> Vec<String> {
        split(&compile(re, false).expect("regex"), s, limit).expect("split")
    }

    #[test]
    fn split_follows_java() {
        assert_eq!(sp("a,b,,", ",", 0), ["a", "b"]);
        assert_eq!(sp("a,b,,", ",", -1), ["a", "b", "", ""]);
        assert_eq!(sp("a,b,c", ",", 2), ["a", "b,c"]);
        assert_eq!(sp("", ",", 0), [""]);
        assert_eq!(sp("abc", "", 0), ["a", "b", "c"]);
        assert_eq!(sp(",a", ",", 0), ["", "a"]);
        assert_eq!(sp(",,,", ",", 0), Vec::<String>::new());
    }

    #[test]
    fn replacement_uses_java_syntax() {
        let limits = Limits::default();
        let re = compile("(a)(b)?", false).expect("regex");
        assert_eq!(
            replace(&re, "xaby", "[$1$2]", true, &limits).expect("ok"),
            "x[ab]y"
        );
        assert_eq!(
            replace(&re, "xay", "\\$1", true, &limits).expect("ok"),
            "x$1y"
        );
        assert!(replace(&re, "xay", "$", true, &limits).is_err());
        let re = compile("x*", false).expect("regex");
        assert_eq!(
            replace(&re, "abc", "-", true, &limits).expect("ok"),
            "-a-b-c-"
        );
    }
}
