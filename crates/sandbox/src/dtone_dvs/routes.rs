//! The DVS fake's routes: authentication, pagination, the 26 operations
//! and the callbacks.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::{
    API_KEY, API_SECRET, BASE_PATH, CALLBACK_RESEND_SCHEDULE, CallbackDelivery, RATE_LIMIT,
    SYNC_HOLD_LIMIT, Shared, Tx, number, simulated_outcome,
};

/// An error answer: its HTTP status, DVS code and message.
struct Fail {
    status: u16,
    code: u32,
    message: String,
}

impl Fail {
    /// The answer in DVS's shape `{"errors":[{"code":..,"message":..}]}`.
    fn response(self) -> ResponseTemplate {
        ResponseTemplate::new(self.status)
            .set_body_json(json!({"errors": [{"code": self.code, "message": self.message}]}))
    }
}

fn error(status: u16, code: u32, message: &str) -> Fail {
    Fail {
        status,
        code,
        message: message.to_owned(),
    }
}

fn bad(message: &str) -> Fail {
    error(400, 1000400, message)
}

type Answer = Result<ResponseTemplate, Fail>;

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// The fake's router.
pub(super) struct Router(pub(super) Arc<Shared>);

impl Respond for Router {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let s = &self.0;
        let remaining = {
            let mut st = s.lock();
            let (start, count) = &mut st.window;
            if start.elapsed() >= Duration::from_secs(60) {
                *start = Instant::now();
                *count = 0;
            }
            *count = count.saturating_add(1);
            RATE_LIMIT.saturating_sub(*count)
        };
        let mut answer = route(s, req).unwrap_or_else(Fail::response);
        if ["/products", "/promotions"]
            .iter()
            .any(|p| req.url.path().starts_with(&format!("{BASE_PATH}{p}")))
        {
            // The catalogue's texts are in English whatever the
            // `Accept-Language`.
            answer = answer
                .insert_header("content-language", "en")
                .insert_header("vary", "Accept-Language");
        }
        answer
            .insert_header("x-ratelimit-limit", RATE_LIMIT.to_string().as_str())
            .insert_header("x-ratelimit-remaining", remaining.to_string().as_str())
    }
}

fn authorized(req: &Request) -> bool {
    let Some(value) = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let expected = format!("{API_KEY}:{API_SECRET}");
    partner_sdk_core::signature::constant_time_eq(&decoded, expected.as_bytes())
}

