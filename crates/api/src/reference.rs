//! The API reference as one HTML page, made from the OpenAPI document
//! (`doc.rs`): every operation by tag with its parameters, body, answers
//! and refusals, then every type with its fields. Plain HTML and inline
//! CSS, no script, nothing fetched: it reads offline, from the checked-in
//! `docs/api-reference.html` (a test fails when it is stale) or from the
//! running API at `/reference.html`.

use serde_json::Value;
use std::fmt::Write;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A schema in a few words: its type, a link to a named one, its limits.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#type-{0}\">{0}</a>", esc(name));
    }
    if let Some(any) = schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Value::as_array) {
        return any.iter().map(type_of).collect::<Vec<_>>().join(" | ");
    }
    let mut t = match schema.get("type") {
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" | "),
        Some(Value::String(t)) if t == "array" => {
            format!("array of {}", schema.get("items").map(type_of).unwrap_or_else(|| "any".into()))
        }
        Some(Value::String(t)) => t.clone(),
        _ => "any".into(),
    };
    if let Some(Value::Array(items)) = schema.get("enum") {
        let values: Vec<String> = items.iter().map(|v| format!("<code>{}</code>", esc(&v.to_string()))).collect();
        t = format!("{t}: one of {}", values.join(", "));
    }
    if let Some(f) = schema.get("format").and_then(Value::as_str) {
        t.push_str(&format!(" ({})", esc(f)));
    }
    let limits: Vec<String> = [
        ("minimum", "≥"),
        ("maximum", "≤"),
        ("minLength", "length ≥"),
        ("maxLength", "length ≤"),
        ("maxItems", "items ≤"),
        ("pattern", "matches"),
    ]
    .iter()
    .filter_map(|(k, say)| schema.get(*k).map(|v| format!("{say} <code>{}</code>", esc(&v.to_string()))))
    .collect();
    if limits.is_empty() { t } else { format!("{t}; {}", limits.join(", ")) }
}

fn text(v: Option<&Value>) -> String {
    esc(v.and_then(Value::as_str).unwrap_or("")).replace("\n\n", "<br><br>").replace('\n', " ")
}

