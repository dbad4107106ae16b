//! Applications: list (paginated stream), get, update the reference number,
//! documents, payment request and secure code.

use base64::Engine as _;
use partner_sdk_core::provider::boxed;
use partner_sdk_core::secret::redacted;
use partner_sdk_core::{Page, Request};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::common::{ListEnvelope, ListQuery, Listing, decode_page, list_stream, wire};
use crate::error::{Call, Error, ItemStream, Result};
use crate::validate::check_text;

partner_sdk_core::open_enum! {
    /// `applicationStatus`.
    pub enum ApplicationStatus {
        /// `APPROVED`.
        Approved => "APPROVED",
        /// `C.APPROV`: conditionally approved.
        ConditionallyApproved => "C.APPROV",
        /// `DECLINED`.
        Declined => "DECLINED",
        /// `PAID`.
        Paid => "PAID",
        /// `QUOTE`.
        Quote => "QUOTE",
        /// `REFER`: referred for manual assessment.
        Refer => "REFER",
        /// `WITHDRAW`: withdrawn.
        Withdraw => "WITHDRAW",
    }
}

partner_sdk_core::open_enum! {
    /// `applicationDocumentType`. The document-types answer and the upload
    /// sample spell the invoice type `invoice`, so that is what is sent;
    /// matching is case-insensitive.
    pub enum ApplicationDocumentType {
        /// Invoice.
        Invoice => "invoice" | "INVOICE",
        /// Small-scale technology certificate form.
        Stc => "STC",
        /// Customer credit agreement / completion form.
        Cca => "CCA",
    }
}

/// An applicant (primary or joint) of an application.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Applicant {
    /// Unique id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub id: String,
    /// Full name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub name: Option<String>,
    /// Email.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub email: Option<String>,
    /// Mobile phone number.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub mobile: Option<String>,
    /// Date of birth (`YYYY-MM-DD`).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub dob: Option<String>,
    /// True for the joint applicant, false for the primary one (`1`/`0`).
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::flag",
        serialize_with = "wire::flag"
    )]
    pub joint_applicant: bool,
}

/// A consumer finance application. Its applicants print redacted.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Application {
    /// Unique id.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::string")]
    pub id: String,
    /// Primary and joint applicants.
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    pub applicants: Vec<Applicant>,
    /// Agent who submitted it (`<first_name> <last_name>`).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub team_member: Option<String>,
    /// Financed amount (dollars as sent; number or string).
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::opt_decimal",
        serialize_with = "wire::opt_money"
    )]
    pub financed_amount: Option<Decimal>,
    /// Repayment term in months.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_i64")]
    pub repayment_term: Option<i64>,
    /// Product category.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub product_category: Option<String>,
    /// Description of the financed items.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub product_description: Option<String>,
    /// Vendor's reference number (the one field a vendor may update).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub reference_number: Option<String>,
    /// Status.
    #[serde(default)]
    pub status: Option<ApplicationStatus>,
    /// Creation time (ISO 8601, as sent).
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub created: Option<String>,
}

/// Personal data (dob, email, mobile, name) is printed as `[REDACTED]`.
impl std::fmt::Debug for Applicant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Applicant")
            .field("id", &self.id)
            .field("name", &redacted(&self.name))
            .field("email", &redacted(&self.email))
            .field("mobile", &redacted(&self.mobile))
            .field("dob", &redacted(&self.dob))
            .field("joint_applicant", &self.joint_applicant)
            .finish()
    }
}

/// Personal data (team_member) is printed as `[REDACTED]`.
impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("id", &self.id)
            .field("applicants", &self.applicants)
            .field("team_member", &redacted(&self.team_member))
            .field("financed_amount", &self.financed_amount)
            .field("repayment_term", &self.repayment_term)
            .field("product_category", &self.product_category)
            .field("product_description", &self.product_description)
            .field("reference_number", &self.reference_number)
            .field("status", &self.status)
            .field("created", &self.created)
            .finish()
    }
}

