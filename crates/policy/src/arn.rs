//! Method ARNs, the `execute-api:/...` resource shorthand, and account masking.

/// Builds the method ARN API Gateway evaluates policies against:
/// `arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{VERB}/{path without leading slash}`.
///
/// `path` is the actual request path relative to the stage (e.g. `/pets/42`); exactly one
/// leading `/` is removed, so the root path yields `.../GET/`. `verb` is used as given: for
/// `ANY` methods the caller passes the real HTTP method.
pub fn method_arn(
    region: &str,
    account: &str,
    api_id: &str,
    stage: &str,
    verb: &str,
    path: &str,
) -> String {
    let path = path.strip_prefix('/').unwrap_or(path);
    format!("arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{verb}/{path}")
}

/// Prefix of the resource-policy shorthand that API Gateway expands on save/import.
pub const SHORTHAND_PREFIX: &str = "execute-api:";

/// Expands the resource-policy shorthand `execute-api:/{stage}/{VERB}/{path}` into the full
/// ARN `arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/{VERB}/{path}`.
///
/// Anything that is not the shorthand (a full ARN, `*`) is returned unchanged. The shorthand
/// `execute-api:/*` becomes `arn:aws:execute-api:{region}:{account}:{api_id}/*`.
pub fn expand_shorthand(resource: &str, region: &str, account: &str, api_id: &str) -> String {
    match resource.strip_prefix(SHORTHAND_PREFIX) {
        Some(rest) if rest.starts_with('/') => {
            format!("arn:aws:execute-api:{region}:{account}:{api_id}{rest}")
        }
        _ => resource.to_owned(),
    }
}

/// Masks the account field of an ARN the way API Gateway prints it in denial messages:
/// all but the last four characters become `*` (`123456789012` -> `********9012`).
///
/// Strings that are not ARNs (fewer than five `:`-separated fields) are returned unchanged;
/// an account field of four characters or fewer is left as is.
pub fn mask_account(arn: &str) -> String {
    let mut parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts.first() != Some(&"arn") {
        return arn.to_owned();
    }
    let account = parts[4];
    let count = account.chars().count();
    if count <= 4 {
        return arn.to_owned();
    }
    let masked: String = account
        .chars()
        .enumerate()
        .map(|(i, c)| if i < count - 4 { '*' } else { c })
        .collect();
    parts[4] = &masked;
    parts.join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_arn_matches_reference_example() {
        // Reference §4.2: methodArn for GET /pets/42 on stage prod.
        assert_eq!(
            method_arn(
                "us-east-1",
                "123456789012",
                "abcdef1234",
                "prod",
                "GET",
                "/pets/42"
            ),
            "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets/42"
        );
    }

    #[test]
    fn method_arn_root_ends_with_verb_slash() {
        assert_eq!(
            method_arn(
                "us-east-1",
                "123456789012",
                "abcdef1234",
                "prod",
                "GET",
                "/"
            ),
            "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/"
        );
        assert_eq!(
            method_arn("eu-west-1", "1", "a", "s", "POST", ""),
            "arn:aws:execute-api:eu-west-1:1:a/s/POST/"
        );
    }

    #[test]
    fn shorthand_expansion() {
        assert_eq!(
            expand_shorthand(
                "execute-api:/prod/GET/pets",
                "us-east-1",
                "123456789012",
                "abc"
            ),
            "arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/pets"
        );
        assert_eq!(
            expand_shorthand("execute-api:/*", "us-east-1", "123456789012", "abc"),
            "arn:aws:execute-api:us-east-1:123456789012:abc/*"
        );
        assert_eq!(expand_shorthand("*", "r", "a", "i"), "*");
        let full = "arn:aws:execute-api:us-east-1:1:abc/*";
        assert_eq!(expand_shorthand(full, "r", "a", "i"), full);
    }

    #[test]
    fn masking_keeps_last_four_digits() {
        // Reference §6/§7: arn:aws:execute-api:us-east-1:********9012:abcdef1234/prod/GET/pets
        assert_eq!(
            mask_account("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets"),
            "arn:aws:execute-api:us-east-1:********9012:abcdef1234/prod/GET/pets"
        );
        assert_eq!(mask_account("not an arn"), "not an arn");
        assert_eq!(mask_account("arn:aws:s3:::bucket"), "arn:aws:s3:::bucket");
    }
}
