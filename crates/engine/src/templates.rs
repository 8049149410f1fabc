//! Mapping templates until the Velocity engine lands: a template without any VTL reference or
//! directive is literal text and renders as itself; anything else cannot be rendered yet.

/// The rendered text of `template` when it is plain text, `None` when it needs the VTL engine.
pub fn render_static(template: &str) -> Option<&str> {
    (!template.contains(['$', '#'])).then_some(template)
}

/// Picks the template for `content_type` (media type only, parameters ignored), defaulting to
/// `application/json` when the request has no Content-Type.
pub fn select<'a>(
    templates: &'a std::collections::BTreeMap<String, String>,
    content_type: Option<&str>,
) -> Option<&'a str> {
    let wanted = content_type
        .map(|c| c.split(';').next().unwrap_or("").trim())
        .filter(|c| !c.is_empty())
        .unwrap_or("application/json");
    templates
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(wanted))
        .map(|(_, v)| v.as_str())
}

/// Reads the integer `statusCode` of a rendered MOCK request template. Lenient like AWS: the
/// key may be quoted or not (`{statusCode: 200}`, CDK's form).
pub fn mock_status_code(rendered: &str) -> Option<u16> {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(rendered)
    {
        return map
            .get("statusCode")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u16::try_from(n).ok());
    }
    let trimmed = rendered.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    let at = trimmed.find("statusCode")?;
    let rest = trimmed[at + "statusCode".len()..]
        .trim_start_matches(['"', '\''])
        .trim_start();
    let rest = rest.strip_prefix(':')?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = rest[digits.len()..].trim_start();
    if digits.is_empty() || !(after.starts_with(',') || after.starts_with('}')) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mock_status_codes() {
        assert_eq!(mock_status_code(r#"{"statusCode": 200}"#), Some(200));
        assert_eq!(mock_status_code("{statusCode: 404}"), Some(404));
        assert_eq!(
            mock_status_code("{ 'statusCode' : 201 , \"x\": 1}"),
            Some(201)
        );
        assert_eq!(mock_status_code(r#"{"statusCode": "200"}"#), None);
        assert_eq!(mock_status_code(r#"{"statusCode": 2.5}"#), None);
        assert_eq!(mock_status_code("statusCode: 200"), None);
        assert_eq!(mock_status_code(""), None);
    }

    #[test]
    fn template_selection_defaults_to_json() {
        let t = std::collections::BTreeMap::from([("application/json".to_owned(), "j".to_owned())]);
        assert_eq!(select(&t, None), Some("j"));
        assert_eq!(
            select(&t, Some("application/json; charset=utf-8")),
            Some("j")
        );
        assert_eq!(select(&t, Some("text/plain")), None);
    }
}