fn route(s: &Arc<Shared>, req: &Request) -> Answer {
    let path = req.url.path().trim_end_matches('/');
    let Some(rest) = path.strip_prefix(BASE_PATH) else {
        return Err(error(404, 1000404, "Resource not found"));
    };
    if !authorized(req) {
        return Err(error(401, 1000401, "Unauthorized"));
    }
    let query: BTreeMap<String, String> = req.url.query_pairs().into_owned().collect();
    let segs: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    let c = &s.catalogue;
    match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["services"]) => {
            let iso = query.get("country_iso_code");
            let list = c
                .services
                .iter()
                .filter(|sv| {
                    iso.is_none_or(|iso| {
                        c.products.iter().any(|p| {
                            p["service"]["id"] == sv["id"]
                                && p["operator"]["country"]["iso_code"] == iso.as_str()
                        })
                    })
                })
                .cloned()
                .collect();
            paged(list, &query)
        }
        ("GET", ["services", id]) => {
            find(&c.services, "id", int(id)?, 1005004, "Service not found")
        }
        ("GET", ["countries"]) => {
            let service = int_filter(&query, "service_id")?;
            let sub = int_filter(&query, "subservice_id")?;
            let list = c
                .countries
                .iter()
                .filter(|country| {
                    c.products.iter().any(|p| {
                        p["operator"]["country"]["iso_code"] == country["iso_code"]
                            && service.is_none_or(|v| p["service"]["id"] == v)
                            && sub.is_none_or(|v| p["service"]["subservice"]["id"] == v)
                    })
                })
                .cloned()
                .collect();
            paged(list, &query)
        }
        ("GET", ["countries", iso]) => c
            .countries
            .iter()
            .find(|country| country["iso_code"] == *iso)
            .map(|country| ok(country.clone()))
            .ok_or_else(|| error(404, 1005005, "Country not found")),
        ("GET", ["operators"]) => {
            let iso = query.get("country_iso_code");
            let service = int_filter(&query, "service_id")?;
            let sub = int_filter(&query, "subservice_id")?;
            let list = c
                .operators
                .iter()
                .filter(|o| {
                    iso.is_none_or(|iso| o["country"]["iso_code"] == iso.as_str())
                        && c.products.iter().any(|p| {
                            p["operator"]["id"] == o["id"]
                                && service.is_none_or(|v| p["service"]["id"] == v)
                                && sub.is_none_or(|v| p["service"]["subservice"]["id"] == v)
                        })
                })
                .cloned()
                .collect();
            paged(list, &query)
        }
        ("GET", ["operators", id]) => {
            find(&c.operators, "id", int(id)?, 1005006, "Operator not found")
        }
        ("GET", ["benefit-types"]) => paged(c.benefit_types.clone(), &query),
        ("GET", ["promotions"]) => paged(by_product_filters(&c.promotions, &query)?, &query),
        ("GET", ["promotions", id]) => find(
            &c.promotions,
            "id",
            int(id)?,
            1003201,
            "Promotion not found",
        ),
        ("GET", ["campaigns"]) => paged(by_product_filters(&c.campaigns, &query)?, &query),
        ("GET", ["campaigns", id]) => {
            find(&c.campaigns, "id", int(id)?, 1003301, "Campaign not found")
        }
        ("GET", ["products"]) => products(s, &query),
        ("GET", ["products", id]) => find(
            &c.products,
            "id",
            int(id)?,
            1003001,
            "Product is not available in your account",
        ),
        ("POST", ["async", "transactions"]) => create(s, req, false),
        ("POST", ["sync", "transactions"]) => create(s, req, true),
        ("GET", ["transactions"]) => list_transactions(s, &query),
        ("GET", ["transactions", id]) => {
            let id = transaction_id(id)?;
            let now = Instant::now();
            let st = s.lock();
            st.transactions
                .iter()
                .find(|t| t.id == id)
                .map(|t| ok(s.render(t, now, true)))
                .ok_or_else(not_found)
        }
        ("POST", ["async", "transactions", id, "confirm"]) => confirm(s, id, false),
        ("POST", ["sync", "transactions", id, "confirm"]) => confirm(s, id, true),
        ("POST", ["transactions", id, "cancel"]) => cancel(s, id),
        ("GET", ["balances"]) => {
            let balance = {
                let st = s.lock();
                s.balance(&st, Instant::now())
            };
            let keep = query.get("unit_type").is_none_or(|u| u == "CURRENCY")
                && query.get("unit").is_none_or(|u| u == "USD");
            paged(if keep { vec![balance] } else { Vec::new() }, &query)
        }
        ("GET", ["lookup", "mobile-number", number]) => lookup_number(s, number, &query),
        ("POST", ["lookup", "mobile-number"]) => {
            let body = json_body(req)?;
            let number = body_text(&body, "mobile_number")
                .ok_or_else(|| bad("mobile_number is required"))?;
            lookup_number(s, &number, &body_paging(&body))
        }
        ("POST", ["lookup", "statement-inquiry"]) => statement(s, req),
        ("POST", ["lookup", "credit-party-benefits"]) => credit_party(s, req, true),
        ("POST", ["lookup", "credit-party-status"]) => credit_party(s, req, false),
        _ => Err(error(404, 1000404, "Resource not found")),
    }
}

fn not_found() -> Fail {
    error(404, 1008004, "Transaction not found")
}

fn int(text: &str) -> Result<i64, Fail> {
    text.parse()
        .map_err(|_| bad(&format!("invalid identifier: {text}")))
}

fn transaction_id(text: &str) -> Result<u64, Fail> {
    text.parse().map_err(|_| not_found())
}

fn int_filter(query: &BTreeMap<String, String>, name: &str) -> Result<Option<i64>, Fail> {
    query
        .get(name)
        .map(|v| v.parse().map_err(|_| bad(&format!("invalid {name}"))))
        .transpose()
}

