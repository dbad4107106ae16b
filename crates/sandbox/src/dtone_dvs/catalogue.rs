//! The DVS fake's catalogue: services, countries, operators, benefit
//! types, a promotion, a campaign and one product of each of four types,
//! shaped as DT One's OpenAPI document (1.23.0) describes them.

use serde_json::{Value, json};

/// What the discovery operations serve.
pub(super) struct Catalogue {
    pub(super) services: Vec<Value>,
    pub(super) countries: Vec<Value>,
    pub(super) operators: Vec<Value>,
    pub(super) benefit_types: Vec<Value>,
    pub(super) promotions: Vec<Value>,
    pub(super) campaigns: Vec<Value>,
    pub(super) products: Vec<Value>,
}

fn country(iso: &str) -> Value {
    match iso {
        "SGP" => json!({"name": "Singapore", "iso_code": "SGP", "regions": null}),
        _ => json!({"name": "Indonesia", "iso_code": "IDN", "regions": null}),
    }
}

fn operator(id: i64, name: &str, iso: &str) -> Value {
    json!({"id": id, "name": name, "country": country(iso), "regions": null})
}

fn service(id: i64, name: &str, sub: i64, sub_name: &str) -> Value {
    json!({"id": id, "name": name, "subservice": {"id": sub, "name": sub_name}})
}

fn money(unit: &str, amount: Value) -> Value {
    json!({"unit_type": "CURRENCY", "unit": unit, "amount": amount})
}

fn prices(unit: &str, wholesale: f64, fee: f64, retail: f64) -> Value {
    json!({
        "wholesale": {"unit_type": "CURRENCY", "unit": unit, "amount": wholesale, "fee": fee},
        "retail": {"unit_type": "CURRENCY", "unit": unit, "amount": retail, "fee": 0}
    })
}

const PROMOTION_DATES: (&str, &str) = ("2026-01-01T00:00:00Z", "2027-12-31T23:59:59Z");