fn operation(out: &mut String, method: &str, path: &str, op: &Value) {
    let id = op.get("operationId").and_then(Value::as_str).unwrap_or("op");
    let _ = write!(
        out,
        "<section class=\"op\" id=\"op-{id}\"><h3><span class=\"method {m}\">{M}</span> <code>{p}</code></h3><p>{d}</p>",
        id = esc(id),
        m = esc(method),
        M = esc(&method.to_uppercase()),
        p = esc(path),
        d = text(op.get("description").or_else(|| op.get("summary"))),
    );
    if let Some(params) = op.get("parameters").and_then(Value::as_array).filter(|p| !p.is_empty()) {
        out.push_str("<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>about</th></tr>");
        for p in params {
            let required = if p.get("required").and_then(Value::as_bool) == Some(true) { " *" } else { "" };
            let _ = write!(
                out,
                "<tr><td><code>{}</code>{required}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(p.get("name")),
                text(p.get("in")),
                p.get("schema").map(type_of).unwrap_or_default(),
                text(p.get("description")),
            );
        }
        out.push_str("</table>");
    }
    if let Some(body) = op.get("requestBody") {
        let schema = body.pointer("/content/application~1json/schema").map(type_of).unwrap_or_default();
        let _ = write!(out, "<h4>Body</h4><p><code>application/json</code>: {schema}</p>");
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_object) {
        out.push_str("<h4>Answers</h4><table><tr><th>status</th><th>body</th><th>when</th></tr>");
        for (status, r) in responses {
            let content = r.get("content").and_then(Value::as_object);
            let body = content
                .and_then(|c| c.iter().next())
                .map(|(ct, m)| format!("<code>{}</code> {}", esc(ct), m.get("schema").map(type_of).unwrap_or_default()))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td class=\"s{}\">{}</td><td>{body}</td><td>{}</td></tr>",
                esc(&status[..1]),
                esc(status),
                text(r.get("description"))
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
}

fn schema_section(out: &mut String, name: &str, s: &Value) {
    let _ = write!(
        out,
        "<section class=\"type\" id=\"type-{0}\"><h3>{0}</h3><p>{1}</p>",
        esc(name),
        text(s.get("description"))
    );
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = s.get("properties").and_then(Value::as_object) {
        out.push_str("<table><tr><th>field</th><th>type</th><th>about</th></tr>");
        for (field, p) in props {
            let mark = if required.contains(&field.as_str()) { " *" } else { "" };
            let _ = write!(
                out,
                "<tr><td><code>{}</code>{mark}</td><td>{}</td><td>{}</td></tr>",
                esc(field),
                type_of(p),
                text(p.get("description"))
            );
        }
        out.push_str("</table>");
    } else if let Some(variants) = s.get("oneOf").and_then(Value::as_array) {
        out.push_str("<ul>");
        for v in variants {
            let _ = write!(out, "<li>{} {}</li>", text(v.get("description")), type_of(v));
            if let Some(props) = v.get("properties").and_then(Value::as_object) {
                let fields: Vec<String> =
                    props.iter().map(|(f, p)| format!("<code>{}</code>: {}", esc(f), type_of(p))).collect();
                let _ = write!(out, "<ul><li>{}</li></ul>", fields.join("; "));
            }
        }
        out.push_str("</ul>");
    } else {
        let _ = write!(out, "<p>{}</p>", type_of(s));
    }
    out.push_str("</section>");
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222}\
h1{margin-bottom:0}h2{border-bottom:2px solid #8a3b12;padding-bottom:.2rem;margin-top:2.5rem}\
section{margin:1.2rem 0 2rem}table{border-collapse:collapse;width:100%;margin:.3rem 0}\
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f4efe9}\
code{font-family:ui-monospace,monospace;font-size:.92em}.method{display:inline-block;min-width:4.2rem;\
padding:0 .4rem;border-radius:4px;color:#fff;background:#555;font-size:.85em;text-align:center}\
.get{background:#1d6b3a}.post{background:#1a4f8a}.put{background:#8a5a12}.delete{background:#8a1a1a}\
.s2{color:#1d6b3a}.s4{color:#8a1a1a}.s5{color:#8a1a1a}nav li{margin:.1rem 0}";

/// The page for `doc` (the OpenAPI document as JSON).
pub fn page(doc: &Value) -> String {
    let mut out = String::new();
    let title = text(doc.pointer("/info/title"));
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <style>{STYLE}</style></head><body><h1>{title}</h1><p>Version {} · OpenAPI {} · generated from \
         <code>docs/openapi.json</code>; the guide is <code>docs/register-api.md</code>. <code>*</code> marks what is required.</p><p>{}</p>",
        text(doc.pointer("/info/version")),
        text(doc.get("openapi")),
        text(doc.pointer("/info/description")),
    );
    let tags: Vec<(String, String)> = doc
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| t.iter().map(|t| (text(t.get("name")), text(t.get("description")))).collect())
        .unwrap_or_default();
    let ops: Vec<(String, String, &Value)> = doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            item.as_object().into_iter().flatten().map(move |(m, op)| (m.clone(), path.clone(), op))
        })
        .collect();
    out.push_str("<nav><h2>Operations</h2><ul>");
    for (m, p, op) in &ops {
        let id = op.get("operationId").and_then(Value::as_str).unwrap_or("op");
        let _ = write!(out, "<li><a href=\"#op-{}\">{} {}</a></li>", esc(id), esc(&m.to_uppercase()), esc(p));
    }
    out.push_str("</ul></nav>");
    for (tag, about) in &tags {
        let _ = write!(out, "<h2>{tag}</h2><p>{about}</p>");
        for (m, p, op) in &ops {
            let tagged =
                op.get("tags").and_then(Value::as_array).is_some_and(|t| t.iter().any(|x| text(Some(x)) == *tag));
            if tagged {
                operation(&mut out, m, p, op);
            }
        }
    }
    out.push_str("<h2>Types</h2>");
    if let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) {
        for (name, s) in schemas {
            schema_section(&mut out, name, s);
        }
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_and_type_is_on_the_page_and_text_is_escaped() {
        let doc = crate::doc::document();
        let page = page(&doc);
        for (path, item) in doc["paths"].as_object().unwrap() {
            for op in item.as_object().unwrap().values() {
                let id = op["operationId"].as_str().unwrap();
                assert!(page.contains(&format!("id=\"op-{id}\"")), "{path}: {id}");
            }
        }
        for name in doc["components"]["schemas"].as_object().unwrap().keys() {
            assert!(page.contains(&format!("id=\"type-{name}\"")), "{name}");
        }
        assert!(!page.contains("<script"), "no script");
        assert!(!page.contains("http://") && !page.contains("https://"), "nothing fetched");
        assert_eq!(esc("<a href=\"x\">&"), "&lt;a href=&quot;x&quot;&gt;&amp;");
    }
}