fn find(list: &[Value], key: &str, id: i64, code: u32, message: &str) -> Answer {
    list.iter()
        .find(|v| v[key].as_i64() == Some(id))
        .map(|v| ok(v.clone()))
        .ok_or_else(|| error(404, code, message))
}

/// Promotions or campaigns filtered by `country_iso_code`, `operator_id`,
/// `product_id` (any of their products).
fn by_product_filters(
    list: &[Value],
    query: &BTreeMap<String, String>,
) -> Result<Vec<Value>, Fail> {
    let iso = query.get("country_iso_code");
    let operator = int_filter(query, "operator_id")?;
    let product = int_filter(query, "product_id")?;
    Ok(list
        .iter()
        .filter(|item| {
            let products = item["products"].as_array().cloned().unwrap_or_default();
            let op = |p: &Value| {
                if item["operator"].is_object() {
                    item["operator"].clone()
                } else {
                    p["operator"].clone()
                }
            };
            products.iter().any(|p| {
                iso.is_none_or(|iso| op(p)["country"]["iso_code"] == iso.as_str())
                    && operator.is_none_or(|o| op(p)["id"] == o)
                    && product.is_none_or(|id| p["id"] == id)
            })
        })
        .cloned()
        .collect())
}

fn products(s: &Shared, query: &BTreeMap<String, String>) -> Answer {
    let kind = query.get("type");
    let iso = query.get("country_iso_code");
    let service = int_filter(query, "service_id")?;
    let sub = int_filter(query, "subservice_id")?;
    let operator = int_filter(query, "operator_id")?;
    let benefits: Option<Vec<&str>> = query.get("benefit_types").map(|b| b.split(',').collect());
    let list = s
        .catalogue
        .products
        .iter()
        .filter(|p| {
            kind.is_none_or(|k| p["type"] == k.as_str())
                && iso.is_none_or(|iso| p["operator"]["country"]["iso_code"] == iso.as_str())
                && service.is_none_or(|v| p["service"]["id"] == v)
                && sub.is_none_or(|v| p["service"]["subservice"]["id"] == v)
                && operator.is_none_or(|v| p["operator"]["id"] == v)
                && benefits.as_ref().is_none_or(|wanted| {
                    p["benefits"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|b| wanted.iter().any(|w| b["type"] == *w))
                })
        })
        .cloned()
        .collect();
    paged(list, query)
}

/// `page`/`per_page` from a body, as a query would give them.
fn body_paging(body: &Value) -> BTreeMap<String, String> {
    ["page", "per_page"]
        .iter()
        .filter_map(|k| body_text(body, k).map(|v| ((*k).to_owned(), v)))
        .collect()
}

/// One page of `items`, with DVS's pagination headers.
fn paged(items: Vec<Value>, query: &BTreeMap<String, String>) -> Answer {
    let read = |name: &str, default: usize| match query.get(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| bad(&format!("{name} must be a positive integer"))),
    };
    let page = read("page", 1)?;
    let per_page = read("per_page", 50)?;
    if per_page > 100 {
        return Err(bad("per_page must be at most 100"));
    }
    let total = items.len();
    let pages = total.div_ceil(per_page);
    let body: Vec<Value> = items
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    let mut answer = ok(Value::Array(body))
        .insert_header("x-total", total.to_string().as_str())
        .insert_header("x-total-pages", pages.to_string().as_str())
        .insert_header("x-per-page", per_page.to_string().as_str())
        .insert_header("x-page", page.to_string().as_str());
    if page < pages {
        answer = answer.insert_header("x-next-page", (page + 1).to_string().as_str());
    }
    if page > 1 && page <= pages + 1 {
        answer = answer.insert_header("x-prev-page", (page - 1).to_string().as_str());
    }
    Ok(answer)
}

fn json_body(req: &Request) -> Result<Value, Fail> {
    serde_json::from_slice::<Value>(&req.body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| bad("the body must be a JSON object"))
}

