//! Names derived from the names users give: Terraform names, statement IDs, template
//! variables. One place, so two constructs never derive a name two ways.

/// `POST /orders/{id}` → `post_orders_id`: lowercase, runs of anything but letters and
/// digits become one `_`; `fallback` when nothing is left. For Terraform names.
pub fn slug(text: &str, fallback: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_');
    if out.is_empty() {
        fallback.to_string()
    } else {
        out.to_string()
    }
}

/// `sessions_table` → `SessionsTable` (for statement ids).
pub fn camel(s: &str) -> String {
    s.split(['_', '-'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// `aws_dynamodb_table.sessions.arn` → `dynamodb_table_sessions_arn`.
pub fn placeholder_name(text: &str) -> String {
    let t = text.strip_prefix("aws_").unwrap_or(text);
    let mut s: String = t
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    s.trim_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(slug("POST /orders/{id}", "default"), "post_orders_id");
        assert_eq!(slug("/", "root"), "root");
        assert_eq!(slug("ecr.api", "endpoint"), "ecr_api");
        assert_eq!(camel("sessions_table"), "SessionsTable");
        assert_eq!(camel("orders-dlq"), "OrdersDlq");
        assert_eq!(
            placeholder_name("aws_dynamodb_table.sessions.arn"),
            "dynamodb_table_sessions_arn"
        );
        assert_eq!(placeholder_name("var.Bucket__Name"), "var_Bucket_Name");
    }
}