/// A document attached to an application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ApplicationDocument {
    /// Document type.
    #[serde(rename = "type", default)]
    pub document_type: Option<ApplicationDocumentType>,
    /// File name.
    #[serde(default, deserialize_with = "partner_sdk_core::decode::opt_string")]
    pub filename: Option<String>,
}

/// File extensions Brighte accepts for documents.
pub const ALLOWED_DOCUMENT_EXTENSIONS: [&str; 4] = ["jpg", "jpeg", "png", "pdf"];

/// A document to upload; the content is base64-encoded when sent.
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentUpload {
    /// Document type (`invoice_type`).
    pub document_type: ApplicationDocumentType,
    /// File name; must end in `.jpg`, `.jpeg`, `.png` or `.pdf`.
    pub filename: String,
    /// Raw file bytes.
    pub content: Vec<u8>,
}

impl std::fmt::Debug for DocumentUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentUpload")
            .field("document_type", &self.document_type)
            .field("filename", &self.filename)
            .field("content_len", &self.content.len())
            .finish()
    }
}

/// The JSON body of a document upload. Its content (the document, which
/// names the customer) prints as its length.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct DocumentUploadBody {
    /// Document type.
    pub invoice_type: String,
    /// File name.
    pub filename: String,
    /// Base64 content.
    pub filecontent: String,
}

impl std::fmt::Debug for DocumentUploadBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentUploadBody")
            .field("invoice_type", &self.invoice_type)
            .field("filename", &self.filename)
            .field("filecontent_len", &self.filecontent.len())
            .finish()
    }
}

impl DocumentUpload {
    /// A document of `document_type` named `filename` with `content`.
    pub fn new(
        document_type: ApplicationDocumentType,
        filename: impl Into<String>,
        content: impl Into<Vec<u8>>,
    ) -> Self {
        DocumentUpload {
            document_type,
            filename: filename.into(),
            content: content.into(),
        }
    }

    /// Validates and encodes the request body.
    pub fn to_body(&self) -> Result<DocumentUploadBody> {
        if self.document_type.as_str().trim().is_empty() {
            return Err(Error::invalid("document_type", "must not be empty"));
        }
        let name = self.filename.trim();
        if name.is_empty() || name.contains(['/', '\\']) {
            return Err(Error::invalid(
                "filename",
                "must be a plain, non-empty file name",
            ));
        }
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        if !ext
            .as_deref()
            .is_some_and(|e| ALLOWED_DOCUMENT_EXTENSIONS.contains(&e))
        {
            return Err(Error::invalid(
                "filename",
                "file type must be jpg, jpeg, png or pdf",
            ));
        }
        if self.content.is_empty() {
            return Err(Error::invalid("content", "must not be empty"));
        }
        Ok(DocumentUploadBody {
            invoice_type: self.document_type.as_str().to_owned(),
            filename: name.to_owned(),
            filecontent: base64::engine::general_purpose::STANDARD.encode(&self.content),
        })
    }
}

#[derive(Deserialize)]
struct ApplicationsEnvelope {
    #[serde(
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    applications: Vec<Application>,
    #[serde(
        rename = "hasMoreRecords",
        default,
        deserialize_with = "partner_sdk_core::decode::flag"
    )]
    has_more_records: bool,
}

impl ListEnvelope for ApplicationsEnvelope {
    type Item = Application;
    fn into_parts(self) -> (Vec<Application>, bool) {
        (self.applications, self.has_more_records)
    }
}

#[derive(Deserialize)]
pub(crate) struct ApplicationEnvelope {
    pub(crate) application: Application,
}

#[derive(Deserialize)]
struct DocumentTypesEnvelope {
    #[serde(
        rename = "applicationDocumentTypes",
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    types: Vec<ApplicationDocumentType>,
}

#[derive(Deserialize)]
struct DocumentsEnvelope {
    #[serde(
        rename = "applicationDocuments",
        default,
        deserialize_with = "partner_sdk_core::decode::null_as_default"
    )]
    documents: Vec<ApplicationDocument>,
}