impl Catalogue {
    pub(super) fn new() -> Catalogue {
        let mobile_sg = operator(1, "Sandbox Mobile Singapore", "SGP");
        let telco_id = operator(2, "Sandbox Telco Indonesia", "IDN");
        let power_id = operator(3, "Sandbox Power Indonesia", "IDN");
        let gift_sg = operator(4, "Sandbox Gift Cards Singapore", "SGP");
        let promotion = json!({
            "id": 1, "title": "Double airtime", "description": "Twice the airtime on SGD 10 top-ups",
            "terms": "Sandbox promotion", "start_date": PROMOTION_DATES.0, "end_date": PROMOTION_DATES.1
        });
        let none = Value::Null;
        let products = vec![
            json!({
                "id": 1, "name": "SGD 10 airtime", "description": "SGD 10 mobile airtime",
                "tags": ["AIRTIME"], "service": service(1, "Mobile", 11, "Airtime"),
                "operator": mobile_sg, "regions": null, "type": "FIXED_VALUE_RECHARGE",
                "validity": {"unit": "DAY", "quantity": 30},
                "required_debit_party_identifier_fields": none,
                "required_credit_party_identifier_fields": [["mobile_number"]],
                "required_sender_fields": none, "required_beneficiary_fields": none,
                "required_statement_identifier_fields": none,
                "required_additional_identifier_fields": none,
                "availability_zones": ["INTERNATIONAL"],
                "source": money("USD", json!(7.5)), "destination": money("SGD", json!(10)),
                "prices": prices("USD", 7.2, 0.1, 7.9),
                "rates": {"base": 1.333333, "wholesale": 1.388888, "retail": 1.265822},
                "benefits": [{"type": "TALKTIME", "unit_type": "CURRENCY", "unit": "SGD",
                    "amount": {"base": 10, "promotion_bonus": 10, "total_excluding_tax": 20, "total_including_tax": 20},
                    "additional_information": null}],
                "promotions": [promotion.clone()]
            }),
            json!({
                "id": 2, "name": "IDR airtime", "description": "Airtime of any value from USD 1 to 100",
                "tags": ["AIRTIME"], "service": service(1, "Mobile", 11, "Airtime"),
                "operator": telco_id, "regions": null, "type": "RANGED_VALUE_RECHARGE",
                "validity": null,
                "required_debit_party_identifier_fields": none,
                "required_credit_party_identifier_fields": [["mobile_number"]],
                "required_sender_fields": none, "required_beneficiary_fields": none,
                "required_statement_identifier_fields": none,
                "required_additional_identifier_fields": none,
                "accepted_calculation_modes": ["SOURCE_AMOUNT", "DESTINATION_AMOUNT"],
                "availability_zones": ["INTERNATIONAL"],
                "source": money("USD", json!({"min": 1, "max": 100})),
                "destination": money("IDR", json!({"min": 15000, "max": 1500000})),
                "prices": {
                    "wholesale": {"unit_type": "CURRENCY", "unit": "USD", "amount": {"min": 1, "max": 100}, "fee": 0.2},
                    "retail": {"unit_type": "CURRENCY", "unit": "USD", "amount": {"min": 1, "max": 100}, "fee": 0}
                },
                "rates": {"base": 15000, "wholesale": 15000, "retail": 15000},
                "benefits": [{"type": "TALKTIME", "unit_type": "CURRENCY", "unit": "IDR",
                    "amount": {"base": {"min": 15000, "max": 1500000}, "promotion_bonus": {"min": 0, "max": 0},
                        "total_excluding_tax": {"min": 15000, "max": 1500000}, "total_including_tax": {"min": 15000, "max": 1500000}},
                    "additional_information": null}],
                "promotions": null
            }),
            json!({
                "id": 3, "name": "USD 10 gaming card", "description": "A USD 10 gaming gift card",
                "tags": ["GAMING"], "service": service(3, "Gift Cards", 31, "Gaming"),
                "operator": gift_sg, "regions": null, "type": "FIXED_VALUE_PIN_PURCHASE",
                "validity": {"unit": "MONTH", "quantity": 12},
                "required_debit_party_identifier_fields": none,
                "required_credit_party_identifier_fields": none,
                "required_sender_fields": none, "required_beneficiary_fields": none,
                "required_statement_identifier_fields": none,
                "required_additional_identifier_fields": none,
                "availability_zones": ["INTERNATIONAL", "DOMESTIC"],
                "source": money("USD", json!(10)), "destination": money("USD", json!(10)),
                "prices": prices("USD", 9.5, 0.0, 10.0),
                "rates": {"base": 1, "wholesale": 1.052631, "retail": 1},
                "pin": {"usage_info": ["Redeem the code in the game's store"],
                    "validity": {"unit": "MONTH", "quantity": 12}, "terms": "Sandbox terms"},
                "benefits": [{"type": "CREDITS", "unit_type": "CURRENCY", "unit": "USD",
                    "amount": {"base": 10, "promotion_bonus": 0, "total_excluding_tax": 10, "total_including_tax": 10},
                    "additional_information": null}],
                "promotions": null
            }),
            json!({
                "id": 4, "name": "Electricity bill", "description": "Pays an electricity bill in IDR",
                "tags": ["BILLS"], "service": service(2, "Utilities", 21, "Electricity"),
                "operator": power_id, "regions": null, "type": "RANGED_VALUE_PAYMENT",
                "validity": null,
                "required_debit_party_identifier_fields": none,
                "required_credit_party_identifier_fields": [["account_number"]],
                "required_sender_fields": none, "required_beneficiary_fields": none,
                "required_statement_identifier_fields": none,
                "required_additional_identifier_fields": none,
                "accepted_calculation_modes": ["SOURCE_AMOUNT", "DESTINATION_AMOUNT"],
                "availability_zones": ["INTERNATIONAL"],
                "source": money("USD", json!({"min": 1, "max": 100})),
                "destination": money("IDR", json!({"min": 15000, "max": 1500000})),
                "prices": {
                    "wholesale": {"unit_type": "CURRENCY", "unit": "USD", "amount": {"min": 1, "max": 100}, "fee": 0.2},
                    "retail": {"unit_type": "CURRENCY", "unit": "USD", "amount": {"min": 1, "max": 100}, "fee": 0}
                },
                "rates": {"base": 15000, "wholesale": 15000, "retail": 15000},
                "payment": {"modes": ["EXACT", "PARTIAL"],
                    "posting_period": {"unit": "DAY", "quantity": 1, "type": "BUSINESS"},
                    "supports_statement_inquiry": true,
                    "required_inquiry_fields": [["account_number"]], "notes": null},
                "benefits": [{"type": "PAYMENT", "unit_type": "CURRENCY", "unit": "IDR",
                    "amount": {"base": {"min": 15000, "max": 1500000}, "promotion_bonus": {"min": 0, "max": 0},
                        "total_excluding_tax": {"min": 15000, "max": 1500000}, "total_including_tax": {"min": 15000, "max": 1500000}},
                    "additional_information": null}],
                "promotions": null
            }),
        ];
        let product_ref = |p: &Value, with_operator: bool| {
            let mut r = json!({"id": p["id"], "name": p["name"], "description": p["description"], "type": p["type"]});
            if with_operator {
                r["operator"] = p["operator"].clone();
            }
            r
        };
        let mut promotion_full = promotion;
        promotion_full["operator"] = json!({"id": 1, "name": "Sandbox Mobile Singapore",
            "country": {"name": "Singapore", "iso_code": "SGP"}});
        promotion_full["products"] = json!([product_ref(&products[0], false)]);
        let campaign = json!({
            "id": 1, "title": "Top-up week", "description": "Top-ups in Singapore and Indonesia",
            "terms": null, "start_date": PROMOTION_DATES.0, "end_date": PROMOTION_DATES.1,
            "products": [product_ref(&products[0], true), product_ref(&products[1], true)]
        });
        Catalogue {
            services: vec![
                json!({"id": 1, "name": "Mobile", "subservices": [{"id": 11, "name": "Airtime"}, {"id": 12, "name": "Bundles"}]}),
                json!({"id": 2, "name": "Utilities", "subservices": [{"id": 21, "name": "Electricity"}]}),
                json!({"id": 3, "name": "Gift Cards", "subservices": [{"id": 31, "name": "Gaming"}]}),
            ],
            countries: vec![country("IDN"), country("SGP")],
            operators: vec![
                operator(1, "Sandbox Mobile Singapore", "SGP"),
                operator(2, "Sandbox Telco Indonesia", "IDN"),
                operator(3, "Sandbox Power Indonesia", "IDN"),
                operator(4, "Sandbox Gift Cards Singapore", "SGP"),
            ],
            benefit_types: ["TALKTIME", "DATA", "SMS", "PAYMENT", "CREDITS"]
                .iter()
                .map(|n| json!({ "name": n }))
                .collect(),
            promotions: vec![promotion_full],
            campaigns: vec![campaign],
            products,
        }
    }

    pub(super) fn product(&self, id: i64) -> Option<&Value> {
        self.products.iter().find(|p| p["id"].as_i64() == Some(id))
    }

    /// The operators a mobile number may belong to: by its country's
    /// calling code (+65 Singapore, +62 Indonesia), mobile operators only.
    pub(super) fn operators_of_number(&self, number: &str) -> Vec<Value> {
        let iso = if number.starts_with("+65") {
            "SGP"
        } else if number.starts_with("+62") {
            "IDN"
        } else {
            return Vec::new();
        };
        self.products
            .iter()
            .filter(|p| p["service"]["id"] == 1 && p["operator"]["country"]["iso_code"] == iso)
            .map(|p| {
                let mut o = p["operator"].clone();
                o["identified"] = json!(true);
                o
            })
            .collect()
    }
}
