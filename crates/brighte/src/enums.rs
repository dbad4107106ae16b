//! The remaining enums of the documentation, for applicant data. Unknown
//! values are kept as `Other`.

partner_sdk_core::open_enum! {
    /// `gender`.
    pub enum Gender {
        /// Female.
        Female => "FEMALE",
        /// Male.
        Male => "MALE",
    }
}

partner_sdk_core::open_enum! {
    /// `identificationType`.
    pub enum IdentificationType {
        /// Driver licence.
        DriverLicence => "DRIVER_LICENCE",
        /// Medicare card.
        MedicareCard => "MEDICARE_CARD",
        /// Passport.
        Passport => "PASSPORT",
    }
}

partner_sdk_core::open_enum! {
    /// `maritalStatus`.
    pub enum MaritalStatus {
        /// De facto.
        Defacto => "DEFACTO",
        /// Married.
        Married => "MARRIED",
        /// Single.
        Single => "SINGLE",
    }
}

partner_sdk_core::open_enum! {
    /// `medicareColour`.
    pub enum MedicareColour {
        /// Blue.
        Blue => "BLUE",
        /// Green.
        Green => "GREEN",
        /// Yellow.
        Yellow => "YELLOW",
    }
}

partner_sdk_core::open_enum! {
    /// `paymentMethod`.
    pub enum PaymentMethod {
        /// Bank account.
        BankAccount => "BANK_ACCOUNT",
        /// Visa card.
        Visa => "VISA",
        /// Mastercard.
        Mastercard => "MASTERCARD",
    }
}

partner_sdk_core::open_enum! {
    /// `pensionerOrVeteranType`.
    pub enum PensionerOrVeteranType {
        /// Aged pension.
        AgedPension => "AGED_PENSION",
        /// Returned servicemen pension.
        ReturnedServicemenPension => "RETURNED_SERVICEMEN_PENSION",
        /// Self-funded retiree.
        SelfFundedRetiree => "SELF_FUNDED_RETIREE",
    }
}

partner_sdk_core::open_enum! {
    /// `personTitle`.
    pub enum PersonTitle {
        /// Dr.
        Dr => "DR",
        /// Miss.
        Miss => "MISS",
        /// Mr.
        Mr => "MR",
        /// Mrs.
        Mrs => "MRS",
        /// Ms.
        Ms => "MS",
    }
}

partner_sdk_core::open_enum! {
    /// `stateCode` (Australian states and territories).
    pub enum StateCode {
        /// Australian Capital Territory.
        Act => "ACT",
        /// New South Wales.
        Nsw => "NSW",
        /// Northern Territory.
        Nt => "NT",
        /// Queensland.
        Qld => "QLD",
        /// South Australia.
        Sa => "SA",
        /// Tasmania.
        Tas => "TAS",
        /// Victoria.
        Vic => "VIC",
        /// Western Australia.
        Wa => "WA",
    }
}