#[derive(Deserialize)]
struct DocumentEnvelope {
    #[serde(rename = "applicationDocument")]
    document: ApplicationDocument,
}

#[derive(Deserialize)]
struct TokenEnvelope {
    #[serde(deserialize_with = "partner_sdk_core::decode::string")]
    token: String,
}

/// Decodes a list answer of applications, the answer for page
/// `page_number` (also used by tests and fuzzing): `next` is the following
/// page's number when `hasMoreRecords`.
pub fn decode_applications_page(
    body: &[u8],
    page_number: u32,
) -> std::result::Result<Page<Application, u32>, serde_json::Error> {
    decode_page::<ApplicationsEnvelope>(body, page_number)
}

/// Decodes a single-application answer.
pub fn decode_application(body: &[u8]) -> std::result::Result<Application, serde_json::Error> {
    let e: ApplicationEnvelope = serde_json::from_slice(body)?;
    Ok(e.application)
}

/// The applications listing, sent as `operation`.
fn listing(operation: &'static str) -> Listing {
    Listing {
        operation,
        path: "/applications",
        account_required: false,
    }
}

impl Client {
    /// One page of applications (`GET applications`, 500 a page; the page
    /// is [`ListQuery::page`], default 1).
    pub async fn list_applications(&self, query: &ListQuery) -> Result<Page<Application, u32>> {
        self.list_page::<ApplicationsEnvelope>(listing("list_applications"), query)
            .await
    }

    /// Every application matching `query`, fetched page by page as the
    /// stream is polled (`pageNumber` from the query's page, default 1,
    /// while `hasMoreRecords`).
    #[inline]
    pub fn applications(&self, query: &ListQuery) -> ItemStream<Application> {
        list_stream::<ApplicationsEnvelope>(self, listing("applications"), query)
    }

    /// One application (`GET applications/{application_id}`).
    pub async fn get_application(&self, application_id: &str) -> Result<Application> {
        self.fetch_application("get_application", application_id)
            .await
    }

    /// `GET applications/{application_id}`, sent as `operation`.
    pub(crate) async fn fetch_application(
        &self,
        operation: &'static str,
        application_id: &str,
    ) -> Result<Application> {
        check_text("application_id", application_id)?;
        let e: ApplicationEnvelope = self
            .vendor_send(
                crate::client::get(operation, "/applications/{application_id}")
                    .param(application_id)
                    .sensitive_answer(),
            )
            .await?;
        Ok(e.application)
    }