fn body_text(body: &Value, name: &str) -> Option<String> {
    match &body[name] {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An E.164 number: `+` and 8 to 15 digits.
fn is_e164(number: &str) -> bool {
    number
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

fn lookup_number(s: &Shared, number: &str, query: &BTreeMap<String, String>) -> Answer {
    if !is_e164(number) {
        return Err(error(400, 1005003, "Credit party mobile number is invalid"));
    }
    paged(s.catalogue.operators_of_number(number), query)
}

fn statement(s: &Shared, req: &Request) -> Answer {
    let body = json_body(req)?;
    let product_id = body["product_id"]
        .as_i64()
        .ok_or_else(|| bad("product_id is required"))?;
    let account =
        body_text(&body, "account_number").ok_or_else(|| bad("account_number is required"))?;
    let product = s
        .catalogue
        .product(product_id)
        .ok_or_else(|| error(404, 1003001, "Product is not available in your account"))?;
    if product["payment"]["supports_statement_inquiry"] != true {
        return Err(error(400, 1007500, "Method not supported by operator"));
    }
    if !account.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(bad("account_number is invalid"));
    }
    paged(
        vec![json!({
            "reference": "Nov 2026",
            "dates": {"due": "2026-12-15", "statement": "2026-11-30"},
            "balance": {"unit_type": "CURRENCY", "unit": "IDR", "amount": 250000}
        })],
        &body_paging(&body),
    )
}

fn credit_party(s: &Shared, req: &Request, benefits: bool) -> Answer {
    let body = json_body(req)?;
    let service = body["service_id"]
        .as_i64()
        .ok_or_else(|| bad("service_id is required"))?;
    if !s.catalogue.services.iter().any(|sv| sv["id"] == service) {
        return Err(error(404, 1005004, "Service not found"));
    }
    let party = &body["credit_party_identifier"];
    let number = body_text(party, "mobile_number");
    let account = body_text(party, "account_number");
    if number.is_none() && account.is_none() {
        return Err(bad("credit_party_identifier is required"));
    }
    if number.as_deref().is_some_and(|n| !is_e164(n)) {
        return Err(error(400, 1005003, "Credit party mobile number is invalid"));
    }
    if !benefits {
        return Ok(ok(
            json!({"installation_date": null, "activation_date": "2026-01-01T00:00:00Z"}),
        ));
    }
    let country = s
        .catalogue
        .countries
        .iter()
        .find(|c| {
            number.as_deref().is_some_and(|n| n.starts_with("+65")) == (c["iso_code"] == "SGP")
        })
        .cloned()
        .unwrap_or(Value::Null);
    paged(
        vec![json!({
            "type": "TALKTIME", "unit_type": "CURRENCY", "unit": "SGD", "amount": 10,
            "expiration_date": null, "country": country
        })],
        &body_paging(&body),
    )
}

fn list_transactions(s: &Shared, query: &BTreeMap<String, String>) -> Answer {
    let parse_date = |name: &str| {
        query
            .get(name)
            .map(|v| {
                time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                    .map_err(|_| bad(&format!("invalid {name}")))
            })
            .transpose()
    };
    let (from, to) = (parse_date("from_date")?, parse_date("to_date")?);
    let service = int_filter(query, "service_id")?;
    let sub = int_filter(query, "subservice_id")?;
    let operator = int_filter(query, "operator_id")?;
    let status_id = int_filter(query, "status_id")?;
    let now = Instant::now();
    let st = s.lock();
    let list = st
        .transactions
        .iter()
        .filter(|t| {
            let p = &t.product;
            let party = &t.fields["credit_party_identifier"];
            let created = t.created_at;
            query.get("external_id").is_none_or(|e| *e == t.external_id)
                && query
                    .get("product_type")
                    .is_none_or(|k| p["type"] == k.as_str())
                && service.is_none_or(|v| p["service"]["id"] == v)
                && sub.is_none_or(|v| p["service"]["subservice"]["id"] == v)
                && query
                    .get("country_iso_code")
                    .is_none_or(|iso| p["operator"]["country"]["iso_code"] == iso.as_str())
                && operator.is_none_or(|v| p["operator"]["id"] == v)
                && status_id.is_none_or(|v| i64::from(s.status_at(t, now).id) == v)
                && query
                    .get("credit_party_mobile_number")
                    .is_none_or(|n| party["mobile_number"] == n.as_str())
                && query
                    .get("credit_party_account_number")
                    .is_none_or(|n| party["account_number"] == n.as_str())
                && from.is_none_or(|f| created >= f)
                && to.is_none_or(|t| created <= t)
        })
        .map(|t| s.render(t, now, true))
        .collect();
    drop(st);
    paged(list, query)
}

/// A `{unit_type, unit, amount}` of the request, checked against the
/// product's range.
fn requested_amount(body: &Value, side: &str, product: &Value) -> Result<Decimal, Fail> {
    let value = &body[side];
    let amount = value["amount"]
        .as_f64()
        .and_then(Decimal::from_f64_retain)
        .map(|a| a.round_dp(6).normalize())
        .ok_or_else(|| bad(&format!("{side}.amount is required")))?;
    let range = &product[side];
    if value["unit"] != range["unit"] || value["unit_type"] != range["unit_type"] {
        return Err(error(400, 1003003, "Requested product unit is invalid"));
    }
    let bound = |k: &str| {
        range["amount"][k]
            .as_f64()
            .and_then(Decimal::from_f64_retain)
            .unwrap_or_default()
    };
    if amount < bound("min") || amount > bound("max") {
        return Err(error(
            400,
            1003002,
            "Requested product amount is out of range",
        ));
    }
    Ok(amount)
}

/// Source amount, destination amount, wholesale price, fee, retail price.
fn amounts(body: &Value, product: &Value) -> Result<[Decimal; 5], Fail> {
    let dec = |v: &Value| {
        v.as_f64()
            .and_then(Decimal::from_f64_retain)
            .map(|d| d.round_dp(6).normalize())
            .unwrap_or_default()
    };
    let prices = &product["prices"];
    let fee = dec(&prices["wholesale"]["fee"]);
    if !product["type"]
        .as_str()
        .is_some_and(|t| t.starts_with("RANGED"))
    {
        return Ok([
            dec(&product["source"]["amount"]),
            dec(&product["destination"]["amount"]),
            dec(&prices["wholesale"]["amount"]),
            fee,
            dec(&prices["retail"]["amount"]),
        ]);
    }
    let rate = dec(&product["rates"]["base"]);
    let source = match body["calculation_mode"].as_str() {
        Some("SOURCE_AMOUNT") => requested_amount(body, "source", product)?,
        Some("DESTINATION_AMOUNT") => {
            let destination = requested_amount(body, "destination", product)?;
            if rate.is_zero() {
                return Err(bad("the product has no rate"));
            }
            (destination / rate).round_dp(2)
        }
        _ => {
            return Err(bad(
                "calculation_mode (SOURCE_AMOUNT or DESTINATION_AMOUNT) is required for a ranged product",
            ));
        }
    };
    Ok([source, source * rate, source, fee, source])
}

fn create(s: &Arc<Shared>, req: &Request, sync: bool) -> Answer {
    let body = json_body(req)?;
    let external_id =
        body_text(&body, "external_id").ok_or_else(|| bad("external_id is required"))?;
    if external_id.chars().count() > 40 {
        return Err(bad("external_id is longer than 40 characters"));
    }
    let product_id = body["product_id"]
        .as_i64()
        .ok_or_else(|| bad("product_id is required"))?;
    let product = s
        .catalogue
        .product(product_id)
        .ok_or_else(|| error(404, 1003001, "Product is not available in your account"))?
        .clone();
    let auto_confirm = match &body["auto_confirm"] {
        Value::Null => false,
        Value::Bool(b) => *b,
        _ => return Err(bad("auto_confirm must be a boolean")),
    };
    let callback_url = match &body["callback_url"] {
        Value::Null => None,
        Value::String(u) => match url::Url::parse(u) {
            Ok(p) if matches!(p.scheme(), "http" | "https") && p.has_host() => Some(u.clone()),
            _ => return Err(bad("callback_url must be an http(s) URL")),
        },
        _ => return Err(bad("callback_url must be a string")),
    };
    let party = &body["credit_party_identifier"];
    let fields: Vec<Vec<String>> =
        serde_json::from_value(product["required_credit_party_identifier_fields"].clone())
            .unwrap_or_default();
    if !fields.is_empty()
        && !fields
            .iter()
            .any(|set| set.iter().all(|f| body_text(party, f).is_some()))
    {
        let names: Vec<String> = fields.iter().map(|set| set.join(" + ")).collect();
        return Err(bad(&format!(
            "credit_party_identifier needs {}",
            names.join(" or ")
        )));
    }
    let mobile = body_text(party, "mobile_number");
    if mobile.as_deref().is_some_and(|n| !is_e164(n)) {
        return Err(error(400, 1005003, "Credit party mobile number is invalid"));
    }
    let identifier = if fields.is_empty() {
        None
    } else {
        mobile.or_else(|| body_text(party, "account_number"))
    };
    let [source, destination, wholesale, fee, retail] = amounts(&body, &product)?;
    let cost = wholesale + fee;
    let now = Instant::now();
    let mut st = s.lock();
    if st.transactions.iter().any(|t| t.external_id == external_id) {
        return Err(error(
            400,
            1007001,
            "Transaction external ID has already been used",
        ));
    }
    if cost > s.funds(&st, now).0 {
        return Err(error(400, 1006001, "Insufficient balance"));
    }
    let (src_unit, dst_unit) = (
        product["source"]["unit"].clone(),
        product["destination"]["unit"].clone(),
    );
    let values = json!({
        "source": {"unit_type": "CURRENCY", "unit": src_unit, "amount": number(source)},
        "destination": {"unit_type": "CURRENCY", "unit": dst_unit, "amount": number(destination)},
    });
    let party_or_null = |name: &str| body.get(name).cloned().unwrap_or(Value::Null);
    let mut benefits = product["benefits"].clone();
    if let Some(list) = benefits.as_array_mut() {
        for b in list.iter_mut() {
            if b["amount"]["base"].is_object() {
                let d = number(destination);
                b["amount"] = json!({"base": d, "promotion_bonus": 0, "total_excluding_tax": d, "total_including_tax": d});
            }
        }
    }
    let mut fields = serde_json::Map::new();
    for (k, v) in [
        (
            "prices",
            json!({
                "wholesale": {"unit_type": "CURRENCY", "unit": "USD", "amount": number(wholesale), "fee": number(fee)},
                "retail": {"unit_type": "CURRENCY", "unit": "USD", "amount": number(retail), "fee": 0}
            }),
        ),
        ("rates", product["rates"].clone()),
        ("benefits", benefits),
        ("promotions", product["promotions"].clone()),
        ("requested_values", values.clone()),
        ("adjusted_values", values),
        ("sender", party_or_null("sender")),
        ("beneficiary", party_or_null("beneficiary")),
        (
            "debit_party_identifier",
            party_or_null("debit_party_identifier"),
        ),
        (
            "credit_party_identifier",
            party_or_null("credit_party_identifier"),
        ),
        (
            "statement_identifier",
            party_or_null("statement_identifier"),
        ),
        (
            "additional_identifier",
            party_or_null("additional_identifier"),
        ),
    ] {
        fields.insert(k.to_owned(), v);
    }
    let id = st.next_id;
    st.next_id += 1;
    let tx = Tx {
        id,
        external_id,
        product,
        created: now,
        created_at: time::OffsetDateTime::now_utc(),
        confirmed: auto_confirm.then_some(now),
        cancelled: None,
        reversed: None,
        settled: None,
        outcome: simulated_outcome(identifier.as_deref()),
        callback_url,
        cost,
        fields,
    };
    let hold = if sync {
        held(s, &tx, now)
    } else {
        Duration::ZERO
    };
    let answer = s.render(&tx, now + hold, false);
    st.transactions.push(tx);
    drop(st);
    if auto_confirm {
        schedule_confirmed(s, id, now);
    }
    Ok(ResponseTemplate::new(201)
        .set_body_json(answer)
        .set_delay(hold))
}

/// How long a synchronous answer is held: until the final status, at most
/// the (scaled) hold limit; nothing for a transaction not confirmed.
fn held(s: &Shared, tx: &Tx, now: Instant) -> Duration {
    match tx.confirmed {
        Some(confirmed) => {
            let (_, done) = s.milestones(tx, confirmed);
            done.saturating_duration_since(now)
                .min(s.scaled(SYNC_HOLD_LIMIT))
        }
        None => Duration::ZERO,
    }
}

fn confirm(s: &Arc<Shared>, id: &str, sync: bool) -> Answer {
    let id = transaction_id(id)?;
    let now = Instant::now();
    let mut st = s.lock();
    let tx = st
        .transactions
        .iter_mut()
        .find(|t| t.id == id)
        .ok_or_else(not_found)?;
    if tx.confirmed.is_some() {
        return Err(error(
            400,
            1007002,
            "Transaction has already been confirmed",
        ));
    }
    if tx.cancelled.is_some() || now > tx.created + s.confirmation_window {
        return Err(error(
            400,
            1007004,
            "Transaction can no longer be confirmed",
        ));
    }
    tx.confirmed = Some(now);
    let hold = if sync {
        held(s, tx, now)
    } else {
        Duration::ZERO
    };
    let answer = s.render(tx, now + hold, false);
    drop(st);
    schedule_confirmed(s, id, now);
    Ok(ResponseTemplate::new(202)
        .set_body_json(answer)
        .set_delay(hold))
}

fn cancel(s: &Arc<Shared>, id: &str) -> Answer {
    let id = transaction_id(id)?;
    let now = Instant::now();
    let mut st = s.lock();
    let tx = st
        .transactions
        .iter_mut()
        .find(|t| t.id == id)
        .ok_or_else(not_found)?;
    if tx.cancelled.is_some() {
        return Err(error(
            400,
            1007005,
            "Transaction has already been cancelled",
        ));
    }
    if tx.confirmed.is_some() {
        return Err(error(
            400,
            1007007,
            "Transaction can no longer be cancelled",
        ));
    }
    tx.cancelled = Some(now);
    let answer = s.render(tx, now, false);
    drop(st);
    notify(s, id, now);
    Ok(ResponseTemplate::new(202).set_body_json(answer))
}

/// Schedules the callbacks of a transaction confirmed at `confirmed`:
/// `CONFIRMED` now, `SUBMITTED` and the final status later.
fn schedule_confirmed(s: &Arc<Shared>, id: u64, confirmed: Instant) {
    let milestones = {
        let st = s.lock();
        st.transactions
            .iter()
            .find(|t| t.id == id)
            .map(|t| s.milestones(t, confirmed))
    };
    if let Some((submitted, done)) = milestones {
        for at in [confirmed, submitted, done] {
            notify(s, id, at);
        }
    }
}

/// Posts the transaction, as of `at`, to its callback URL at `at`, resent
/// after each delay of [`CALLBACK_RESEND_SCHEDULE`] until a 2xx.
pub(super) fn notify(s: &Arc<Shared>, id: u64, at: Instant) {
    let Some(rt) = s.runtime.clone() else {
        return;
    };
    let s = Arc::clone(s);
    rt.spawn(async move {
        tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
        let found = {
            let st = s.lock();
            st.transactions
                .iter()
                .find(|t| t.id == id)
                // A transaction settled by hand before `at` had its final
                // callback then: only its reversal's callback is left.
                .filter(|t| t.settled.is_none_or(|settled| settled >= at) || t.reversed == Some(at))
                .and_then(|t| Some((t.callback_url.clone()?, s.render(t, at, true))))
        };
        let Some((url, body)) = found else {
            return;
        };
        let status = body["status"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let refused = crate::guard::check_webhook_url(&url, s.allow_remote_callbacks).err();
        for attempt in 1..=CALLBACK_RESEND_SCHEDULE.len() + 1 {
            let answer = match (&refused, &s.http) {
                (Some(refused), _) => Err(format!("not delivered: {refused}")),
                (None, Ok(http)) => http
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .map_err(|e| {
                        if e.is_timeout() {
                            format!("no answer within {:?}", s.callback_timeout)
                        } else {
                            e.without_url().to_string()
                        }
                    }),
                (None, Err(reason)) => Err(reason.clone()),
            };
            s.lock().deliveries.push(CallbackDelivery {
                transaction_id: id,
                status: status.clone(),
                attempt,
                response_status: answer.as_ref().ok().copied(),
                error: answer.as_ref().err().cloned(),
            });
            if matches!(answer, Ok(200..=299)) || refused.is_some() {
                return;
            }
            match CALLBACK_RESEND_SCHEDULE.get(attempt - 1) {
                Some(wait) => tokio::time::sleep(s.scaled(*wait)).await,
                None => return,
            }
        }
    });
}
