//! Discovery: ping, countries, services, operators.

use partner_sdk_core::Request;
use serde::{Deserialize, Serialize};

use crate::Client;
use crate::error::Result;
use crate::validate::{check_id, check_opt_id};

/// Answer of `GET /ping`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Ping {
    /// `"up"` when the API is available.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub status: String,
}

impl Ping {
    /// True when the API reports `"up"`.
    pub fn is_up(&self) -> bool {
        self.status.eq_ignore_ascii_case("up")
    }
}

/// A country.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Country {
    /// DT One country id (number or string on the wire).
    #[serde(deserialize_with = "partner_sdk_core::decode::i64")]
    pub country_id: i64,
    /// Country name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub country: String,
}

impl Country {
    /// A country with this id and name.
    pub fn new(country_id: i64, country: impl Into<String>) -> Self {
        Country {
            country_id,
            country: country.into(),
        }
    }
}

/// A service (television, grocery, electricity, ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Service {
    /// DT One service id.
    #[serde(deserialize_with = "partner_sdk_core::decode::i64")]
    pub service_id: i64,
    /// Service name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub service: String,
}

impl Service {
    /// A service with this id and name.
    pub fn new(service_id: i64, service: impl Into<String>) -> Self {
        Service {
            service_id,
            service: service.into(),
        }
    }
}

/// An operator and the country it serves.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[non_exhaustive]
pub struct Operator {
    /// DT One operator id.
    #[serde(deserialize_with = "partner_sdk_core::decode::i64")]
    pub operator_id: i64,
    /// Operator name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub operator: String,
    /// Country id, when given.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub country_id: Option<i64>,
    /// Country name, when given.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub country: Option<String>,
}

impl Operator {
    /// An operator with this id and name.
    pub fn new(operator_id: i64, operator: impl Into<String>) -> Self {
        Operator {
            operator_id,
            operator: operator.into(),
            ..Operator::default()
        }
    }
}

/// Filters of `GET /operators`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct OperatorFilter {
    /// Only operators of this country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_id: Option<i64>,
    /// Only operators offering this service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id: Option<i64>,
}

impl OperatorFilter {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only operators of this country.
    pub fn country_id(mut self, id: i64) -> Self {
        self.country_id = Some(id);
        self
    }
    /// Only operators offering this service.
    pub fn service_id(mut self, id: i64) -> Self {
        self.service_id = Some(id);
        self
    }
}

#[derive(Deserialize)]
struct Countries {
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    countries: Vec<Country>,
}

#[derive(Deserialize)]
struct Services {
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    services: Vec<Service>,
}

#[derive(Deserialize)]
struct Operators {
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    operators: Vec<Operator>,
}

impl Client {
    /// `GET /ping`: whether the API is up (also checks the credentials).
    pub async fn ping(&self) -> Result<Ping> {
        Ok(self.transport.send(Request::get("ping", "/ping")).await?)
    }

    /// `GET /countries[?service_id=]`: countries, optionally those offering a service.
    pub async fn list_countries(&self, service_id: Option<i64>) -> Result<Vec<Country>> {
        check_opt_id("service_id", service_id)?;
        let req = Request::get("list_countries", "/countries").query_opt("service_id", service_id);
        let body: Countries = self.transport.send(req).await?;
        Ok(body.countries)
    }

    /// `GET /services[?country_id=]`: services, optionally those of a country.
    pub async fn list_services(&self, country_id: Option<i64>) -> Result<Vec<Service>> {
        check_opt_id("country_id", country_id)?;
        let req = Request::get("list_services", "/services").query_opt("country_id", country_id);
        let body: Services = self.transport.send(req).await?;
        Ok(body.services)
    }

    /// `GET /operators[?country_id=&service_id=]`: operators, filtered.
    pub async fn list_operators(&self, filter: &OperatorFilter) -> Result<Vec<Operator>> {
        check_opt_id("country_id", filter.country_id)?;
        check_opt_id("service_id", filter.service_id)?;
        let req = Request::get("list_operators", "/operators").query(filter);
        let body: Operators = self.transport.send(req).await?;
        Ok(body.operators)
    }

    /// `GET /countries/{country_id}/services`: the services offered in a country.
    pub async fn list_country_services(&self, country_id: i64) -> Result<Vec<Service>> {
        check_id("country_id", country_id)?;
        let req = Request::get("list_country_services", "/countries/{country_id}/services")
            .param(country_id);
        let body: Services = self.transport.send(req).await?;
        Ok(body.services)
    }
}