    /// Sets the reference number of an application
    /// (`PUT application/{application_id}`), the only updatable field.
    pub async fn update_application_reference(
        &self,
        application_id: &str,
        reference_number: &str,
    ) -> Result<Application> {
        check_text("application_id", application_id)?;
        if reference_number.trim().is_empty() {
            return Err(Error::invalid("reference_number", "must not be empty"));
        }
        #[derive(Serialize)]
        struct Body<'a> {
            reference_number: &'a str,
        }
        let e: ApplicationEnvelope = self
            .vendor_send(
                Request::put(
                    "update_application_reference",
                    "/application/{application_id}",
                )
                .param(application_id)
                .json(&Body { reference_number })
                .sensitive_answer(),
            )
            .await?;
        Ok(e.application)
    }

    /// Document types the current user may upload
    /// (`GET application/document-types`).
    pub async fn list_application_document_types(&self) -> Result<Vec<ApplicationDocumentType>> {
        let e: DocumentTypesEnvelope = self
            .vendor_send(crate::client::get(
                "list_application_document_types",
                "/application/document-types",
            ))
            .await?;
        Ok(e.types)
    }

    /// Documents of an application (`GET application/{application_id}/document`).
    pub async fn list_application_documents(
        &self,
        application_id: &str,
    ) -> Result<Vec<ApplicationDocument>> {
        check_text("application_id", application_id)?;
        let e: DocumentsEnvelope = self
            .vendor_send(
                crate::client::get(
                    "list_application_documents",
                    "/application/{application_id}/document",
                )
                .param(application_id),
            )
            .await?;
        Ok(e.documents)
    }

    /// Uploads a document (`POST application/{application_id}/document`,
    /// base64 body). Never retried. After an unknown outcome
    /// (`OutcomeUnknown`, which carries no key: Brighte takes none), list
    /// the application's documents (`list_application_documents`) before
    /// uploading again.
    pub fn upload_application_document<'a>(
        &'a self,
        application_id: &'a str,
        document: &'a DocumentUpload,
    ) -> Call<'a, ApplicationDocument> {
        boxed(async move {
            check_text("application_id", application_id)?;
            let body = document.to_body()?;
            let e: DocumentEnvelope = self
                .vendor_send(
                    Request::post(
                        "upload_application_document",
                        "/application/{application_id}/document",
                    )
                    .param(application_id)
                    .json(&body),
                )
                .await?;
            Ok(e.document)
        })
    }

    /// Tells Brighte the product is delivered and installed so the buyer
    /// can confirm and start repaying
    /// (`POST application/{application_id}/request-payment`). Never
    /// retried: when no answer comes, the call ends in
    /// [`partner_sdk_core::Error::OutcomeUnknown`] carrying
    /// `("application_id", ..)`; fetch the application (`get_application`):
    /// its status says whether payment was requested.
    ///
    /// With a [journal](crate::ClientBuilder::journal), the request is
    /// journalled under its application id before it is sent and settled
    /// by the answer; one journalled already is not sent again
    /// ([`partner_sdk_core::Error::Journalled`]), and
    /// [`Client::recover`] resolves one whose outcome stayed unknown.
    pub fn request_application_payment<'a>(
        &'a self,
        application_id: &'a str,
    ) -> Call<'a, Application> {
        boxed(async move {
            check_text("application_id", application_id)?;
            let request = crate::client::post_empty(
                "request_application_payment",
                "/application/{application_id}/request-payment",
            )
            .param(application_id)
            .reconcile_with("application_id", application_id)
            .sensitive_answer();
            let e: ApplicationEnvelope = self
                .vendor_send_journalled(request, payment_outcome)
                .await?;
            Ok(e.application)
        })
    }

    /// Sends a secure code to the applicant's mobile
    /// (`POST application/secure-code`); returns the token to submit with
    /// the code. Never retried.
    pub fn send_application_secure_code<'a>(&'a self, mobile: &'a str) -> Call<'a, String> {
        boxed(async move {
            let m = mobile.trim();
            if m.is_empty() || !m.chars().all(|c| c.is_ascii_digit() || c == ' ') {
                return Err(Error::invalid(
                    "mobile",
                    "must be a phone number without country code",
                ));
            }
            #[derive(Serialize)]
            struct Body<'a> {
                mobile: &'a str,
            }
            let e: TokenEnvelope = self
                .vendor_send(
                    Request::post("send_application_secure_code", "/application/secure-code")
                        .json(&Body { mobile: m })
                        // The answer carries the token the code is checked with.
                        .sensitive_answer(),
                )
                .await?;
            Ok(e.token)
        })
    }
}

/// The journal's reading of a payment request's answer: done with the
/// application id; not done on Brighte's refusal (a 4xx, or a 2xx whose
/// `status` is an error code); pending otherwise.
fn payment_outcome(
    result: &partner_sdk_core::Result<ApplicationEnvelope>,
) -> Option<partner_sdk_journal::Outcome> {
    if let Err(partner_sdk_core::Error::Api(e)) = result
        && let Some(code) = e.code()
    {
        return Some(partner_sdk_journal::Outcome::NotDone {
            reason: format!("refused: {} {code}", e.status().as_u16()),
        });
    }
    partner_sdk_core::transport::definite_outcome(result, |answer| {
        Some(answer.application.id.clone())
    })
}
